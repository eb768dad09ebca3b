"""Login, cookies, bearer tokens and API keys."""

from __future__ import annotations

from tests.support.envelope import assert_error, assert_ok


def login(api, password="correct horse"):
    return api.client.post("/api/auth/login", data={"username": api.user.username, "password": password})


def test_login_returns_token_in_body_and_httponly_cookie(api):
    response = login(api)
    data = assert_ok(response)
    assert data["token_type"] == "bearer" and data["message"] == "Login successful"
    assert data["username"] == api.user.username and data["expires_in"] > 0
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("access_token=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_token_works_as_bearer_and_as_cookie(api):
    token = assert_ok(login(api))["access_token"]
    assert_ok(api.client.get("/api/v3/clients", headers={"Authorization": f"Bearer {token}"}))
    fresh = api.client.application.test_client()
    fresh.set_cookie("access_token", token)
    assert_ok(fresh.get("/api/v3/clients"))


def test_wrong_password_is_401(api):
    assert_error(login(api, "wrong"), 401, "Incorrect username or password")


def test_logout_clears_the_cookie(api):
    response = api.client.post("/api/auth/logout")
    assert assert_ok(response) == {"message": "Logout successful"}
    assert "access_token=;" in response.headers["Set-Cookie"]


def test_api_key_lifecycle(api):
    created = assert_ok(api.post("/api/auth/api-keys", json={"name": "ci"}), 201)
    assert created["api_key"].startswith("sk_") and created["name"] == "ci"
    listed = assert_ok(api.get("/api/auth/api-keys"))
    assert {k["id"] for k in listed} >= {created["id"]}
    assert all("api_key" not in k and "digest" not in k for k in listed)
    headers = {"X-API-Key": created["api_key"]}
    assert_ok(api.client.get("/api/v3/clients", headers=headers))
    assert_ok(api.delete(f"/api/auth/api-keys/{created['id']}"))
    assert_error(api.client.get("/api/v3/clients", headers=headers), 401)


def test_other_users_key_cannot_be_revoked(api, other):
    created = assert_ok(api.post("/api/auth/api-keys", json={"name": "mine"}), 201)
    assert_error(other.delete(f"/api/auth/api-keys/{created['id']}"), 404)
    assert_ok(api.client.get("/api/v3/clients", headers={"X-API-Key": created["api_key"]}))


def test_inactive_user_is_403(app, api):
    with app.app_context():
        from storyboard.models import User, db

        db.session.get(User, api.user.id).is_active = False
        db.session.commit()
    body = assert_error(api.get("/api/v3/clients"), 403, "Inactive user")
    assert body["detail"] == "Inactive user"


def test_api_keys_are_stored_as_digests(app, api):
    with app.app_context():
        from sqlalchemy import select

        from storyboard.models import ApiKey, db

        digests = db.session.scalars(select(ApiKey.digest)).all()
    assert api.key not in digests and all(len(d) == 64 for d in digests)


def test_unknown_api_route_and_method_answer_the_envelope(api):
    assert_error(api.get("/api/v3/nothing-here"), 404)
    response = api.open("PATCH", "/api/v3/clients")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_health_probes(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"


def test_new_passwords_use_the_configured_method_and_full_strength_hashes_still_verify(app, api):
    from werkzeug.security import generate_password_hash

    from storyboard.models import User, db

    with app.app_context():
        user = db.session.get(User, api.user.id)
        assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
        # A hash made with werkzeug's default (what production stores) names its own parameters.
        user.password_hash = generate_password_hash("correct horse")
        db.session.commit()
        assert not user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"])
    assert_ok(login(api))
    assert_error(login(api, "wrong"), 401, "Incorrect username or password")
