"""The asset routes on BLOB_STORAGE_TYPE=s3 (a real moto server process): upload, whole, Range and HEAD reads,
and the envelope's 503 when the S3 server cannot be reached."""

from __future__ import annotations

import pytest

from tests.api.test_assets import upload
from tests.support.envelope import assert_error, assert_ok
from tests.support.s3_server import app_on_s3, free_port


@pytest.fixture
def on_s3(app, s3_server):
    """The session's app with the s3 store (a key prefix of its own) for one test."""
    yield from app_on_s3(app, s3_server, S3_MAX_ATTEMPTS=1)


def test_an_upload_is_served_whole_by_range_and_by_head_from_s3(on_s3, api, media_files):
    data = media_files.read("png")
    asset = assert_ok(upload(api, "hero.png", data, type="image", name="Hero"), 201)
    with on_s3.app_context():
        from storyboard.storage import get_store

        assert get_store().name == "s3"
    full = api.get(asset["url"])
    assert full.status_code == 200 and full.data == data and full.headers["Content-Type"] == "image/png"
    part = api.get(asset["url"], headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and part.data == data[10:100]
    head = api.head(asset["url"])
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(data))
    assert api.get(asset["url"], headers={"If-None-Match": full.headers["ETag"]}).status_code == 304


def test_an_unreachable_s3_server_answers_503_in_the_envelope(on_s3, api, media_files):
    asset = assert_ok(upload(api, "hero.png", media_files.read("png"), type="image", name="Hero"), 201)
    unreachable(on_s3)
    assert_error(api.get(asset["url"]), 503, "cannot be reached")


def test_an_upload_while_s3_is_unreachable_is_503_and_keeps_no_asset(on_s3, api, media_files):
    unreachable(on_s3)
    assert_error(upload(api, "hero.png", media_files.read("png"), type="image", name="Hero"), 503, "cannot be reached")
    assert api.get("/api/v3/assets").get_json()["meta"]["total"] == 0


def unreachable(app) -> None:
    app.config.update(S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    app.extensions.pop("storyboard_blob_store", None)


def test_readyz_asks_the_bucket(on_s3):
    client = on_s3.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["blob_store"] == "ok"
    unreachable(on_s3)
    down = client.get("/readyz")
    assert down.status_code == 503 and down.get_json()["checks"]["blob_store"] == "unavailable"


def test_presigned_redirects_send_gets_to_s3_and_keep_head_304_and_the_tenant_wall(on_s3, api, other, media_files):
    """S3_PRESIGNED_REDIRECT: a GET with a body is a 302 to a short-lived S3 URL that serves the same bytes and
    Range; HEAD and a matching If-None-Match are still answered here; another user's id is still 404."""
    import requests

    on_s3.config["S3_PRESIGNED_REDIRECT"] = True
    try:
        data = media_files.read("png")
        asset = assert_ok(upload(api, "Héro shot.png", data, type="image", name="Héro shot"), 201)
        moved = api.get(asset["url"])
        assert moved.status_code == 302 and moved.headers["Cache-Control"] == "no-store" and not moved.data
        location = moved.headers["Location"]
        assert location.startswith(on_s3.config["S3_ENDPOINT_URL"]) and "X-Amz-Signature=" in location
        fetched = requests.get(location, timeout=10)
        assert fetched.status_code == 200 and fetched.content == data
        assert fetched.headers["Content-Type"] == "image/png"
        assert "filename*=UTF-8''H%C3%A9ro%20shot.png" in fetched.headers["Content-Disposition"]
        ranged = requests.get(location, headers={"Range": "bytes=10-99"}, timeout=10)
        assert ranged.status_code == 206 and ranged.content == data[10:100]
        # The thumbnail and a signed link take the same way; HEAD and 304 stay here
        assert api.get(asset["thumbnailUrl"]).status_code == 302
        signed = api.client.get(asset["signedUrl"])
        assert signed.status_code == 302 and requests.get(signed.headers["Location"], timeout=10).content == data
        head = api.head(asset["url"])
        assert head.status_code == 200 and head.headers["Content-Length"] == str(len(data))
        etag = head.headers["ETag"]
        assert api.get(asset["url"], headers={"If-None-Match": etag}).status_code == 304
        assert_error(other.get(asset["url"]), 404, "Asset not found")
    finally:
        on_s3.config["S3_PRESIGNED_REDIRECT"] = False
