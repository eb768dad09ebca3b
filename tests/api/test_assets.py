"""Assets over HTTP: uploads, URL ingest from a local media server, serving, refusals, tenancy, blob lifetime."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from tests.support.envelope import assert_error, assert_ok
from tests.support.media_files import SAMPLES
from tests.support.media_server import endless, gzip_bomb, hostile_urls, trickle

URL_FORMATS = ["png", "jpeg", "gif", "webp", "mp4", "webm", "mp3", "wav", "pdf"]


def blob_state(app) -> tuple[int, int]:
    """(asset and blob rows, contents the store holds) — both must drop to zero when nothing is kept."""
    with app.app_context():
        from sqlalchemy import func, select

        from storyboard.models import Asset, Blob, db

        rows = db.session.scalar(select(func.count(Blob.id)))
        assets = db.session.scalar(select(func.count(Asset.id)))
    return rows + assets, stored_contents(app)


def stored_contents(app) -> int:
    """What the app's store holds, asked of the store kind: files in the blob folder (its tmp/ aside), chunk
    rows in Postgres, objects under the s3 prefix (staging keys included)."""
    kind = app.config["BLOB_STORAGE_TYPE"]
    if kind == "filesystem":
        return sum(len(f) for d, _, f in os.walk(app.config["BLOB_STORAGE_DIR"]) if not d.endswith("tmp"))
    if kind == "postgres":
        from sqlalchemy import text

        from storyboard.models import db

        with app.app_context():
            return db.session.scalar(text("SELECT count(*) FROM asset_blob_chunks"))
    from storyboard.storage.s3 import make_client

    client, bucket = make_client(app.config), app.config["S3_BUCKET_NAME"]
    return client.list_objects_v2(Bucket=bucket, Prefix=app.config["S3_PREFIX"])["KeyCount"]


def blob_rows(app) -> int:
    with app.app_context():
        from sqlalchemy import func, select

        from storyboard.models import Blob, db

        return db.session.scalar(select(func.count(Blob.id)))


def upload(api, filename: str, data: bytes, **form):
    body = {"file": (io.BytesIO(data), filename), **form}
    return api.post("/api/v3/assets", data=body, content_type="multipart/form-data")


def from_url(api, url: str, type_: str = "image", **extra):
    return api.post(
        "/api/v3/assets/from-url",
        json={"name": "x", "type": type_, "url": url, **extra},
        headers=extra.pop("headers", {}),
    )


@pytest.fixture
def strict(app, trap):
    """The production URL policy (no private addresses), with the trap's port allowed."""
    saved = {k: app.config[k] for k in ("ASSET_FETCH_ALLOW_PRIVATE", "ASSET_ALLOWED_PORTS")}
    app.config.update(ASSET_FETCH_ALLOW_PRIVATE=False, ASSET_ALLOWED_PORTS=(80, 443, trap.port))
    yield trap
    app.config.update(saved)


def test_upload_reads_form_fields_and_serves_bytes_back(api, media_files):
    client = assert_ok(api.post("/api/v3/clients", json={"name": "Acme"}), 201)
    data = media_files.read("png")
    asset = assert_ok(
        upload(
            api, "hero.png", data, type="image", name="Hero", clientId=client["id"], tags='["hero", "product_shot"]'
        ),
        201,
    )
    assert (asset["type"], asset["format"], asset["width"], asset["height"]) == ("image", "png", 320, 200)
    assert asset["name"] == "Hero" and asset["clientId"] == client["id"] and asset["tags"] == ["hero", "product_shot"]
    assert asset["url"] == f"/api/v3/assets/{asset['id']}/data" and asset["size"] == len(data)
    assert asset["thumbnailUrl"] == f"/api/v3/assets/{asset['id']}/thumbnail"
    served = api.get(asset["url"])
    assert served.status_code == 200 and served.data == data and served.headers["Content-Type"] == "image/png"


def test_upload_falls_back_to_query_parameters_and_detects_type(api, media_files):
    response = api.post(
        "/api/v3/assets?name=FromQuery&tags=solo",
        data={"file": (io.BytesIO(media_files.read("jpeg")), "a.jpg")},
        content_type="multipart/form-data",
    )
    asset = assert_ok(response, 201)
    assert asset["name"] == "FromQuery" and asset["type"] == "image" and asset["tags"] == ["solo"]


def test_upload_without_file_is_422(api):
    assert_error(api.post("/api/v3/assets", data={"name": "x"}, content_type="multipart/form-data"), 422)


def test_upload_whose_bytes_contradict_the_type_keeps_nothing(app, api, media_files):
    assert_error(upload(api, "x.png", media_files.read("html"), type="image"), 422, "Invalid image type")
    assert blob_state(app) == (0, 0)


def test_upload_over_the_cap_is_413(app, api):
    app.config["MAX_CONTENT_LENGTH"], saved = 1024 * 1024, app.config["MAX_CONTENT_LENGTH"]
    try:
        assert_error(upload(api, "big.bin", b"\0" * (2 * 1024 * 1024)), 413)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert blob_state(app) == (0, 0)


@pytest.mark.parametrize("fmt", URL_FORMATS)
def test_url_ingest_stores_real_media_with_metadata(api, media_server, media_files, fmt):
    sample, data = SAMPLES[fmt], media_files.read(fmt)
    url = media_server.add(f"/{sample.filename}", data, content_type=sample.mime)
    asset = assert_ok(from_url(api, url, sample.asset_type), 201)
    assert asset["status"] == "ready" and asset["format"] == sample.format and asset["sourceUrl"] == url
    if sample.width:
        assert (asset["width"], asset["height"]) == (sample.width, sample.height)
    if sample.duration:
        assert abs(asset["duration"] - sample.duration) < 0.2
    assert api.get(asset["url"]).data == data
    if sample.asset_type in ("image", "video"):
        thumb = Image.open(io.BytesIO(api.get(asset["thumbnailUrl"]).data))
        assert thumb.format == "JPEG" and max(thumb.size) <= 128


def test_data_supports_range_etag_and_head(api, media_server, media_files):
    data = media_files.read("mp4")
    asset = assert_ok(from_url(api, media_server.add("/c.mp4", data, content_type="video/mp4"), "video"), 201)
    full = api.get(asset["url"])
    etag = full.headers["ETag"]
    assert full.headers["Accept-Ranges"] == "bytes" and full.headers["X-Content-Type-Options"] == "nosniff"
    assert full.headers["Cache-Control"].startswith("private") and "sandbox" in full.headers["Content-Security-Policy"]
    part = api.get(asset["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert api.get(asset["url"], headers={"Range": "bytes=-50"}).data == data[-50:]
    assert api.get(asset["url"], headers={"Range": f"bytes={len(data) + 10}-"}).status_code == 416
    assert api.get(asset["url"], headers={"If-None-Match": etag}).status_code == 304
    head = api.head(asset["url"])
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == str(len(data))


def test_names_that_break_headers_still_serve(api, media_files):
    asset = assert_ok(upload(api, "a.png", media_files.read("png"), type="image", name='evil"\r\nX: 1 ☃ ../../x'), 201)
    response = api.get(asset["url"])
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition and "filename*=UTF-8''" in disposition and disposition.startswith("inline")


@pytest.mark.parametrize(
    "case",
    [
        "html_as_png",
        "too_large",
        "declared_too_large",
        "no_length_endless",
        "gzip_bomb",
        "trickle",
        "not_found",
        "unreachable",
        "corrupt",
        "pixel_bomb",
        "empty",
    ],
)
def test_bad_downloads_are_refused_and_keep_nothing(app, api, media_server, media_files, trap, case, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_ASSET_DOWNLOAD_SIZE_MB", 1)
    # The trickle (a byte every 0.1 s) is cut at a short deadline; the other cases must finish well within theirs.
    monkeypatch.setitem(app.config, "ASSET_DOWNLOAD_TIMEOUT_SECONDS", 0.5 if case == "trickle" else 2)
    url, status, message = _bad_case(case, media_server, media_files, trap)
    assert_error(from_url(api, url), status, message)
    assert blob_state(app) == (0, 0)


def _bad_case(case, server, files, trap):
    mib = 1024 * 1024
    table = {
        "html_as_png": (server.add("/p.png", files.read("html"), content_type="image/png"), 422, "Invalid image type"),
        "too_large": (
            server.add("/big.png", b"\x89PNG" + b"\0" * (2 * mib), content_type="image/png"),
            413,
            "too large",
        ),
        "declared_too_large": (
            server.add("/lie.png", b"\x89PNG", content_type="image/png", headers={"Content-Length": str(500 * mib)}),
            413,
            "too large",
        ),
        "no_length_endless": (server.add("/endless.png", endless(3 * mib), content_type="image/png"), 413, "too large"),
        "gzip_bomb": (
            server.add(
                "/bomb.png", gzip_bomb(64 * mib), content_type="image/png", headers={"Content-Encoding": "gzip"}
            ),
            413,
            "too large",
        ),
        "trickle": (
            server.add("/slow.png", trickle(files.read("png")[:50], 0.1), content_type="image/png"),
            504,
            "timed out",
        ),
        "not_found": (server.add("/gone.png", b"nope", status=404), 502, "HTTP 404"),
        "unreachable": (f"http://127.0.0.1:{_closed_port()}/x.png", 502, "Download failed"),
        "corrupt": (server.add("/bad.jpg", files.read("jpeg_truncated"), content_type="image/jpeg"), 422, "corrupt"),
        "pixel_bomb": (server.add("/huge.png", files.read("pixel_bomb"), content_type="image/png"), 422, "too large"),
        "empty": (server.add("/empty.png", b"", content_type="image/png"), 422, "empty"),
    }
    url, status, message = table[case]
    return url, status, "Failed to download asset: " if status != 413 else message


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_hostile_urls_are_refused_without_a_connection(app, api, strict, network):
    cases = hostile_urls(strict.port)
    assert len(cases) >= 20
    for name, url in cases:
        body = from_url(api, url).get_json()
        assert body["error"].startswith("Failed to download asset: "), (name, body)
        assert "URL not allowed" in body["error"] or "Download failed" in body["error"], (name, body["error"])
    assert strict.accepted == 0 and network.contacted() == []
    assert blob_state(app) == (0, 0)


def test_respond_async_answers_202_then_the_asset_becomes_ready(api, media_server, media_files):
    url = media_server.add("/later.png", media_files.read("png"), content_type="image/png")
    pending = assert_ok(from_url(api, url, headers={"Prefer": "respond-async"}), 202)
    assert pending["status"] in ("pending", "ready")
    from storyboard.queue import drain_local

    drain_local()
    assert assert_ok(api.get(f"/api/v3/assets/{pending['id']}"))["status"] == "ready"


def test_idempotency_key_returns_the_first_asset_without_a_second_download(api, media_server, media_files):
    url = media_server.add("/once.png", media_files.read("png"), content_type="image/png")
    first = assert_ok(from_url(api, url, headers={"Idempotency-Key": "k1"}), 201)
    second = assert_ok(from_url(api, url, headers={"Idempotency-Key": "k1"}), 201)
    assert first["id"] == second["id"] and media_server.hits["/once.png"] == 1
    assert api.get("/api/v3/assets").get_json()["meta"]["total"] == 1


def test_bulk_keeps_input_order_and_reports_each_item(app, api, media_server, media_files):
    good = media_server.add("/g.png", media_files.read("png"), content_type="image/png")
    bad = media_server.add("/missing.png", b"", status=404)
    items = [
        {"name": "a", "type": "image", "url": good},
        {"name": "b", "type": "image", "url": bad},
        {"name": "c", "type": "image", "url": "file:///etc/passwd"},
        {"name": "d", "type": "image", "url": good},
    ]
    data = assert_ok(api.post("/api/v3/assets/from-urls", json={"assets": items}))
    assert [r["success"] for r in data["results"]] == [True, False, False, True]
    assert data["results"][0]["asset"]["name"] == "a" and data["results"][3]["asset"]["name"] == "d"
    assert "HTTP 404" in data["results"][1]["error"] and "URL not allowed" in data["results"][2]["error"]
    assert data["summary"] == {"total": 4, "successful": 2, "failed": 2}
    assert api.get("/api/v3/assets").get_json()["meta"]["total"] == 2


@pytest.mark.parametrize("count, message", [(0, "No assets provided"), (101, "Maximum 100")])
def test_bulk_size_limits(api, count, message):
    items = [{"name": "a", "type": "image", "url": "http://x.test/a.png"}] * count
    assert_error(api.post("/api/v3/assets/from-urls", json={"assets": items}), 422, message)


def test_identical_bytes_share_one_blob_until_the_last_asset_goes(app, api, media_files):
    data = media_files.read("png")
    first = assert_ok(upload(api, "a.png", data, type="image"), 201)
    second = assert_ok(upload(api, "b.png", data, type="image"), 201)
    assert blob_rows(app) == 2 and stored_contents(app) == 2  # the picture and its thumbnail, once each
    assert_ok(api.delete(f"/api/v3/assets/{first['id']}"))
    assert api.get(second["url"]).data == data
    assert_ok(api.delete(f"/api/v3/assets/{second['id']}"))
    assert blob_state(app) == (0, 0)


def test_deleting_a_client_deletes_its_assets_and_blobs(app, api, media_files):
    client = assert_ok(api.post("/api/v3/clients", json={"name": "Gone"}), 201)
    assert_ok(upload(api, "a.png", media_files.read("png"), type="image", clientId=client["id"]), 201)
    assert_ok(api.delete(f"/api/v3/clients/{client['id']}"))
    assert blob_state(app) == (0, 0)


def test_other_users_asset_is_404_on_every_route(api, other, media_files):
    asset = assert_ok(upload(api, "a.png", media_files.read("png"), type="image"), 201)
    base = f"/api/v3/assets/{asset['id']}"
    for method, path in [
        ("GET", base),
        ("DELETE", base),
        ("GET", base + "/data"),
        ("HEAD", base + "/data"),
        ("GET", base + "/thumbnail"),
        ("HEAD", base + "/thumbnail"),
    ]:
        assert other.open(method, path).status_code == 404, (method, path)
    assert api.get(base + "/data").status_code == 200
    assert other.get("/api/v3/assets").get_json()["meta"]["total"] == 0


def test_list_filters_and_rejects_unknown_types(api, media_files):
    assert_ok(upload(api, "a.png", media_files.read("png"), type="image"), 201)
    assert_ok(upload(api, "a.pdf", media_files.read("pdf"), type="document"), 201)
    assert [a["type"] for a in assert_ok(api.get("/api/v3/assets?asset_type=document"))] == ["document"]
    assert_error(api.get("/api/v3/assets?asset_type=hologram"), 422)
