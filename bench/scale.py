"""Scale-out: one API instance + one RQ worker against two of each, on one Postgres + Redis + S3 server.

    .venv/bin/python bench/scale.py [--rounds 3] [--scale-jobs 80] [--seconds 3]    # alone, prints its table
    make bench BENCH_ARGS="--only scale"                                            # the same rows in the table

One fresh Postgres database (CREATE DATABASE, `flask db upgrade`, a user and API key from `flask
bootstrap-local`), one private redis-server on a free port (`--maxmemory-policy noeviction`, no persistence:
the bench's data is thrown away), and moto's S3 server on a free port with one bucket (BLOB_STORAGE_TYPE=s3),
all shared by every process. An *instance* is one gunicorn (`gunicorn.conf.py`, ONE gthread worker x 8
threads, so an instance is one API process) on its own port with its own INSTANCE_DIR (control socket,
metrics files); a *worker* is one `flask --app wsgi worker` (every queue, with RQ's scheduler). The offline
storyboard writer (AI_PROVIDER=offline), rate limits off (RATE_LIMIT_ENABLED=false).

Each round measures both set-ups back to back (one: instance A + worker 1; two: A and B + workers 1 and 2;
the order swapped every round; instance B and worker 2 are started and stopped between them, and a set-up is
used only once `rq:workers` in Redis counts its workers, after a warm-up of 32 jobs and 1 s of blob GETs):

- the API alone, then the workers alone: with the workers paused (RQ's `rq:suspended`; a worker already
  waiting on the queue still takes one job), 8 client threads POST `--scale-jobs` jobs to /api/v3/jobs with
  `Prefer: respond-async` (202 at once), client thread i on instance i mod N: creates/s; then the workers are
  resumed and write them: storyboards/s from the first job a worker takes to the last in storyboard_review;
- both at once: the same creates while the workers run (creates/s), and from the first POST until all of them
  are in storyboard_review (polled every 50 ms): storyboards/s end to end;
- blob serving: wrk `-c16` (split evenly, one wrk per instance, run at once) on GET /api/v3/assets/{id}/data
  of a ~170 KB JPEG uploaded once (every GET a GetObject to the S3 server) for `--seconds`: req/s summed.

The ratio is two over one (the median of the rounds' own ratios): the scaling factor. It is bounded by the
machine's cores (`os.cpu_count()`, printed with the figures): on 2 cores, the API processes, the workers,
Postgres, Redis, moto, wrk and the clients all share them.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    OUT,
    S3,
    Redis,
    Row,
    Service,
    cleanup_all,
    free_port,
    install_signal_handlers,
    load_text,
    log,
    post_jobs,
    postgres_available,
    request,
    spawn,
    stop,
    table,
    tool,
    wrk,
)
from reads import brief  # noqa: E402

CLIENT_THREADS = 8
WRK_CONNECTIONS = 16


class Instance:
    """One more gunicorn of the same app on its own port and INSTANCE_DIR (same database, Redis and bucket)."""

    def __init__(self, service: Service, port: int):
        self.port, self.service = port, service
        self.env = {**service.env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "INSTANCE_DIR": str(service.workdir / "run" / f"127.0.0.1-{port}")}  # fmt: skip
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each instance's own, under its INSTANCE_DIR
        self._log = open(service.workdir / f"gunicorn-{port}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = spawn(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=service.root, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn on {port} exited: see {service.workdir}/gunicorn-{port}.log")
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn on {port} did not start")

    def stop(self) -> None:
        stop(self.proc)
        self._log.close()


class Worker:
    """One `flask --app wsgi worker` (all queues) of the service's settings."""

    def __init__(self, service: Service, number: int):
        self._log = open(service.workdir / f"worker{number}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = spawn(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=service.root, env=service.env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def stop(self) -> None:
        stop(self.proc)
        self._log.close()


class Cluster:
    """Instances and workers on the one database, Redis and bucket; `size(n)` makes it n of each."""

    def __init__(self, service: Service, redis_url: str):
        import redis

        self.service, self.redis = service, redis.Redis.from_url(redis_url)
        self.instances: list[Instance] = []
        self.workers: list[Worker] = []

    @property
    def ports(self) -> list[int]:
        return [i.port for i in self.instances]

    def size(self, n: int) -> None:
        while len(self.instances) > n:
            self.instances.pop().stop()
        while len(self.workers) > n:
            self.workers.pop().stop()
        while len(self.instances) < n:
            self.instances.append(Instance(self.service, free_port()))
        while len(self.workers) < n:
            self.workers.append(Worker(self.service, len(self.workers) + 1))
        deadline = time.monotonic() + 60
        while self.redis.scard("rq:workers") != n:  # a stopped worker unregisters itself; a new one registers
            if time.monotonic() > deadline:
                raise RuntimeError(f"rq:workers counts {self.redis.scard('rq:workers')} workers, not {n}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.size(0)


def _count(port: int, key: str, status: str) -> int:
    code, body = request(port, "GET", f"/api/v3/jobs?status={status}&limit=1", headers={"X-API-Key": key})
    if code != 200:
        raise RuntimeError(f"GET /jobs?status={status}: {code} {str(body)[:300]}")
    return body["meta"]["total"]


def _post_jobs(cluster: Cluster, ids: tuple[str, str], count: int) -> float:
    """Creates/s of `count` async POST /jobs from CLIENT_THREADS threads, thread i on instance i mod N."""
    ports = cluster.ports
    headers = {"X-API-Key": cluster.service.key, "Content-Type": "application/json", "Prefer": "respond-async"}

    def create(thread: int) -> None:
        indexes = range(thread, count, CLIENT_THREADS)
        post_jobs(ports[thread % len(ports)], indexes, headers, lambda i: brief(*ids, i))

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        list(pool.map(create, range(CLIENT_THREADS)))
    return count / (time.perf_counter() - started)


def jobs_round(cluster: Cluster, ids: tuple[str, str], count: int, timeout: float = 600) -> tuple[float, float]:
    """(creates/s, storyboards/s) of `count` async creates spread over the instances."""
    key, ports = cluster.service.key, cluster.ports
    before, failed_before = _count(ports[0], key, "storyboard_review"), _count(ports[0], key, "failed")

    started = time.perf_counter()
    creates = _post_jobs(cluster, ids, count)
    deadline = time.monotonic() + timeout
    while True:
        done = _count(ports[0], key, "storyboard_review") - before
        if done >= count:
            break
        if _count(ports[0], key, "failed") > failed_before:
            raise RuntimeError(f"a job failed; see {cluster.service.workdir}/worker*.log")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{done}/{count} jobs in storyboard_review after {timeout} s")
        time.sleep(0.05)
    return creates, count / (time.perf_counter() - started)


def split_round(cluster: Cluster, ids: tuple[str, str], count: int, timeout: float = 600) -> tuple[float, float]:
    """(creates/s with the workers paused, storyboards/s of the workers draining those jobs): the API alone, then
    the workers alone. RQ's suspension (`rq:suspended`) holds the workers; one already waiting on the queue
    takes a job anyway, so up to one job per worker starts during the creates."""
    from rq.suspension import resume, suspend

    key, port = cluster.service.key, cluster.ports[0]
    suspend(cluster.redis)
    try:
        time.sleep(1.2)  # every worker between jobs has seen it (they look once a second)
        before = _count(port, key, "storyboard_review")
        pending_before = _count(port, key, "pending")
        creates = _post_jobs(cluster, ids, count)
    finally:
        resume(cluster.redis)
    first = None
    deadline = time.monotonic() + timeout
    while True:
        now = time.perf_counter()
        if first is None and _count(port, key, "pending") < pending_before + count:
            first = now  # a worker took one of them: the drain has begun
        if _count(port, key, "storyboard_review") - before >= count:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs not in storyboard_review after {timeout} s")
        time.sleep(0.05)
    return creates, count / (time.perf_counter() - (first or now))


def blob_round(cluster: Cluster, path: str, seconds: int) -> float:
    """req/s of GET `path` by wrk, WRK_CONNECTIONS split over the instances, one wrk each, all at once."""
    ports, results, errors = cluster.ports, [], []
    headers = {"X-API-Key": cluster.service.key}

    def one(port: int) -> None:
        try:
            results.append(
                wrk(f"http://127.0.0.1:{port}{path}", headers, WRK_CONNECTIONS // len(ports), seconds)["rps"]
            )
        except Exception as error:  # noqa: BLE001 - raised below, in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=one, args=(port,)) for port in ports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(results)


def jpeg() -> bytes:
    """A 1280x720 JPEG (a gradient with a grid), about 170 KB: what a storyboard's frames and thumbnails are like."""
    from PIL import Image, ImageDraw

    image = Image.linear_gradient("L").resize((1280, 720)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(0, 1280, 40):
        draw.line([(x, 0), (1280 - x, 720)], fill=(200, 40 + x % 200, 90), width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload_image(service: Service, data: bytes) -> str:
    boundary = "benchboundary7f3a"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nimage\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="frame.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=120)
    try:
        kind = f"multipart/form-data; boundary={boundary}"
        conn.request("POST", "/api/v3/assets", body, {"X-API-Key": service.key, "Content-Type": kind})
        response = conn.getresponse()
        answer = json.loads(response.read())
    finally:
        conn.close()
    if response.status != 201:
        raise RuntimeError(f"upload of the JPEG: {response.status} {json.dumps(answer)[:300]}")
    return answer["data"]["id"]


def run(args, rows: list[Row], results: dict) -> None:
    out = results.setdefault("scale", {})
    missing = [what for what, ok in (("Postgres", postgres_available()), ("redis-server", tool("redis-server")),
                                     ("wrk", tool("wrk"))) if not ok]  # fmt: skip
    try:
        import moto  # noqa: F401
    except ImportError:
        missing.append("moto (requirements-dev.txt)")
    if missing:
        log(f"scale: SKIPPED, missing {', '.join(missing)}")
        out["skipped"] = ", ".join(missing)
        return
    cores, n = os.cpu_count(), args.scale_jobs
    where = f"1 gunicorn process per instance, Postgres + Redis + moto S3, {cores} cores"
    anchor = "1 instance + 1 worker, same clients"
    api_only = Row("scale", f"Scale-out, 2 API instances + 2 RQ workers ({where}): POST /jobs async, "
                   f"{CLIENT_THREADS} clients, workers paused (creates/s)", "jobs/s", anchor)  # fmt: skip
    drained = Row("scale", f"Scale-out, 2 + 2 ({cores} cores): the workers write those {n} queued storyboards "
                  "(storyboards/s)", "jobs/s", anchor)  # fmt: skip
    creates = Row("scale", f"Scale-out, 2 + 2 ({cores} cores): POST /jobs async while the workers run, "
                  f"{CLIENT_THREADS} clients (creates/s)", "jobs/s", anchor)  # fmt: skip
    written = Row("scale", f"Scale-out, 2 + 2 ({cores} cores): {n} storyboards, first POST to last in "
                  "storyboard_review (storyboards/s)", "jobs/s", anchor)  # fmt: skip
    served = Row("scale", f"Scale-out, 2 instances ({cores} cores): GET /assets/{{id}}/data of a JPEG, s3 store, "
                 f"wrk c={WRK_CONNECTIONS} (req/s)", "req/s", "1 instance, same connections")  # fmt: skip
    mine = [api_only, drained, creates, written, served]
    redis = s3 = cluster = None
    try:
        redis = Redis(Path(tempfile.mkdtemp(prefix="bench-redis-")))
        s3 = S3(Path(tempfile.mkdtemp(prefix="bench-moto-")))
        # Migrates the fresh database and makes the API key; its own port is instance A's.
        service = Service("scale", backend="postgres", store="s3", workers=1, threads=8, redis_url=redis.url,
                          env=s3.settings)  # fmt: skip
        cluster = Cluster(service, redis.url)
        cluster.size(1)
        port = cluster.ports[0]
        code, body = request(port, "POST", "/api/v3/clients", {"name": "Scale client"}, {"X-API-Key": service.key})
        client = body["data"]["id"]
        code, body = request(port, "POST", "/api/v3/campaigns", {"clientId": client, "name": "C", "goal": "G"},
                             {"X-API-Key": service.key})  # fmt: skip
        ids = (client, body["data"]["id"])
        service.port = port
        picture = jpeg()
        path = f"/api/v3/assets/{upload_image(service, picture)}/data"
        out.update({"cores": cores, "jobs_per_round": n, "jpeg_bytes": len(picture), "samples": []})
        log(f"scale: {cores} cores; JPEG of {len(picture) / 1024:.0f} KB")
        for round_no in range(args.rounds):
            got = {}
            for size in (1, 2) if round_no % 2 == 0 else (2, 1):
                cluster.size(size)
                # Warm-up of a new instance and worker (imports, pools, the first jobs), not measured.
                jobs_round(cluster, ids, 4 * CLIENT_THREADS)
                blob_round(cluster, path, 1)
                alone, drain = split_round(cluster, ids, n)
                made, done = jobs_round(cluster, ids, n)
                got[size] = {"creates_api_only": alone, "storyboards_drain": drain, "creates": made,
                             "storyboards": done, "blob_rps": blob_round(cluster, path, args.seconds)}  # fmt: skip
            api_only.add(got[2]["creates_api_only"], got[1]["creates_api_only"])
            drained.add(got[2]["storyboards_drain"], got[1]["storyboards_drain"])
            creates.add(got[2]["creates"], got[1]["creates"])
            written.add(got[2]["storyboards"], got[1]["storyboards"])
            served.add(got[2]["blob_rps"], got[1]["blob_rps"])
            out["samples"].append(got)
            log(
                f"scale: round {round_no + 1} ({cores} cores): one -> two: creates, workers paused "
                f"{got[1]['creates_api_only']:.1f} -> {got[2]['creates_api_only']:.1f}/s, drain "
                f"{got[1]['storyboards_drain']:.1f} -> {got[2]['storyboards_drain']:.1f}/s; "
                f"creates {got[1]['creates']:.1f} -> "
                f"{got[2]['creates']:.1f}/s, storyboards {got[1]['storyboards']:.1f} -> {got[2]['storyboards']:.1f}/s, "
                f"blob GETs {got[1]['blob_rps']:.0f} -> {got[2]['blob_rps']:.0f}/s"
            )
        rows.extend(mine)
        out["rows"] = [r.as_json() for r in mine]
    except Exception as error:  # noqa: BLE001 - one section's failure must not lose the others
        log(f"scale: FAILED: {error}")
        for row in mine:
            row.error = str(error).splitlines()[0][:120]
        rows.extend(mine)
    finally:
        if cluster:
            cluster.stop()
        if s3:
            s3.stop()
        if redis:
            redis.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (each measures one and two back to back)")
    parser.add_argument("--scale-jobs", type=int, default=80, help="jobs created per set-up and round")
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration of one blob measurement")
    args = parser.parse_args()
    install_signal_handlers()
    started, load_start = time.time(), load_text()
    rows: list[Row] = []
    results: dict = {}
    try:
        run(args, rows, results)
    finally:
        cleanup_all()
    header = (
        f"{time.strftime('%Y-%m-%d %H:%M %Z')} | nproc {os.cpu_count()} | load average at start {load_start}, "
        f"at end {load_text()} | {args.rounds} rounds | {(time.time() - started) / 60:.1f} min"
    )
    text = header + "\n\n" + table(rows)
    print("\n" + text + "\n\nratio = scaling factor (two over one)", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale-latest.md").write_text(text + "\n")
    (OUT / "scale-latest.json").write_text(
        json.dumps({"header": header, "rows": [r.as_json() for r in rows], **results}, indent=2, default=str)
    )
    return 1 if any(row.error for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
