"""The Postgres blob store against nginx serving the same file: whole-file reads, 1 MiB ranges, memory, ingest.

    .venv/bin/python bench/bench_pg_blobs.py [--size-mb 100] [--rounds 3] [--ranges 200] [--concurrency 4]
                                              [--ingest] [--root PATH]

On a fresh Postgres database (BLOB_STORAGE_TYPE=postgres) it stores a file of random bytes (media does not
compress either) and measures, medians of `--rounds` alternating rounds:

- the store directly (`put_stream`, `open_range` of the whole blob, random unaligned 1 MiB ranges, the
  tracemalloc peak of one whole read);
- the API under gunicorn (1 worker, 8 threads): `GET /api/v3/assets/{id}/data` whole (1 client, then
  `--concurrency` clients) and 1 MiB `Range` requests from `--concurrency` keep-alive clients, and the growth of
  the worker's peak RSS (VmHWM) over its idle RSS while `--concurrency` clients read the whole file;
- nginx (when installed; Debian: `apt-get install -y nginx`) serving the same file to the same client code on a
  free loopback port with a temporary config: the anchor of each ratio;
- with `--ingest`: a ~100 MB MP4 through `POST /api/v3/assets/from-url` (nginx as the origin) against
  `curl -o /dev/null` of the same URL.

`--root` runs the code of another checkout (e.g. `git archive HEAD | tar -x -C /tmp/before`) for before/after.
Numbers are printed (and written to bench/out/pg_blobs.json), never asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MB = 1024 * 1024
HERE = Path(__file__).resolve().parent
PG_ADMIN = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_hwm(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs), so a peak is measured from now."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def write_random_file(path: Path, size: int) -> None:
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(MB, left)
            out.write(os.urandom(n))
            left -= n


def make_mp4(path: Path) -> None:
    """A ~100 MB genuine MP4 (ingest sniffs and probes what it downloads)."""
    import imageio_ffmpeg

    rate = "4200k"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=1280x720:rate=25:duration=200", "-c:v", "libx264", "-preset", "ultrafast",
         "-b:v", rate, "-minrate", rate, "-maxrate", rate, "-bufsize", rate, "-x264-params", "nal-hrd=cbr",
         str(path)],
        check=True,
    )  # fmt: skip


# --- HTTP client (the same code for the API and for nginx) -------------------------------------------------


def _get(conn: http.client.HTTPConnection, path: str, headers: dict, buf: memoryview) -> int:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    if response.status not in (200, 206):
        raise RuntimeError(f"GET {path}: {response.status} {response.read()[:200]!r}")
    size = 0
    while n := response.readinto(buf):
        size += n
    return size


def whole_reads(port: int, path: str, headers: dict, clients: int, per_client: int) -> float:
    """MB/s of `clients` connections each reading the whole file `per_client` times."""

    def client(_):
        conn, buf, size = http.client.HTTPConnection("127.0.0.1", port, timeout=600), memoryview(bytearray(MB)), 0
        for _ in range(per_client):
            size += _get(conn, path, headers, buf)
        conn.close()
        return size

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(client, range(clients)))
    return total / MB / (time.perf_counter() - started)


def range_reads(port: int, path: str, headers: dict, size: int, clients: int, count: int, seed: int) -> float:
    """1 MiB Range requests per second from `clients` keep-alive connections, random unaligned offsets."""
    rng = random.Random(seed)
    starts = [rng.randrange(0, size - MB) for _ in range(count)]
    shares = [starts[i::clients] for i in range(clients)]

    def client(mine):
        conn, buf = http.client.HTTPConnection("127.0.0.1", port, timeout=600), memoryview(bytearray(MB))
        for start in mine:
            got = _get(conn, path, {**headers, "Range": f"bytes={start}-{start + MB - 1}"}, buf)
            if got != MB:
                raise RuntimeError(f"range read {got} bytes")
        conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, shares))
    return count / (time.perf_counter() - started)


# --- nginx ------------------------------------------------------------------------------------------------


class Nginx:
    def __init__(self, root: Path):
        self.exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        self.proc = None
        if not self.exe:
            return
        self.dir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.port = free_port()
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        conf.write_text(
            f"""{user}
worker_processes 1; daemon off; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy; fastcgi_temp_path {self.dir}/fcgi;
  uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
  default_type application/octet-stream;
  server {{ listen 127.0.0.1:{self.port}; root {root}; }}
}}
"""
        )
        self.proc = subprocess.Popen([self.exe, "-c", str(conf), "-p", str(self.dir)], stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            shutil.rmtree(self.dir, ignore_errors=True)


# --- the service ------------------------------------------------------------------------------------------


class Service:
    """gunicorn serving the app of `root` on a fresh Postgres database with the postgres blob store."""

    def __init__(self, root: Path, workdir: Path):
        import psycopg

        self.root, self.port = root, free_port()
        self.db_name = f"sb_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db_name
        self.env = {
            **os.environ,
            "PYTHONPATH": str(root),
            "ENVIRONMENT": "testing",
            "SECRET_KEY": "bench-" + "x" * 40,
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": self.url,
            "BLOB_STORAGE_TYPE": "postgres",
            "BLOB_STORAGE_DIR": str(workdir / "blobs"),
            "REDIS_URL": "",
            "ASSET_FETCH_ALLOW_PRIVATE": "true",
            "MAX_ASSET_DOWNLOAD_SIZE_MB": "200",
            "ASSET_DOWNLOAD_TIMEOUT_SECONDS": "300",
            "REQUEST_WAIT_SECONDS": "300",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_TIMEOUT": "600",
        }
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=root, env=self.env, check=True, capture_output=True)
        out = subprocess.run(
            [*flask, "bootstrap-local"], cwd=root, env=self.env, check=True, capture_output=True, text=True
        )
        self.key = next(line.split(": ", 1)[1] for line in out.stdout.splitlines() if line.startswith("API key"))
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "wsgi:app"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("service did not start")

    def worker_pid(self) -> int:
        return int(Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()[0])

    def stop(self) -> None:
        import psycopg

        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


def app_for(service: Service):
    from config import database_url
    from storyboard import create_app

    settings = {
        "ENVIRONMENT": "testing",
        "SECRET_KEY": service.env["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": database_url(service.url),
        "BLOB_STORAGE_TYPE": "postgres",
        "BLOB_STORAGE_DIR": service.env["BLOB_STORAGE_DIR"],
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    return create_app(settings, env={})


def store_and_register(app, path: Path) -> tuple[str, float]:
    """put_stream the file (seconds) and an asset row for it; returns (asset id, seconds)."""
    from storyboard.models import Asset, User, db
    from storyboard.storage import get_store

    with app.app_context():
        started = time.perf_counter()
        with open(path, "rb") as fh:
            blob, _ = get_store().put_stream(fh, "video/mp4")
        db.session.commit()
        seconds = time.perf_counter() - started
        user = db.session.query(User).filter_by(username="local").one()
        asset = Asset(
            user_id=user.id, name="bench", type="video", format="mp4", content_type="video/mp4",
            size=blob.size_bytes, blob_id=blob.id, status="ready",
        )  # fmt: skip
        db.session.add(asset)
        db.session.commit()
        return asset.id, seconds


def store_reads(app, asset_id: str, ranges: int, seed: int) -> dict:
    from storyboard.models import Asset, Blob, db
    from storyboard.storage import get_store

    with app.app_context():
        store = get_store()
        blob = db.session.get(Blob, db.session.get(Asset, asset_id).blob_id)
        db.session.expunge(blob)
        db.session.commit()
        started, size = time.perf_counter(), 0
        for chunk in store.open_range(blob):
            size += len(chunk)
        db.session.commit()
        whole = size / MB / (time.perf_counter() - started)
        assert size == blob.size_bytes, (size, blob.size_bytes)
        rng = random.Random(seed)
        started = time.perf_counter()
        for _ in range(ranges):
            start = rng.randrange(0, blob.size_bytes - MB)
            got = sum(len(c) for c in store.open_range(blob, start, start + MB - 1))
            db.session.commit()
            assert got == MB
        per_s = ranges / (time.perf_counter() - started)
        return {"whole_MB_s": whole, "ranges_per_s": per_s}


def store_read_peak(app, asset_id: str) -> float:
    from storyboard.models import Asset, Blob, db
    from storyboard.storage import get_store

    with app.app_context():
        blob = db.session.get(Blob, db.session.get(Asset, asset_id).blob_id)
        db.session.expunge(blob)
        db.session.commit()
        tracemalloc.start()
        for _ in get_store().open_range(blob):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.commit()
        return peak / MB


def ingest_round(service: Service, url: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=900)
    headers = {"X-API-Key": service.key, "Content-Type": "application/json"}
    started = time.perf_counter()
    conn.request(
        "POST", "/api/v3/assets/from-url", json.dumps({"name": "in.mp4", "type": "video", "url": url}), headers
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    seconds = time.perf_counter() - started
    if response.status != 201 or body["data"].get("status") != "ready":
        raise RuntimeError(f"ingest: {response.status} {body}")
    conn.request("DELETE", f"/api/v3/assets/{body['data']['id']}", headers={"X-API-Key": service.key})
    conn.getresponse().read()
    conn.close()
    return seconds


def curl_seconds(url: str) -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", url], check=True)
    return time.perf_counter() - started


def median(values):
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ranges", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--ingest", action="store_true", help="also a ~100 MB MP4 through POST /assets/from-url")
    parser.add_argument("--root", default=str(HERE.parent), help="the checkout whose code runs")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))

    media = Path(tempfile.mkdtemp(prefix="bench-pgblobs-"))
    media.chmod(0o755)
    size = args.size_mb * MB
    blob_file = media / "blob.bin"
    write_random_file(blob_file, size)
    blob_file.chmod(0o644)
    if args.ingest:
        make_mp4(media / "in.mp4")
        (media / "in.mp4").chmod(0o644)
    nginx = Nginx(media)
    service = Service(root, media)
    results: dict = {"label": args.label, "root": str(root), "size_MB": args.size_mb, "load_avg": os.getloadavg()}
    samples: dict[str, list[float]] = {}

    def add(name, value):
        samples.setdefault(name, []).append(value)

    try:
        app = app_for(service)
        asset_id, put_s = store_and_register(app, blob_file)
        results["store_put_MB_s"] = size / MB / put_s
        results["store_read_tracemalloc_peak_MB"] = store_read_peak(app, asset_id)
        service.start()
        pid = service.worker_pid()
        api_path, api_headers = f"/api/v3/assets/{asset_id}/data", {"X-API-Key": service.key}
        # Warm up (imports, pools, first query plans) before taking the idle RSS.
        range_reads(service.port, api_path, api_headers, size, 2, 8, seed=0)
        idle = rss_kb(pid, "VmRSS")
        c, n = args.concurrency, args.ranges
        for round_no in range(args.rounds):
            seed = 1000 + round_no
            for name, value in store_reads(app, asset_id, n, seed).items():
                add("store_" + name, value)
            reset_hwm(pid)
            before = rss_kb(pid, "VmRSS")
            add(f"api_whole_MB_s_x{c}", whole_reads(service.port, api_path, api_headers, c, 1))
            add(f"api_rss_growth_MB_x{c}", (rss_kb(pid, "VmHWM") - min(before, idle)) / 1024)
            add("api_whole_MB_s_x1", whole_reads(service.port, api_path, api_headers, 1, 2))
            add("api_ranges_per_s", range_reads(service.port, api_path, api_headers, size, c, n, seed))
            if nginx.proc:
                add(f"nginx_whole_MB_s_x{c}", whole_reads(nginx.port, "/blob.bin", {}, c, 1))
                add("nginx_whole_MB_s_x1", whole_reads(nginx.port, "/blob.bin", {}, 1, 2))
                add("nginx_ranges_per_s", range_reads(nginx.port, "/blob.bin", {}, size, c, n, seed))
        results["api_idle_rss_MB"] = idle / 1024
        results["api_peak_rss_MB"] = rss_kb(pid, "VmHWM") / 1024
        if args.ingest and nginx.proc:
            url = f"http://127.0.0.1:{nginx.port}/in.mp4"
            for _ in range(args.rounds):
                add("curl_seconds", curl_seconds(url))
                reset_hwm(pid)
                before = rss_kb(pid, "VmRSS")
                add("ingest_seconds", ingest_round(service, url))
                add("ingest_rss_growth_MB", (rss_kb(pid, "VmHWM") - before) / 1024)
    finally:
        service.stop()
        nginx.stop()
        shutil.rmtree(media, ignore_errors=True)

    for name, values in samples.items():
        results[name] = median(values)
    results["samples"] = samples
    report(results, args.concurrency)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    suffix = f"_{args.label}" if args.label else ""
    (out / f"pg_blobs{suffix}.json").write_text(json.dumps(results, indent=2))


def report(r: dict, concurrency: int) -> None:
    def ratio(a, b):
        return f"{r[a] / r[b]:.3f}x" if r.get(a) and r.get(b) else "-"

    c = concurrency
    rows = [
        ("store put_stream", f"{r['store_put_MB_s']:.0f} MB/s", "", ""),
        ("store open_range whole", f"{r['store_whole_MB_s']:.0f} MB/s", "", ""),
        ("store 1 MiB ranges (1 reader)", f"{r['store_ranges_per_s']:.0f}/s", "", ""),
        ("store whole read tracemalloc peak", f"{r['store_read_tracemalloc_peak_MB']:.1f} MB", "", ""),
        (f"API whole GET x{c} clients", f"{r[f'api_whole_MB_s_x{c}']:.0f} MB/s",
         f"{r.get(f'nginx_whole_MB_s_x{c}') or 0:.0f} MB/s", ratio(f"api_whole_MB_s_x{c}", f"nginx_whole_MB_s_x{c}")),
        ("API whole GET x1 client", f"{r['api_whole_MB_s_x1']:.0f} MB/s",
         f"{r.get('nginx_whole_MB_s_x1') or 0:.0f} MB/s", ratio("api_whole_MB_s_x1", "nginx_whole_MB_s_x1")),
        (f"API 1 MiB ranges x{c} clients", f"{r['api_ranges_per_s']:.0f}/s",
         f"{r.get('nginx_ranges_per_s') or 0:.0f}/s", ratio("api_ranges_per_s", "nginx_ranges_per_s")),
        (f"API worker peak RSS growth, x{c} whole", f"{r[f'api_rss_growth_MB_x{c}']:.1f} MB",
         f"idle {r['api_idle_rss_MB']:.0f} MB", ""),
    ]  # fmt: skip
    if r.get("ingest_seconds"):
        rows.append(("ingest ~100 MB MP4 from URL", f"{r['ingest_seconds']:.2f} s", f"curl {r['curl_seconds']:.2f} s",
                     f"{r['ingest_seconds'] / r['curl_seconds']:.1f}x curl"))  # fmt: skip
        rows.append(("API worker peak RSS growth, ingest", f"{r['ingest_rss_growth_MB']:.1f} MB", "", ""))
    print(f"\n{r['label'] or 'run'}: {r['root']}, {r['size_MB']} MB random blob, load avg {r['load_avg']}")
    print("| figure | value | nginx / anchor | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
