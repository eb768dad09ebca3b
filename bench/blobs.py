"""Blob serving and URL ingest against nginx serving the same file, for both blob stores.

For each store (filesystem on SQLite, postgres on Postgres, s3 on Postgres against moto's S3 server, which this
section starts on a free port with its own bucket) it starts gunicorn with ONE gthread worker x 8
threads (so one process serves every reader and its RSS shows what they cost; nginx also runs one worker),
background work in process. The media is a ~100 MB H.264 MP4 (ingest sniffs and probes what it downloads;
it is cached in bench/out/media/). nginx (Debian's package, a temporary config on a free loopback port) serves
the folder. Each round, the service and nginx back to back:

- ingest: `curl -o /dev/null` of the nginx URL, then POST /api/v3/assets/from-url of the same URL (download,
  sniff, ffmpeg probe, thumbnail, store; the asset is deleted again so every round stores the bytes);
- whole-file GET of the asset (GET /api/v3/assets/{id}/data) from 4 keep-alive clients for `--blob-seconds`,
  then nginx's GET of the same file, same clients (MB/s); the gunicorn worker's peak RSS (VmHWM, reset before)
  over its RSS before the readers started is the memory row;
- 1 MiB `Range` requests at random unaligned offsets from 4 keep-alive clients (req/s), then nginx's;
- s3 store only: a multipart upload of the same file (`curl -F file=@...` to POST /api/v3/assets), against one
  `curl -T` PUT of the same file straight into the bucket (a presigned URL): what the API adds to the S3 server's
  own speed (the asset is deleted again after each round); and the whole and 1 MiB Range reads again, against
  the same reads straight from the S3 server (a presigned GET of the same file, same client code), which is
  what bounds them here: moto reads the whole object for every ranged GET.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import random
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import (
    APT_LINE,
    MB,
    OUT,
    S3,
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
STORES = (("filesystem", "sqlite", "SQLite"), ("postgres", "postgres", "Postgres"), ("s3", "postgres", "Postgres"))
TARGETS = {  # (whole GET vs nginx, ranges vs nginx, ingest vs curl)
    "filesystem": (None, ("ratio", ">=", 0.3), ("ratio", "<=", 3.0)),
    "postgres": (("ratio", ">=", 0.3), ("ratio", ">=", 0.25), ("ratio", "<=", 8.0)),
    "s3": (None, None, None),  # issue 14 sets none; the S3 server here is moto (Python), not AWS
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


def upload(service: Service, media: Path) -> tuple[str, float]:
    """Seconds of a multipart upload of `media` (POST /api/v3/assets, curl -F), answered 201 with the asset."""
    started = time.perf_counter()
    done = subprocess.run(
        ["curl", "-s", "-H", "Expect:", "-H", f"X-API-Key: {service.key}", "-F", f"file=@{media};type=video/mp4",
         "-F", "name=upload.mp4", "-F", "type=video", "-w", "\\n%{http_code}", f"{service.base}/api/v3/assets"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    body, _, code = done.stdout.rpartition("\n")
    if code != "201":
        raise RuntimeError(f"upload: {code} {body[:500]}")
    return json.loads(body)["data"]["id"], seconds


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
    s3 = None
    try:
        for store, backend, db in STORES:
            if backend == "postgres" and not postgres_available():
                log(f"blobs: Postgres does not answer; no {store}-store rows")
                continue
            if store == "s3":
                if importlib.util.find_spec("moto") is None:
                    log("blobs: moto is not installed (requirements-dev.txt: make dev-venv); no s3-store rows")
                    out["s3"] = {"skipped": "moto not installed"}
                    continue
                s3 = S3(Path(tempfile.mkdtemp(prefix="bench-moto-")))
            run_store(args, store, backend, db, media, nginx, rows, out, s3)
    finally:
        nginx.stop()
        if s3:
            s3.stop()


def run_store(args, store: str, backend: str, db: str, media: Path, nginx: Nginx, rows: list[Row], out: dict,
              s3: S3 | None = None):  # fmt: skip
    size = media.stat().st_size
    name = f"{store} store ({db}" + (", moto S3 server)" if s3 else ")")
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
    uploads = Row("blobs", f"{name}: POST /assets upload of the {size / 1e6:.0f} MB MP4 (s)", "s",
                  "curl -T of the same file straight into the bucket")  # fmt: skip
    whole_s3 = Row("blobs", f"{name}: whole GET of the {size / 1e6:.0f} MB asset, {CLIENTS} clients (MB/s)", "MB/s",
                   "the S3 server itself (presigned GET), same clients")  # fmt: skip
    ranges_s3 = Row("blobs", f"{name}: 1 MiB Range GETs, {CLIENTS} clients (req/s)", "req/s",
                    "the S3 server itself, same ranges")  # fmt: skip
    url = f"http://127.0.0.1:{nginx.port}/{media.name}"
    samples: dict = {"ingest_rss_growth_MB": []}
    service = None
    try:
        service = Service(
            f"blobs-{store}", backend=backend, store=store, workers=1, threads=8,
            env={"ASSET_FETCH_ALLOW_PRIVATE": "true", "MAX_ASSET_DOWNLOAD_SIZE_MB": "200",
                 "ASSET_DOWNLOAD_TIMEOUT_SECONDS": "300", "REQUEST_WAIT_SECONDS": "300", **(s3.settings if s3 else {})},
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
        if s3:
            for round_no in range(args.rounds):
                anchor = s3.put_seconds(media, f"bench-put-{round_no}")
                asset_id, seconds = upload(service, media)
                delete(service, asset_id)
                uploads.add(seconds, anchor)
                log(f"blobs {name}: upload round {round_no + 1}: {seconds:.2f} s (S3 PUT {anchor:.2f} s)")
        asset_id, _ = ingest(service, url)
        path, headers = f"/api/v3/assets/{asset_id}/data", service.headers
        range_reads(service.port, path, headers, size, 2, 0.5, seed=0)  # warm up
        direct = s3.direct_path(media, "bench-direct.mp4") if s3 else ""
        for round_no in range(args.rounds):
            reset_hwm(pid)
            before = rss_kb(pid)
            api = whole_reads(service.port, path, headers, CLIENTS, args.blob_seconds, size)
            rss.add((rss_kb(pid, "VmHWM") - before) / 1024, before / 1024)
            whole.add(api, whole_reads(nginx.port, "/" + media.name, {}, CLIENTS, args.blob_seconds, size))
            seed = 1000 + round_no
            api = range_reads(service.port, path, headers, size, CLIENTS, args.blob_seconds, seed)
            ranges.add(api, range_reads(nginx.port, "/" + media.name, {}, size, CLIENTS, args.blob_seconds, seed))
            if s3:
                seconds = args.blob_seconds
                whole_s3.add(whole.values[-1], whole_reads(s3.port, direct, {}, CLIENTS, seconds, size))
                ranges_s3.add(ranges.values[-1], range_reads(s3.port, direct, {}, size, CLIENTS, seconds, seed))
                log(f"blobs {name}: the S3 server itself: whole {whole_s3.anchors[-1]:.0f} MB/s, ranges "
                    f"{ranges_s3.anchors[-1]:.0f}/s")  # fmt: skip
            log(
                f"blobs {name}: round {round_no + 1}: whole {whole.values[-1]:.0f} MB/s (nginx "
                f"{whole.anchors[-1]:.0f}), ranges {ranges.values[-1]:.0f}/s (nginx {ranges.anchors[-1]:.0f})"
            )
        mine = [whole, *([whole_s3] if s3 else []), ranges, *([ranges_s3] if s3 else []), ingests,
                *([uploads] if s3 else []), rss]  # fmt: skip
        rows.extend(mine)
        out[store] = {"size_bytes": size, **samples, "rows": [r.as_json() for r in mine]}
    except Exception as error:  # noqa: BLE001 - one store's failure must not lose the others
        log(f"blobs {name}: FAILED: {error}")
        if service:
            log(f"log tail:\n{service.log_tail()}")
        rows.append(Row("blobs", name, "", "-", error=str(error).splitlines()[0][:120]))
    finally:
        if service:
            service.stop()
