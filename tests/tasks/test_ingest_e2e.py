"""URL ingest through Redis and real RQ worker processes, including a worker killed mid-download."""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.support.envelope import assert_ok
from tests.support.workers import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _asset(api, asset_id):
    return assert_ok(api.get(f"/api/v3/assets/{asset_id}"))


def _blob_rows(app) -> int:
    with app.app_context():
        from sqlalchemy import func, select

        from storyboard.models import Blob, db

        return db.session.scalar(select(func.count(Blob.id)))


def test_url_ingest_runs_on_a_worker(rq_app, api, start_worker, media_server, media_files):
    start_worker()
    data = media_files.read("jpeg")
    url = media_server.add("/w.jpg", data, content_type="image/jpeg")
    response = api.post(
        "/api/v3/assets/from-url", json={"name": "w", "type": "image", "url": url}, headers={"Prefer": "wait=60"}
    )
    asset = assert_ok(response, 201)
    assert asset["status"] == "ready" and (asset["width"], asset["height"]) == (640, 480)
    assert api.get(asset["url"]).data == data


def _slow_first_time(data: bytes, release: threading.Event):
    """A body that stalls on the first request (until `release`) and streams at once afterwards."""
    calls = {"n": 0}

    def chunks():
        calls["n"] += 1
        if calls["n"] == 1:
            yield data[:1000]
            release.wait(120)
            return
        yield data

    return chunks


def test_killed_worker_mid_download_leaves_one_blob_and_a_ready_asset(
    rq_app, api, start_worker, media_server, media_files
):
    data, release = media_files.read("png"), threading.Event()
    url = media_server.add("/slow.png", _slow_first_time(data, release), content_type="image/png")
    first = start_worker()
    pending = assert_ok(
        api.post(
            "/api/v3/assets/from-url",
            json={"name": "s", "type": "image", "url": url},
            headers={"Prefer": "respond-async"},
        ),
        202,
    )
    wait_for(lambda: media_server.hits["/slow.png"] >= 1, 120)
    time.sleep(0.5)
    first.kill()
    release.set()
    assert _asset(api, pending["id"])["status"] == "pending"
    start_worker()
    # RQ notices the abandoned job after the dead worker's TTL (30 s) and retries it.
    final = wait_for(lambda: (a := _asset(api, pending["id"]))["status"] != "pending" and a, 240, interval=1)
    assert final["status"] == "ready" and api.get(final["url"]).data == data
    assert media_server.hits["/slow.png"] >= 2
    assert _blob_rows(rq_app) == 2  # the picture and its thumbnail, once each
    tmp = os.path.join(rq_app.config["BLOB_STORAGE_DIR"], "tmp")
    assert not os.path.isdir(tmp) or os.listdir(tmp) == []
