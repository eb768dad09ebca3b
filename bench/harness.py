"""What the sections of bench/run.py share: services under gunicorn, databases, Redis, nginx, wrk, the table.

Nothing here knows a route; each section (reads, blobs, team, render) builds on these pieces.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MB = 1024 * 1024
APT_LINE = "apt-get install -y nginx-light wrk"
# The Postgres server the bench creates its databases on (as the tests do); the admin connection uses the
# `postgres` database, so the one named in the URL need not exist.
PG_URL = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PG_SERVER = PG_URL.rsplit("/", 1)[0]
ACCESS_LINE = re.compile(r'^\S+ - \S+ \[[^]]+\] "[A-Z]+ \S+ HTTP/[\d.]+" [23]\d\d ')


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load_text()}] {message}", flush=True)


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def rss_kb(pid: int, name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def reset_hwm(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs), so a peak is measured from now."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/sbin", "/usr/local/sbin"):
        if Path(folder, name).exists():
            return str(Path(folder, name))
    return None


# --- children: every process the bench starts is stopped on exit, also on SIGTERM or Ctrl-C ----------------

_children: list[subprocess.Popen] = []
_cleanups: list = []


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the bench dies, even by SIGKILL (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def spawn(args: list[str], **kwargs) -> subprocess.Popen:
    proc = subprocess.Popen(args, preexec_fn=_die_with_parent, **kwargs)  # children die with us
    _children.append(proc)
    return proc


def stop(proc: subprocess.Popen | None, timeout: float = 30) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proc in _children:
        _children.remove(proc)


def on_exit(cleanup) -> None:
    _cleanups.append(cleanup)


def cleanup_all() -> None:
    for proc in list(reversed(_children)):
        try:
            stop(proc, timeout=10)
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
    while _cleanups:
        try:
            _cleanups.pop()()
        except Exception:  # noqa: BLE001
            pass


def install_signal_handlers() -> None:
    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


# --- databases and Redis -----------------------------------------------------------------------------------


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_SERVER + "/postgres", autocommit=True, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


def create_pg_database() -> str:
    import psycopg

    name = f"sb_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    on_exit(lambda: drop_pg_database(name))
    return name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Redis:
    """A throwaway redis-server on a free port (no persistence), so the suite's Redis on 6379 is left alone."""

    def __init__(self, workdir: Path):
        exe = tool("redis-server")
        if not exe:
            raise RuntimeError("redis-server not found: apt-get install -y redis-server")
        self.port = free_port()
        on_exit(lambda: shutil.rmtree(workdir, ignore_errors=True))
        self.proc = spawn(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir), "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_port(self.port, "redis-server")
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        stop(self.proc)


class S3:
    """moto's standalone S3 server (`python -m moto.server`, from requirements-dev.txt) on a free loopback port,
    with one bucket: the s3 store's object store for the bench, as tests/support/s3_server.py starts it."""

    BUCKET = "storyboard-bench"

    def __init__(self, workdir: Path):
        import boto3
        from botocore.config import Config

        workdir.mkdir(parents=True, exist_ok=True)
        on_exit(lambda: shutil.rmtree(workdir, ignore_errors=True))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(workdir / "moto.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = spawn(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            cwd=workdir, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_port(self.port, "moto.server", seconds=60)
        self.settings = {
            "S3_BUCKET_NAME": self.BUCKET, "S3_ENDPOINT_URL": self.url, "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "bench", "S3_SECRET_ACCESS_KEY": "bench", "S3_TIMEOUT_SECONDS": "60",
        }  # fmt: skip
        self.client = boto3.session.Session().client(
            "s3", region_name="us-east-1", endpoint_url=self.url, aws_access_key_id="bench",
            aws_secret_access_key="bench", config=Config(s3={"addressing_style": "path"}),
        )  # fmt: skip
        self.client.create_bucket(Bucket=self.BUCKET)

    def put_seconds(self, path: Path, key: str) -> float:
        """Seconds of `curl -T` (one plain PUT, no multipart) of `path` straight into the bucket: the S3 server's
        own speed of taking the bytes, the anchor of an upload through the API."""
        url = self.client.generate_presigned_url("put_object", Params={"Bucket": self.BUCKET, "Key": key})
        started = time.perf_counter()
        subprocess.run(["curl", "-s", "-f", "-H", "Expect:", "-o", "/dev/null", "-T", str(path), url], check=True)
        seconds = time.perf_counter() - started
        self.client.delete_object(Bucket=self.BUCKET, Key=key)
        return seconds

    def direct_path(self, path: Path, key: str) -> str:
        """`path` stored as `key`; the presigned GET of it (path and query, on self.port) for a plain HTTP client."""
        self.client.upload_file(str(path), self.BUCKET, key)
        url = self.client.generate_presigned_url("get_object", Params={"Bucket": self.BUCKET, "Key": key})
        return url[len(self.url) :]

    def stop(self) -> None:
        stop(self.proc)
        self._log.close()


def wait_port(port: int, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


# --- trees: the current checkout and a baseline revision ----------------------------------------------------


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def export_tree(rev: str) -> Path:
    """`git archive REV | tar -x` into a temporary folder (no worktree metadata, nothing in the repo changes)."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-tree-{rev[:12]}-"))
    on_exit(lambda: shutil.rmtree(folder, ignore_errors=True))
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", "--format=tar", rev], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(folder)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {rev} failed")
    return folder


# --- the service --------------------------------------------------------------------------------------------


class Service:
    """The app of the tree `root` under gunicorn, on its own fresh database, blob folder and API key.

    `backend` is sqlite (a file in the work folder) or postgres (a fresh database); `redis_url` empty means
    background work in process. `rq_workers` starts that many `flask --app wsgi worker` processes.
    """

    def __init__(self, label: str, *, root: Path = ROOT, backend: str = "sqlite", store: str = "filesystem",
                 workers: int = 2, threads: int = 8, redis_url: str = "", rq_workers: int = 0,
                 env: dict | None = None):  # fmt: skip
        self.label, self.root, self.backend, self.rq_count = label, root, backend, rq_workers
        self.workdir = Path(tempfile.mkdtemp(prefix=f"bench-{label.replace(' ', '-')}-"))
        on_exit(lambda: shutil.rmtree(self.workdir, ignore_errors=True))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        if backend == "postgres":
            self.database = PG_SERVER + "/" + create_pg_database()
        else:
            self.database = f"sqlite:///{self.workdir / 'bench.db'}"
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AI_", "OPENAI_", "GUNICORN_", "DATABASE_", "REDIS_", "BLOB_", "RQ_"))
        }
        self.env = {
            **inherited,
            "PYTHONPATH": str(root),
            "ENVIRONMENT": "testing",
            "SECRET_KEY": "bench-" + "x" * 40,
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": self.database,
            "BLOB_STORAGE_TYPE": store,
            "BLOB_STORAGE_DIR": str(self.workdir / "blobs"),
            "REDIS_URL": redis_url,
            "RQ_QUEUE_PREFIX": f"bench{self.port}-" if redis_url else "",
            "AI_PROVIDER": "offline",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_TIMEOUT": "600",
            # The figures measure the server, not its rate limits; files stay in the bench's folder.
            "RATE_LIMIT_ENABLED": "false",
            "INSTANCE_DIR": str(self.workdir / "instance"),
            "LOCAL_API_KEY_FILE": str(self.workdir / "local_api_key"),
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None
        self.rq: list[subprocess.Popen] = []
        self._logs: list = []
        self.flask("db", "upgrade")
        out = self.flask("bootstrap-local")
        self.key = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("API key"))
        self.headers = {"X-API-Key": self.key}

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=self.root, env=self.env, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            raise RuntimeError(f"{self.label}: flask {' '.join(args)} failed: {last}\n{done.stderr[-2000:]}")
        return done.stdout

    def _log(self, name: str):
        handle = open(self.workdir / name, "ab")  # noqa: SIM115 - closed in stop()
        self._logs.append(handle)
        return handle

    def start(self) -> Service:
        # gunicorn.conf.py of the tree itself (2 gthread workers x 8 threads unless GUNICORN_* say otherwise);
        # its access log goes to a file in the work folder, as it would to a deployment's log collector.
        log_file = self._log("gunicorn.log")
        self.proc = spawn(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=self.root, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for i in range(self.rq_count):
            self.rq.append(
                spawn(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                    cwd=self.root,
                    env=self.env,
                    stdout=self._log(f"worker{i}.log"),
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label}: gunicorn exited:\n{self.log_tail()}")
            try:
                if request(self.port, "GET", "/healthz")[0] == 200 and len(self.worker_pids()) >= 1:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.label}: service did not start:\n{self.log_tail()}")

    def log_tail(self, name: str = "gunicorn.log", lines: int = 40) -> str:
        """The last lines of a log that are not access-log lines (those say nothing about a failure)."""
        path = self.workdir / name
        if not path.exists():
            return ""
        kept = [line for line in path.read_text(errors="replace").splitlines() if not ACCESS_LINE.match(line)]
        return "\n".join(kept[-lines:])

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def stop(self) -> None:
        for proc in self.rq:
            stop(proc)
        self.rq = []
        stop(self.proc)
        self.proc = None
        for handle in self._logs:
            handle.close()
        self._logs = []

    # JSON over the API, one keep-alive connection per call site is not worth it for setup work.
    def call(self, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 600):
        status, data = request(self.port, method, path, body, {**self.headers, **(headers or {})}, timeout)
        return status, data


def request(port: int, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 60):
    """One HTTP request on a fresh connection; returns (status, parsed JSON or raw bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None
        headers = dict(headers or {})
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, payload, headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw
    finally:
        conn.close()


# --- nginx --------------------------------------------------------------------------------------------------


class Nginx:
    """Debian's nginx serving `root` on a free loopback port from a temporary config (1 worker, sendfile)."""

    def __init__(self, root: Path):
        exe = tool("nginx")
        if not exe:
            raise RuntimeError(f"nginx not found: {APT_LINE}")
        self.dir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        on_exit(lambda: shutil.rmtree(self.dir, ignore_errors=True))
        self.port = free_port()
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        conf.write_text(
            f"""{user}
worker_processes 1; daemon off; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;
events {{ worker_connections 512; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy; fastcgi_temp_path {self.dir}/fcgi;
  uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
  default_type application/octet-stream;
  server {{ listen 127.0.0.1:{self.port}; root {root}; }}
}}
"""
        )
        self.proc = spawn([exe, "-c", str(conf), "-p", str(self.dir)], stderr=subprocess.DEVNULL)
        wait_port(self.port, "nginx")

    def stop(self) -> None:
        stop(self.proc, timeout=10)


# --- wrk ----------------------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, headers: dict, connections: int, seconds: int, threads: int = 2) -> dict:
    """req/s, p50 and p99 (ms) of `wrk --latency`; raises when any response was not 2xx/3xx or sockets failed."""
    exe, seconds = tool("wrk"), max(1, round(seconds))
    args = [exe, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 120)
    out = done.stdout
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr or out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    if bad or sock or not (rps and p50 and p99):
        raise RuntimeError(f"wrk {url}: errors or unreadable output:\n{out}")
    return {"rps": float(rps.group(1)), "p50_ms": _ms(p50.group(1)), "p99_ms": _ms(p99.group(1))}


# --- the table ----------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One figure measured against its anchor in the same run. Target: (what, op, limit), what is ratio|value."""

    section: str
    figure: str
    unit: str
    anchor: str
    values: list = field(default_factory=list)
    anchors: list = field(default_factory=list)
    target: tuple | None = None
    note: str = ""
    error: str = ""
    show_ratio: bool = True

    def add(self, value, anchor=None) -> None:
        self.values.append(value)
        self.anchors.append(anchor)

    @property
    def value(self):
        return median(self.values)

    @property
    def anchor_value(self):
        return median(self.anchors)

    @property
    def ratio(self):
        """The median of the rounds' own ratios: a figure and its anchor are measured back to back, so each
        round's ratio shares that round's machine, and a round where everything ran slow (a 2-core machine
        with other work) moves the ratio far less than it moves the median values."""
        ratios = sorted(r for r in self.round_ratios if r is not None)
        return median(ratios) if ratios else None

    @property
    def round_ratios(self) -> list:
        return [v / a if v is not None and a else None for v, a in zip(self.values, self.anchors, strict=True)]

    @property
    def met(self) -> str:
        if self.error:
            return "ERROR"
        if not self.target:
            return "-"
        what, op, limit = self.target
        got = self.ratio if what == "ratio" else self.value
        if got is None:
            return "-"
        ok = {">=": got >= limit, "<=": got <= limit, "<": got < limit, ">": got > limit}[op]
        return "yes" if ok else "NO"

    def target_text(self) -> str:
        if not self.target:
            return "-"
        what, op, limit = self.target
        op = {">=": "≥", "<=": "≤"}.get(op, op)
        return f"{op} {limit:g}×" if what == "ratio" else f"{op} {limit:g} {self.unit}"

    def cells(self) -> list[str]:
        if self.error:
            return [self.figure, "error", self.anchor, "-", "-", self.target_text(), f"ERROR: {self.error}"]
        ratio = self.ratio
        return [
            self.figure,
            fmt(self.value, self.unit),
            self.anchor,
            fmt(self.anchor_value, self.unit),
            f"{ratio:.2f}×" if ratio is not None and self.show_ratio else "-",
            self.target_text(),
            self.met,
        ]

    def as_json(self) -> dict:
        return {
            "section": self.section, "figure": self.figure, "unit": self.unit, "anchor": self.anchor,
            "value": self.value, "anchor_value": self.anchor_value, "ratio": self.ratio,
            "target": self.target_text(), "met": self.met, "values": self.values, "anchors": self.anchors,
            "round_ratios": self.round_ratios,
            "note": self.note, "error": self.error,
        }  # fmt: skip


def fmt(value, unit: str) -> str:
    if value is None:
        return "-"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f} {unit}".strip()


def table(rows: list[Row]) -> str:
    head = ["figure", "value", "anchor", "anchor value", "ratio", "target", "met?"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def post_jobs(
    port: int, indexes: Iterable[int], headers: dict, body_of: Callable[[int], dict], label: str = ""
) -> None:
    """POST /api/v3/jobs with `body_of(i)` for each index, on one keep-alive connection; anything but 201/202 raises."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for i in indexes:
        conn.request("POST", "/api/v3/jobs", json.dumps(body_of(i)), headers)
        response = conn.getresponse()
        body = response.read()
        if response.status not in (201, 202):
            raise RuntimeError(f"{label + ': ' if label else ''}POST /jobs: {response.status} {body[:300]!r}")
    conn.close()
