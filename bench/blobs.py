"""Blob serving and URL ingest against nginx serving the same file, for both blob stores.

For each store (filesystem on SQLite, postgres on Postgres) it starts gunicorn with ONE gthread worker x 8
threads (so one process serves every reader and its RSS shows what they cost; nginx also runs one worker),
background work in process. The media is a ~100 MB H.264 MP4 (ingest sniffs and probes what it downloads;
it is cached in bench/out/media/). nginx (Debian's package, a temporary config on a free loopback port) serves
the folder. Each round, the service and nginx back to back:

- ingest: `curl -o /dev/null` of the nginx URL, then POST /api/v3/assets/from-url of the same URL (download,
  sniff, ffmpeg probe, thumbnail, store; the asset is deleted again so every round stores the bytes);
- whole-file GET of the asset (GET /api/v3/assets/{id}/data) from 4 keep-alive clients for `--blob-seconds`,
  then nginx's GET of the same file, same clients (MB/s); the gunicorn worker's peak RSS (VmHWM, reset before)
  over its RSS before the readers started is the memory row;
- 1 MiB `Range` requests at random unaligned offsets from 4 keep-alive clients (req/s), then nginx's.
"""

from __future__ import annotations

import http.client
import json
import random
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import (
    APT_LINE,
    MB,
    OUT,
    Nginx,
    Row,
    Service,
    log,
    postgres_available,
    reset_hwm,
    rss_kb,
    tool,
)

CLIENTS = 4
STORES = (("filesystem", "sqlite", "SQLite"), ("postgres", "postgres", "Postgres"))
TARGETS = {  # (whole GET vs nginx, ranges vs nginx, ingest vs curl)
    "filesystem": (None, ("ratio", ">=", 0.3), ("ratio", "<=", 3.0)),
    "postgres": (("ratio", ">=", 0.3), ("ratio", ">=", 0.25), ("ratio", "<=", 8.0)),
}
RSS_TARGET = ("value", "<", 32.0)


def media_file() -> Path:
    """A ~100 MB genuine MP4, made once (a 20 s 720p clip at 4 Mb/s, looped 10 times without re-encoding)."""
    import imageio_ffmpeg

    folder = OUT / "media"
    path = folder / "in-100MB.mp4"
    if path.exists() and path.stat().st_size > 90 * MB:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    ffmpeg, clip, tmp = imageio_ffmpeg.get_ffmpeg_exe(), folder / "clip.mp4", folder / "in.tmp.mp4"
    rate = "4000k"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=20",
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", rate, "-minrate", rate, "-maxrate", rate,
         "-bufsize", rate, "-x264-params", "nal-hrd=cbr", str(clip)],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-stream_loop", "9", "-i", str(clip), "-c", "copy", "-f", "mp4", str(tmp)],
        check=True,
    )
    clip.unlink()
    tmp.rename(path)
    return path


# --- one HTTP client for the API and for nginx ---------------------------------------------------------------


def _get(conn: http.client.HTTPConnection, path: str, headers: dict, buf: memoryview) -> int:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    if response.status not in (200, 206):
        raise RuntimeError(f"GET {path}: {response.status} {response.read()[:200]!r}")
    size = 0
    while n := response.readinto(buf):
        size += n
    return size


def whole_reads(port: int, path: str, headers: dict, clients: int, seconds: float, size: int) -> float:
    """MB/s of `clients` keep-alive connections each reading the whole file again and again for `seconds`."""
    deadline = time.perf_counter() + seconds

    def client(_):
        conn, buf, got = http.client.HTTPConnection("127.0.0.1", port, timeout=600), memoryview(bytearray(MB)), 0
        while True:
            n = _get(conn, path, headers, buf)
            if n != size:
                raise RuntimeError(f"whole read of {path}: {n} bytes, not {size}")
            got += n
            if time.perf_counter() >= deadline:
                break
        conn.close()
        return got

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(client, range(clients)))
    return total / MB / (time.perf_counter() - started)


def range_reads(port: int, path: str, headers: dict, size: int, clients: int, seconds: float, seed: int) -> float:
    """1 MiB Range requests per second from `clients` keep-alive connections, random unaligned offsets."""
    deadline = time.perf_counter() + seconds

    def client(i):
        rng = random.Random(seed * 100 + i)
        conn, buf, count = http.client.HTTPConnection("127.0.0.1", port, timeout=600), memoryview(bytearray(MB)), 0
        while time.perf_counter() < deadline:
            start = rng.randrange(0, size - MB)
            got = _get(conn, path, {**headers, "Range": f"bytes={start}-{start + MB - 1}"}, buf)
            if got != MB:
                raise RuntimeError(f"range read of {path}: {got} bytes")
            count += 1
        conn.close()
        return count

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        count = sum(pool.map(client, range(clients)))
    return count / (time.perf_counter() - started)


def ingest(service: Service, url: str) -> tuple[str, float]:
    started = time.perf_counter()
    status, body = service.call("POST", "/api/v3/assets/from-url", {"name": "in.mp4", "type": "video", "url": url})
    seconds = time.perf_counter() - started
    if status != 201 or body["data"].get("status") != "ready":
        raise RuntimeError(f"ingest: {status} {json.dumps(body)[:500]}")
    return body["data"]["id"], seconds


def delete(service: Service, asset_id: str) -> None:
    status, body = service.call("DELETE", f"/api/v3/assets/{asset_id}")
    if status not in (200, 204):
        raise RuntimeError(f"delete asset: {status} {body}")


def curl_seconds(url: str) -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-s", "-f", "-o", "/dev/null", url], check=True)
    return time.perf_counter() - started


# --- the section ---------------------------------------------------------------------------------------------


def run(args, rows: list[Row], results: dict) -> None:
    out = results.setdefault("blobs", {})
    if not tool("nginx"):
        log(f"blobs: SKIPPED, nginx not found (the anchor of every blob row). Install it with: {APT_LINE}")
        out["skipped"] = "nginx not found"
        return
    if not shutil.which("curl"):
        log("blobs: SKIPPED, curl not found (apt-get install -y curl)")
        out["skipped"] = "curl not found"
        return
    log("blobs: preparing the ~100 MB MP4 (cached in bench/out/media/)")
    media = media_file()
    media.parent.chmod(0o755)
    media.chmod(0o644)
    nginx = Nginx(media.parent)
    try:
        for store, backend, db in STORES:
            if backend == "postgres" and not postgres_available():
                log("blobs: Postgres does not answer; no postgres-store rows")
                continue
            run_store(args, store, backend, db, media, nginx, rows, out)
    finally:
        nginx.stop()


def run_store(args, store: str, backend: str, db: str, media: Path, nginx: Nginx, rows: list[Row], out: dict):
    size = media.stat().st_size
    name = f"{store} store ({db})"
    whole_t, ranges_t, ingest_t = TARGETS[store]
    whole = Row(
        "blobs",
        f"{name}: whole GET of the {size / 1e6:.0f} MB asset, {CLIENTS} clients (MB/s)",
        "MB/s",
        "nginx, same file, same clients",
        target=whole_t,
    )
    ranges = Row(
        "blobs",
        f"{name}: 1 MiB Range GETs, {CLIENTS} clients (req/s)",
        "req/s",
        "nginx, same ranges of the same file",
        target=ranges_t,
    )
    ingests = Row(
        "blobs",
        f"{name}: POST /assets/from-url of the {size / 1e6:.0f} MB MP4 (s)",
        "s",
        "curl -o /dev/null, same URL (nginx)",
        target=ingest_t,
    )
    rss = Row("blobs", f"{name}: worker RSS growth, {CLIENTS} whole-file readers (MB)", "MB",
              "worker RSS before the readers", target=RSS_TARGET,
              show_ratio=False)  # fmt: skip
    url = f"http://127.0.0.1:{nginx.port}/{media.name}"
    samples: dict = {"ingest_rss_growth_MB": []}
    service = None
    try:
        service = Service(
            f"blobs-{store}", backend=backend, store=store, workers=1, threads=8,
            env={"ASSET_FETCH_ALLOW_PRIVATE": "true", "MAX_ASSET_DOWNLOAD_SIZE_MB": "200",
                 "ASSET_DOWNLOAD_TIMEOUT_SECONDS": "300", "REQUEST_WAIT_SECONDS": "300"},
        ).start()  # fmt: skip
        (pid,) = service.worker_pids()
        log(f"blobs {name}: warm-up ingest")
        delete(service, ingest(service, url)[0])
        for round_no in range(args.rounds):
            anchor = curl_seconds(url)
            reset_hwm(pid)
            before = rss_kb(pid)
            asset_id, seconds = ingest(service, url)
            samples["ingest_rss_growth_MB"].append((rss_kb(pid, "VmHWM") - before) / 1024)
            delete(service, asset_id)
            ingests.add(seconds, anchor)
            log(f"blobs {name}: ingest round {round_no + 1}: {seconds:.2f} s (curl {anchor:.2f} s)")
        asset_id, _ = ingest(service, url)
        path, headers = f"/api/v3/assets/{asset_id}/data", service.headers
        range_reads(service.port, path, headers, size, 2, 0.5, seed=0)  # warm up
        for round_no in range(args.rounds):
            reset_hwm(pid)
            before = rss_kb(pid)
            api = whole_reads(service.port, path, headers, CLIENTS, args.blob_seconds, size)
            rss.add((rss_kb(pid, "VmHWM") - before) / 1024, before / 1024)
            whole.add(api, whole_reads(nginx.port, "/" + media.name, {}, CLIENTS, args.blob_seconds, size))
            seed = 1000 + round_no
            api = range_reads(service.port, path, headers, size, CLIENTS, args.blob_seconds, seed)
            ranges.add(api, range_reads(nginx.port, "/" + media.name, {}, size, CLIENTS, args.blob_seconds, seed))
            log(
                f"blobs {name}: round {round_no + 1}: whole {whole.values[-1]:.0f} MB/s (nginx "
                f"{whole.anchors[-1]:.0f}), ranges {ranges.values[-1]:.0f}/s (nginx {ranges.anchors[-1]:.0f})"
            )
        rows.extend([whole, ranges, ingests, rss])
        out[store] = {"size_bytes": size, **samples, "rows": [r.as_json() for r in (whole, ranges, ingests, rss)]}
    except Exception as error:  # noqa: BLE001 - one store's failure must not lose the others
        log(f"blobs {name}: FAILED: {error}")
        if service:
            log(f"log tail:\n{service.log_tail()}")
        rows.append(Row("blobs", name, "", "-", error=str(error).splitlines()[0][:120]))
    finally:
        if service:
            service.stop()
