"""Benchmarks of blob serving and URL ingest: one command, numbers printed (and written to bench/out/).

    .venv/bin/python bench/run.py [--stores filesystem,postgres] [--requests 40] [--concurrency 4]

For each blob store it starts the service under gunicorn (1 worker, 8 threads, in-process background work),
ingests a 100 MB file from a local HTTP server through POST /api/v3/assets/from-url, then serves a 1 MB and the
100 MB blob over and over. It prints throughput, requests/s, p50/p99 latency, and the server's peak RSS
(VmHWM of the gunicorn worker) against its idle RSS, so memory that grows with file size shows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
PG_ADMIN = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def make_files(folder: Path) -> dict[str, Path]:
    """A ~1 MB and a ~100 MB genuine MP4 (the service sniffs and probes what it ingests), made with ffmpeg."""
    import imageio_ffmpeg

    files = {}
    for name, seconds, rate in (("small", 2, "4000k"), ("large", 200, "4200k")):
        path = folder / f"{name}.mp4"
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=1280x720:rate=25:duration={seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-b:v",
                rate,
                "-minrate",
                rate,
                "-maxrate",
                rate,
                "-bufsize",
                rate,
                "-x264-params",
                "nal-hrd=cbr",
                str(path),
            ],
            check=True,
        )
        files[name] = path
    return files


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        return None


def serve_folder(folder: Path) -> ThreadingHTTPServer:
    handler = partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Service:
    """gunicorn serving the app on a fresh database and blob folder."""

    def __init__(self, store: str, workdir: Path):
        self.port, self.db_name = _free_port(), None
        env = {
            **os.environ,
            "ENVIRONMENT": "testing",
            "SECRET_KEY": "bench-" + "x" * 40,
            "LOG_LEVEL": "WARNING",
            "BLOB_STORAGE_TYPE": store,
            "BLOB_STORAGE_DIR": str(workdir / "blobs"),
            "REDIS_URL": "",
            "ASSET_FETCH_ALLOW_PRIVATE": "true",
            "MAX_ASSET_DOWNLOAD_SIZE_MB": "120",
            "ASSET_DOWNLOAD_TIMEOUT_SECONDS": "300",
            "REQUEST_WAIT_SECONDS": "300",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_TIMEOUT": "600",
        }
        env["DATABASE_URL"] = self._database(store, workdir)
        self.env = env
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        out = subprocess.run([*flask, "bootstrap-local"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        self.key = next(line.split(": ", 1)[1] for line in out.stdout.splitlines() if line.startswith("API key"))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        _wait_ready(self.base)

    def _database(self, store: str, workdir: Path) -> str:
        if store != "postgres":
            return f"sqlite:///{workdir / 'bench.db'}"
        import psycopg

        self.db_name = f"sb_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db_name

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        if self.db_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(base: str) -> None:
    for _ in range(200):
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("service did not start")


def ingest(service: Service, url: str) -> tuple[str, float]:
    started = time.perf_counter()
    response = requests.post(
        service.base + "/api/v3/assets/from-url",
        headers={"X-API-Key": service.key},
        json={"name": Path(url).name, "type": "video", "url": url},
        timeout=600,
    )
    response.raise_for_status()
    return response.json()["data"]["id"], time.perf_counter() - started


def fetch(service: Service, asset_id: str) -> tuple[float, int]:
    started, size = time.perf_counter(), 0
    with requests.get(
        f"{service.base}/api/v3/assets/{asset_id}/data", headers={"X-API-Key": service.key}, stream=True, timeout=600
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_content(MB):
            size += len(chunk)
    return time.perf_counter() - started, size


def serve_stats(service: Service, asset_id: str, count: int, concurrency: int) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda _: fetch(service, asset_id), range(count)))
    wall = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    total_bytes = sum(r[1] for r in results)
    return {
        "requests": count,
        "concurrency": concurrency,
        "req_per_s": round(count / wall, 2),
        "MB_per_s": round(total_bytes / MB / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
    }


def bench_store(store: str, files: dict, origin: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{store}-"))
    service = Service(store, workdir)
    try:
        pid = service.worker_pid()
        fetch_ready = requests.get(service.base + "/api/v3/clients", headers={"X-API-Key": service.key})
        fetch_ready.raise_for_status()
        idle = rss_kb(pid, "VmRSS")
        small_id, _ = ingest(service, f"{origin}/small.mp4")
        large_id, ingest_s = ingest(service, f"{origin}/large.mp4")
        after_ingest = rss_kb(pid, "VmHWM")
        size = files["large"].stat().st_size
        out = {
            "store": store,
            "idle_rss_MB": round(idle / 1024, 1),
            "ingest_100MB": {
                "seconds": round(ingest_s, 2),
                "MB_per_s": round(size / MB / ingest_s, 1),
                "peak_rss_MB": round(after_ingest / 1024, 1),
                "peak_over_idle_MB": round((after_ingest - idle) / 1024, 1),
            },
        }
        out["serve_1MB"] = serve_stats(service, small_id, args.requests, args.concurrency)
        out["serve_100MB"] = serve_stats(service, large_id, max(4, args.requests // 8), args.concurrency)
        peak = rss_kb(pid, "VmHWM")
        out["serve_peak_rss_MB"] = round(peak / 1024, 1)
        out["serve_peak_over_idle_MB"] = round((peak - idle) / 1024, 1)
        return out
    finally:
        service.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="filesystem,postgres")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    media = Path(tempfile.mkdtemp(prefix="bench-media-"))
    files = make_files(media)
    origin_server = serve_folder(media)
    origin = f"http://127.0.0.1:{origin_server.server_address[1]}"
    print(
        f"files: small {files['small'].stat().st_size / MB:.1f} MB, large {files['large'].stat().st_size / MB:.1f} MB"
    )
    results = [bench_store(store, files, origin, args) for store in args.stores.split(",")]
    for result in results:
        print(json.dumps(result, indent=2))
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "blobs.json").write_text(json.dumps(results, indent=2))
    origin_server.shutdown()
    shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
