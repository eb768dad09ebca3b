"""Issue 14: a 100 MB file ingested by URL into the s3 store on a real RQ worker process (a real moto server, a
local HTTP media server) keeps the worker's RSS growth under 32 MB; it is then served whole and by 1 MiB ranges.

The file is a WAV (a RIFF header, then random 16-bit PCM): real media the ingest accepts (sniffed as audio/wav,
probed by ffprobe), made in a fraction of a second at any size, and random, so nothing dedupes or compresses it.
Growth is the worker's VmHWM (its peak RSS, reset just before) minus its RSS at that moment, after a small
ingest warmed it up (imports, the S3 client, the connection pools), so only what the 100 MB costs is counted."""

from __future__ import annotations

import hashlib
import os
import struct
import time

import pytest

from tests.support.envelope import assert_ok
from tests.support.gunicorn import memory_kb, reset_peak
from tests.support.s3_server import app_on_s3

pytestmark = [pytest.mark.redis, pytest.mark.slow]

MB = 1000 * 1000
MiB = 1024 * 1024
SIZE = 100 * MB
RSS_LIMIT_KB = 32 * 1024


def wav(size: int) -> bytes:
    """A PCM WAV of exactly `size` bytes (stereo, 48 kHz, 16 bit) of random samples."""
    samples = size - 44
    samples -= samples % 4  # whole frames
    header = b"RIFF" + struct.pack("<I", 36 + samples) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 48000 * 4, 4, 16)
    header += b"data" + struct.pack("<I", samples)
    return header + os.urandom(samples)


@pytest.fixture
def on_s3(rq_app, s3_server):
    yield from app_on_s3(rq_app, s3_server)


def ingest(api, url: str) -> tuple[dict, float]:
    began = time.monotonic()
    response = api.post(
        "/api/v3/assets/from-url",
        json={"name": "long take", "type": "audio", "url": url},
        headers={"Prefer": "wait=120"},
    )
    return assert_ok(response, 201), time.monotonic() - began


def test_a_100_mb_ingest_into_s3_keeps_worker_rss_growth_under_32_mb(on_s3, api, start_worker, media_server):
    s3 = {key: value for key, value in on_s3.config.items() if key.startswith("S3_")}
    worker = start_worker(ASSET_DOWNLOAD_TIMEOUT_SECONDS="120", **s3)
    warm = ingest(api, media_server.add("/warm.wav", wav(2 * MB), content_type="audio/wav"))[0]
    assert warm["status"] == "ready", warm

    data = wav(SIZE)
    url = media_server.add("/take.wav", data, content_type="audio/wav")
    pid = worker.proc.pid
    reset_peak(pid)
    before = memory_kb(pid, "VmRSS")
    asset, seconds = ingest(api, url)
    peak, after = memory_kb(pid, "VmHWM"), memory_kb(pid, "VmRSS")
    growth = peak - before
    print(
        f"100 MB ingest: {seconds:.1f} s ({SIZE / MB / seconds:.0f} MB/s); worker RSS {before / 1024:.0f} MiB, "
        f"peak +{growth / 1024:.1f} MiB, after +{(after - before) / 1024:.1f} MiB"
    )
    assert asset["status"] == "ready" and asset["type"] == "audio" and asset["format"] == "wav", asset
    assert asset["size"] == SIZE and asset["duration"] == pytest.approx((SIZE - 44) / (48000 * 4), abs=0.1)
    assert growth < RSS_LIMIT_KB, f"worker RSS grew {growth / 1024:.1f} MiB (peak) for a {SIZE / MB:.0f} MB ingest"

    whole = api.get(asset["url"], buffered=False)
    assert whole.status_code == 200 and whole.headers["Content-Length"] == str(SIZE)
    digest, total = hashlib.sha256(), 0
    for chunk in whole.response:
        digest.update(chunk)
        total += len(chunk)
    whole.close()
    assert total == SIZE and digest.hexdigest() == hashlib.sha256(data).hexdigest()
    for start in (0, 1, 37 * MiB + 12345, SIZE // 2, SIZE - MiB, SIZE - 1000):
        last = min(start + MiB, SIZE) - 1
        part = api.get(asset["url"], headers={"Range": f"bytes={start}-{start + MiB - 1}"})
        assert part.status_code == 206 and part.headers["Content-Range"] == f"bytes {start}-{last}/{SIZE}"
        assert part.data == data[start : last + 1]
