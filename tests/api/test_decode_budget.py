"""Image decoding within a memory budget: decompression bombs cannot pile up in a worker.

A 7000x7000 RGBA PNG is 49 megapixels (under the 50 MP cap) in about 200 KB, and 196 MB once decoded. Eight of
them uploaded at once through a real gunicorn worker used to take it from 260 MB to 3.3 GB.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image

from storyboard import errors
from storyboard.integrations.media import MB, STRIP_BYTES, DecodeBudget, decoded_bytes
from tests.support.envelope import assert_error, assert_ok
from tests.support.gunicorn import Gunicorn, memory_kb, reset_peak

BOMB_SIDE = 7000


@pytest.fixture(scope="module")
def bomb() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (BOMB_SIDE, BOMB_SIDE), (200, 30, 60, 255)).save(out, "PNG")
    return out.getvalue()


def test_a_decode_waits_while_others_hold_the_budget():
    budget = DecodeBudget(10 * MB)
    first_in, second_in, release = threading.Event(), threading.Event(), threading.Event()

    def first():
        with budget.hold(8 * MB):
            first_in.set()
            release.wait(30)

    def second():
        first_in.wait(30)
        with budget.hold(8 * MB):
            second_in.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    assert first_in.wait(30)
    assert not second_in.wait(0.3)  # 8 + 8 > 10: it waits (a late start could only make this pass, never fail)
    with budget.hold(2 * MB):  # what is left still serves a small image at once
        pass
    release.set()
    assert second_in.wait(30)
    for t in threads:
        t.join(30)


def test_an_image_larger_than_the_whole_budget_is_refused():
    with pytest.raises(errors.Unprocessable, match="Image too large to process"):
        with DecodeBudget(100 * MB).hold(196 * MB):
            pass


def test_the_estimate_counts_what_pillow_holds():
    strips = 2 * STRIP_BYTES  # one strip of the full-size image, and its converted copy, while scaling down
    assert decoded_bytes(Image.new("RGBA", (100, 100))) == 40_000 + strips
    assert decoded_bytes(Image.new("RGB", (100, 100))) == 40_000 + strips  # Pillow keeps RGB in 4 bytes a pixel
    assert decoded_bytes(Image.new("P", (100, 100))) == 10_000 + strips
    assert decoded_bytes(Image.new("LA", (100, 100))) == 20_000 + strips


def test_a_bomb_over_the_configured_budget_is_refused_with_422(api, bomb, monkeypatch):
    from storyboard.integrations import media

    monkeypatch.setattr(media.DECODE_BUDGET, "limit", 64 * MB)
    body = {"file": (io.BytesIO(bomb), "bomb.png"), "type": "image", "name": "bomb"}
    response = api.post("/api/v3/assets", data=body, content_type="multipart/form-data")
    assert_error(response, 422, "Image too large to process (219 MB decoded, the limit is 64 MB)")
    assert assert_ok(api.get("/api/v3/assets")) == []


@pytest.mark.slow
def test_eight_bombs_at_once_stay_within_the_budget_and_memory_comes_back(app, api, bomb):
    server = Gunicorn(app, workers=1, threads=8)
    try:
        (worker,) = server.worker_pids()
        url = f"http://127.0.0.1:{server.port}/api/v3/assets"

        def upload(i: int):
            files = {"file": (f"bomb{i}.png", bomb, "image/png")}
            return requests.post(url, files=files, data={"type": "image"}, headers={"X-API-Key": api.key}, timeout=300)

        warm = upload(-1)  # imports, pools and Pillow's first decode are not the bombs' growth
        assert warm.status_code == 201, warm.text
        baseline = memory_kb(worker, "VmRSS")
        reset_peak(worker)
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(upload, range(8)))
        peak, after = memory_kb(worker, "VmHWM"), memory_kb(worker, "VmRSS")
    finally:
        server.stop()
    assert [r.status_code for r in responses] == [201] * 8
    for r in responses:
        asset = r.json()["data"]
        assert (asset["width"], asset["height"]) == (BOMB_SIDE, BOMB_SIDE) and asset["thumbnailUrl"]
    thumb = Image.open(io.BytesIO(api.get(responses[0].json()["data"]["thumbnailUrl"]).data))
    assert thumb.size == (128, 128) and thumb.getpixel((64, 64))[:3] == pytest.approx((200, 30, 60), abs=3)
    growth, left = (peak - baseline) / 1024, (after - baseline) / 1024
    print(f"8 bombs: baseline {baseline // 1024} MB, peak +{growth:.0f} MB, after +{left:.0f} MB")
    assert growth < 300, f"peak RSS grew {growth:.0f} MB"
    assert left < 64, f"RSS stayed {left:.0f} MB above the baseline"
