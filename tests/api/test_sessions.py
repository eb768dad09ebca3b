"""Sessions that end: logout revokes the token, tokens need exp and jti, a password change ends earlier tokens,
and a deactivated user is refused with every credential until activated again."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from tests.support.envelope import assert_error, assert_ok


def login(api, password: str = "correct horse") -> str:
    form = {"username": api.user.username, "password": password}
    return assert_ok(api.client.post("/api/auth/login", data=form))["access_token"]


def with_cookie(app, token: str):
    client = app.test_client()
    client.set_cookie("access_token", token)
    return client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_carries_jti_iat_and_exp(app, api):
    claims = jwt.decode(login(api), app.config["SECRET_KEY"], algorithms=["HS256"])
    assert claims["jti"] and claims["sub"] == api.user.username
    assert claims["exp"] - claims["iat"] == pytest.approx(app.config["ACCESS_TOKEN_EXPIRE_MINUTES"] * 60, abs=1)
    assert login(api) != login(api)  # each login its own jti


def test_logout_with_the_cookie_revokes_its_token(app, api):
    token = login(api)
    browser = with_cookie(app, token)
    assert_ok(browser.get("/api/v3/clients"))
    response = browser.post("/api/auth/logout")
    assert assert_ok(response) == {"message": "Logout successful"}
    assert "access_token=;" in response.headers["Set-Cookie"]
    # Even a client that kept the cookie, or sends the token as Bearer, is refused from the next request on.
    assert_error(with_cookie(app, token).get("/api/v3/clients"), 401, "Not authenticated")
    assert_error(app.test_client().get("/api/v3/clients", headers=bearer(token)), 401, "Could not validate")


def test_logout_with_a_bearer_token_revokes_it_and_clears_the_cookie(app, api):
    token = login(api)
    response = app.test_client().post("/api/auth/logout", headers=bearer(token))
    assert_ok(response)
    assert "access_token=;" in response.headers["Set-Cookie"]
    assert_error(app.test_client().get("/api/v3/clients", headers=bearer(token)), 401, "Could not validate")


def test_logout_ends_only_the_presented_token(app, api):
    ended, kept = login(api), login(api)
    assert_ok(app.test_client().post("/api/auth/logout", headers=bearer(ended)))
    assert_ok(app.test_client().post("/api/auth/logout", headers=bearer(ended)))  # twice: still fine
    assert_ok(app.test_client().get("/api/v3/clients", headers=bearer(kept)))
    assert_ok(api.get("/api/v3/clients"))  # API keys are not sessions


def test_logout_without_a_valid_token_still_succeeds(app):
    assert_ok(app.test_client().post("/api/auth/logout"))
    assert_ok(app.test_client().post("/api/auth/logout", headers=bearer("not.a.token")))


@pytest.mark.parametrize("missing", ["exp", "jti", "iat"])
def test_a_correctly_signed_token_without_a_required_claim_is_refused(app, api, missing):
    now = int(time.time())
    claims = {"sub": api.user.username, "uid": api.user.id, "jti": "abc", "iat": now, "exp": now + 600}
    del claims[missing]
    token = jwt.encode(claims, app.config["SECRET_KEY"], algorithm="HS256")
    assert_error(app.test_client().get("/api/v3/clients", headers=bearer(token)), 401, "Could not validate")
    assert_error(with_cookie(app, token).get("/api/v3/clients"), 401, "Not authenticated")


def test_the_same_claims_with_all_of_them_are_accepted(app, api):
    now = int(time.time())
    claims = {"sub": api.user.username, "uid": api.user.id, "jti": "abc", "iat": now, "exp": now + 600}
    token = jwt.encode(claims, app.config["SECRET_KEY"], algorithm="HS256")
    assert_ok(app.test_client().get("/api/v3/clients", headers=bearer(token)))


def test_a_password_change_ends_earlier_tokens(app, api):
    old = login(api)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-password", api.user.username, "--password", "new battery"])
    assert result.exit_code == 0, result.output
    assert_error(app.test_client().get("/api/v3/clients", headers=bearer(old)), 401, "Could not validate")
    assert_error(with_cookie(app, old).get("/api/v3/clients"), 401, "Not authenticated")
    new = login(api, "new battery")  # often in the same second as the change: still newer
    assert_ok(app.test_client().get("/api/v3/clients", headers=bearer(new)))
    assert_ok(api.get("/api/v3/clients"))


def _set_active(app, username: str, active: bool) -> None:
    result = app.test_cli_runner().invoke(args=["users", "activate" if active else "deactivate", username])
    assert result.exit_code == 0, result.output


def test_a_deactivated_user_gets_403_with_every_credential_until_activated(app, api):
    token = login(api)
    requests = {
        "cookie": lambda: with_cookie(app, token).get("/api/v3/clients"),
        "bearer token": lambda: app.test_client().get("/api/v3/clients", headers=bearer(token)),
        "X-API-Key": lambda: api.get("/api/v3/clients"),
        "bearer API key": lambda: app.test_client().get("/api/v3/clients", headers=bearer(api.key)),
    }
    form = {"username": api.user.username, "password": "correct horse"}
    _set_active(app, api.user.username, False)
    for kind, request in requests.items():
        body = assert_error(request(), 403, "Inactive user")
        assert body["detail"] == "Inactive user", kind
    assert_error(app.test_client().post("/api/auth/login", data=form), 403, "Inactive user")
    wrong = {**form, "password": "wrong"}
    assert_error(app.test_client().post("/api/auth/login", data=wrong), 401, "Incorrect username or password")
    _set_active(app, api.user.username, True)
    for request in requests.values():
        assert_ok(request())
    assert_ok(app.test_client().post("/api/auth/login", data=form))


def test_revocations_are_forgotten_once_their_tokens_expire(app, api):
    from sqlalchemy import func, select

    from storyboard.models import RevokedToken, db, utcnow
    from storyboard.services import accounts

    token = login(api)
    assert_ok(app.test_client().post("/api/auth/logout", headers=bearer(token)))
    with app.app_context():
        assert accounts.purge_revoked_tokens(utcnow()) == 0  # not expired yet: still needed
        lifetime = timedelta(minutes=app.config["ACCESS_TOKEN_EXPIRE_MINUTES"], seconds=1)
        assert accounts.purge_revoked_tokens(utcnow() + lifetime) == 1
        assert db.session.scalar(select(func.count()).select_from(RevokedToken)) == 0


def test_the_sweeper_forgets_revocations_of_expired_tokens_only(app, api):
    from sqlalchemy import select

    from storyboard.models import RevokedToken, db, utcnow
    from storyboard.services import maintenance

    kept = login(api)
    kept_jti = jwt.decode(kept, options={"verify_signature": False})["jti"]
    assert_ok(app.test_client().post("/api/auth/logout", headers=bearer(kept)))
    with app.app_context():
        db.session.add(RevokedToken(jti="expired", expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert maintenance.sweep()["revoked_tokens"] == 1
        assert db.session.scalars(select(RevokedToken.jti)).all() == [kept_jti]
    assert_error(app.test_client().get("/api/v3/clients", headers=bearer(kept)), 401)
