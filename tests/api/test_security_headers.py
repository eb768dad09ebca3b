"""Every response carries the security headers: JSON, errors, the OpenAPI document, the Swagger page, blobs."""

from __future__ import annotations

import io

import pytest

from tests.support.envelope import assert_error, assert_ok

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


def assert_secured(response, *, csp: str = JSON_POLICY, cache: str | None = "no-store") -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (name, dict(response.headers))
    assert response.headers.get("Content-Security-Policy") == csp
    assert response.headers.get("Cache-Control") == cache


def test_a_json_success_is_secured_and_never_cached(api):
    response = api.get("/api/v3/clients")
    assert_ok(response)
    assert_secured(response)


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("GET", "/api/v3/clients/nope", None, 404),
        ("POST", "/api/v3/clients", {}, 422),
        ("PATCH", "/api/v3/clients", None, 405),
    ],
)
def test_error_responses_are_secured(api, method, path, body, status):
    response = api.open(method, path, json=body)
    assert_error(response, status)
    assert_secured(response)


def test_an_unauthenticated_401_is_secured(app):
    response = app.test_client().get("/api/v3/clients")
    assert_error(response, 401)
    assert_secured(response)


def test_the_openapi_document_is_secured(app):
    response = app.test_client().get("/api/v3/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.")
    assert_secured(response)


def test_the_swagger_page_may_load_its_scripts_but_never_be_framed(app):
    response = app.test_client().get("/api/v3/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_secured(response, csp="frame-ancestors 'none'", cache=None)


def test_a_blob_keeps_its_own_sandbox_and_cache_rules_and_is_never_framed(api, media_files):
    form = {"file": (io.BytesIO(media_files.read("png")), "pic.png"), "type": "image"}
    asset = assert_ok(api.post("/api/v3/assets", data=form, content_type="multipart/form-data"), 201)
    response = api.get(asset["url"])
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert_secured(
        response,
        csp="sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
        cache="private, max-age=31536000, immutable",
    )
    not_modified = api.get(asset["url"], headers={"If-None-Match": response.headers["ETag"]})
    assert not_modified.status_code == 304
    assert not_modified.headers["X-Frame-Options"] == "DENY"


def test_a_login_response_is_never_cached(api):
    response = api.client.post("/api/auth/login", data={"username": api.user.username, "password": "correct horse"})
    assert_ok(response)
    assert_secured(response)
