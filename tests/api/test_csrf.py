"""Cross-site requests: a state change made with the login cookie, and a login, need an allowed Origin."""

from __future__ import annotations

import io

import pytest

from tests.support.envelope import assert_error, assert_ok

FOREIGN = "https://evil.example"
OWN = "http://localhost"  # the test client's host


def allowed_origin(app) -> str:
    return app.config["CORS_ORIGINS"][0]


def log_in(app, api, **headers):
    """A browser-like client holding `api`'s user's login cookie (and the login's response)."""
    browser = app.test_client()
    form = {"username": api.user.username, "password": "correct horse"}
    response = browser.post("/api/auth/login", data=form, headers=headers)
    return browser, response


def upload(client, media_files, **headers):
    form = {"file": (io.BytesIO(media_files.read("png")), "pic.png"), "type": "image", "name": "Pic"}
    return client.post("/api/v3/assets", data=form, content_type="multipart/form-data", headers=headers)


def stored(app) -> tuple[int, int]:
    """(assets, blobs) rows."""
    with app.app_context():
        from sqlalchemy import func, select

        from storyboard.models import Asset, Blob, db

        counts = db.session.scalar(select(func.count(Asset.id))), db.session.scalar(select(func.count(Blob.id)))
        db.session.rollback()
        return counts


def test_a_cookie_upload_from_a_foreign_origin_is_403_and_stores_nothing(app, api, media_files):
    browser, _ = log_in(app, api)
    assert_error(upload(browser, media_files, Origin=FOREIGN), 403, "Cross-site request refused")
    assert stored(app) == (0, 0)


@pytest.mark.parametrize("origin", ["allowed", OWN])
def test_a_cookie_upload_from_an_allowed_origin_is_201(app, api, media_files, origin):
    browser, _ = log_in(app, api)
    origin = allowed_origin(app) if origin == "allowed" else origin
    assert_ok(upload(browser, media_files, Origin=origin), 201)
    assert stored(app) == (1, 2)  # the image and its thumbnail


def test_without_origin_the_referer_decides(app, api):
    browser, _ = log_in(app, api)
    page = allowed_origin(app) + "/library?tab=clients"
    assert_ok(browser.post("/api/v3/clients", json={"name": "Mine"}, headers={"Referer": page}), 201)
    refused = browser.post("/api/v3/clients", json={"name": "Theirs"}, headers={"Referer": FOREIGN + "/x"})
    assert_error(refused, 403)
    assert [c["name"] for c in assert_ok(api.get("/api/v3/clients"))] == ["Mine"]


@pytest.mark.parametrize("headers", [{}, {"Origin": "null"}], ids=["no origin or referer", "opaque origin"])
def test_a_cookie_state_change_from_an_unknown_origin_is_403(app, api, headers):
    browser, _ = log_in(app, api)
    assert_error(browser.post("/api/v3/clients", json={"name": "X"}, headers=headers), 403)
    assert assert_ok(api.get("/api/v3/clients")) == []


def test_a_cookie_delete_from_a_foreign_origin_keeps_the_row(app, api):
    client = assert_ok(api.post("/api/v3/clients", json={"name": "Keep"}), 201)
    browser, _ = log_in(app, api)
    assert_error(browser.delete(f"/api/v3/clients/{client['id']}", headers={"Origin": FOREIGN}), 403)
    assert assert_ok(api.get(f"/api/v3/clients/{client['id']}"))["name"] == "Keep"


def test_cookie_reads_from_a_foreign_origin_are_unaffected(app, api):
    browser, _ = log_in(app, api)
    assert_ok(browser.get("/api/v3/clients", headers={"Origin": FOREIGN}))


def test_an_api_key_upload_from_a_foreign_origin_is_201(app, api, media_files):
    assert_ok(upload(api, media_files, Origin=FOREIGN), 201)
    assert stored(app) == (1, 2)


def test_a_bearer_request_from_a_foreign_origin_is_201(app, api):
    _, login = log_in(app, api)
    token = assert_ok(login)["access_token"]
    bare = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Origin": FOREIGN}
    assert_ok(bare.post("/api/v3/clients", json={"name": "Bearer"}, headers=headers), 201)


def test_a_login_from_a_foreign_origin_is_403_and_sets_no_cookie(app, api):
    _, response = log_in(app, api, Origin=FOREIGN)
    assert_error(response, 403, "Cross-site request refused")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("headers", [{}, {"Origin": "allowed"}, {"Referer": OWN + "/api/v3/docs"}])
def test_a_login_from_an_allowed_origin_or_a_plain_client_works(app, api, headers):
    headers = {k: allowed_origin(app) if v == "allowed" else v for k, v in headers.items()}
    _, response = log_in(app, api, **headers)
    assert assert_ok(response)["message"] == "Login successful"
