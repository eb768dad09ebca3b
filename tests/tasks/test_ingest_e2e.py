"""URL ingest through Redis and real RQ worker processes, including a worker killed mid-download."""

from __future__ import annotations

import os
import threading

import pytest

from tests.support.envelope import assert_ok
from tests.support.waiting import wait_for
from tests.support.workers import expire_dead_workers

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


def _slow_first_time(data: bytes, stalled: threading.Event, release: threading.Event):
    """A body that stalls on the first request, after its first 1000 bytes are sent (setting `stalled`), until
    `release`; later requests get the whole body at once."""
    calls = {"n": 0}

    def chunks():
        calls["n"] += 1
        if calls["n"] == 1:
            yield data[:1000]
            # The server asks for the next chunk only once the first one is written to the socket.
            stalled.set()
            release.wait(120)
            return
        yield data

    return chunks


def test_killed_worker_mid_download_leaves_one_blob_and_a_ready_asset(
    rq_app, api, start_worker, media_server, media_files
):
    data, stalled, release = media_files.read("png"), threading.Event(), threading.Event()
    url = media_server.add("/slow.png", _slow_first_time(data, stalled, release), content_type="image/png")
    first = start_worker()
    pending = assert_ok(
        api.post(
            "/api/v3/assets/from-url",
            json={"name": "s", "type": "image", "url": url},
            headers={"Prefer": "respond-async"},
        ),
        202,
    )
    assert stalled.wait(120), "the worker never started the download"
    first.kill()
    release.set()
    assert _asset(api, pending["id"])["status"] == "pending"
    assert expire_dead_workers(rq_app) == 1  # the killed worker's download, abandoned mid-way
    start_worker()
    # RQ retries the abandoned job (after its first retry interval, 10 s).
    final = wait_for(lambda: (a := _asset(api, pending["id"]))["status"] != "pending" and a, 120, interval=0.5)
    assert final["status"] == "ready" and api.get(final["url"]).data == data
    assert media_server.hits["/slow.png"] >= 2
    assert _blob_rows(rq_app) == 2  # the picture and its thumbnail, once each
    tmp = os.path.join(rq_app.config["BLOB_STORAGE_DIR"], "tmp")
    assert not os.path.isdir(tmp) or os.listdir(tmp) == []
