"""Guessing is limited: failed logins per username and per address, bad API keys per address, and an unknown
username costs the same hash work as a known one."""

from __future__ import annotations

import uuid

import pytest
from limits import parse_many

from tests.support.envelope import assert_error, assert_ok


def allowed(app, key: str) -> int:
    """How many failures the configured limit allows (the smallest budget of its window)."""
    return min(item.amount for item in parse_many(app.config[key]))


def login(api, password: str, *, username: str | None = None, address: str = "10.0.0.1"):
    form = {"username": username or api.user.username, "password": password}
    return api.client.post("/api/auth/login", data=form, environ_base={"REMOTE_ADDR": address})


def assert_limited(response, contains: str) -> int:
    assert_error(response, 429, contains)
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    return retry_after


def test_failed_logins_of_one_username_from_many_addresses_end_in_429(app, api):
    for n in range(allowed(app, "LOGIN_RATE_LIMIT")):
        assert_error(login(api, "wrong", address=f"10.1.0.{n}"), 401, "Incorrect username or password")
    # Refused before the password is checked, the right one too: else a 200 among the 429s would give it away.
    assert_limited(login(api, "correct horse", address="10.2.0.1"), "Too many failed login attempts")


def test_failed_logins_from_one_address_across_usernames_end_in_429(app, api):
    for n in range(allowed(app, "LOGIN_RATE_LIMIT")):
        assert_error(login(api, "wrong", username=f"nobody{n}"), 401, "Incorrect username or password")
    assert_limited(login(api, "correct horse"), "Too many failed login attempts")
    assert_ok(login(api, "correct horse", address="10.9.9.9"))


def test_successful_logins_are_not_counted(app, api):
    for _ in range(allowed(app, "LOGIN_RATE_LIMIT") + 2):
        assert_ok(login(api, "correct horse"))
    assert_error(login(api, "wrong"), 401)


def test_a_spent_login_budget_is_per_username(app, api, other):
    for n in range(allowed(app, "LOGIN_RATE_LIMIT")):
        assert_error(login(api, "wrong", address=f"10.1.0.{n}"), 401)
    assert_ok(login(other, "correct horse", address="10.3.0.1"))


def test_bad_api_keys_from_one_address_end_in_429_while_valid_keys_still_pass(app, api):
    limit = allowed(app, "API_KEY_FAILURE_LIMIT")
    attacker = {"REMOTE_ADDR": "10.4.0.1"}
    for n in range(limit):
        # X-API-Key and Bearer guesses (keys and tokens) count against the same budget.
        headers = {"X-API-Key": f"sk_guess{n}"} if n % 2 else {"Authorization": f"Bearer sk_guess{n}"}
        assert_error(api.client.get("/api/v3/clients", headers=headers, environ_base=attacker), 401)
    response = api.client.get("/api/v3/clients", headers={"X-API-Key": "sk_one_more"}, environ_base=attacker)
    assert_limited(response, "Too many failed authentication attempts")
    bearer_token = api.client.get("/api/v3/clients", headers={"Authorization": "Bearer eyJ.x.y"}, environ_base=attacker)
    assert_limited(bearer_token, "Too many failed authentication attempts")
    assert_ok(api.client.get("/api/v3/clients", headers={"X-API-Key": api.key}, environ_base=attacker))
    assert_ok(api.client.get("/api/v3/clients", headers={"Authorization": f"Bearer {api.key}"}, environ_base=attacker))
    elsewhere = {"REMOTE_ADDR": "10.4.0.2"}
    assert_error(api.client.get("/api/v3/clients", headers={"X-API-Key": "sk_x"}, environ_base=elsewhere), 401)


def test_requests_without_credentials_are_not_counted(app, api):
    for _ in range(allowed(app, "API_KEY_FAILURE_LIMIT") + 1):
        assert_error(api.client.get("/api/v3/clients"), 401, "Not authenticated")


def test_behind_trusted_proxies_the_forwarded_address_is_counted(app, backend, tmp_path):
    from storyboard import create_app
    from tests.conftest import settings_for

    proxied = create_app(settings_for(backend, str(tmp_path), TRUSTED_PROXIES=1), env={})
    client = proxied.test_client()

    def attempt(forwarded_for: str):
        headers = {"X-Forwarded-For": forwarded_for}
        form = {"username": f"nobody-{uuid.uuid4().hex[:6]}", "password": "wrong"}
        return client.post("/api/auth/login", data=form, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})

    for _ in range(allowed(app, "LOGIN_RATE_LIMIT")):
        assert_error(attempt("203.0.113.7"), 401)
    assert_limited(attempt("203.0.113.7"), "Too many failed login attempts")
    # The proxy's own address is not what is limited: another client behind it is not locked out.
    assert_error(attempt("203.0.113.8"), 401)


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """The hashes that login verifies a password against, in order."""
    from storyboard.services import accounts

    checked: list[str] = []
    real = accounts.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return checked


def test_an_unknown_username_costs_the_same_hash_work_as_a_wrong_password(app, api, hash_checks):
    assert_error(login(api, "wrong"), 401, "Incorrect username or password")
    assert_error(login(api, "wrong", username="nobody"), 401, "Incorrect username or password")
    with app.app_context():
        from storyboard.services import accounts

        accounts.create_user("keys-only")  # a user without a password logs in like an unknown one
    assert_error(login(api, "wrong", username="keys-only"), 401, "Incorrect username or password")
    assert len(hash_checks) == 3
    # Made with the configured method, so the verification does the same work as for a real user's hash.
    method = app.config["PASSWORD_HASH_METHOD"]
    assert all(pwhash.startswith(method + "$") for pwhash in hash_checks)
    assert hash_checks[1] == hash_checks[2]  # made once, not per request


def _guard(**config):
    """The rate-limit guard of a bare app with `config` (what create_app binds)."""
    from flask import Flask

    from storyboard.api import limits

    app = Flask(__name__)
    app.config.update({"LOGIN_RATE_LIMIT": "10/minute", "API_KEY_FAILURE_LIMIT": "60/minute", "REDIS_URL": ""})
    app.config.update(config)
    limits.init_app(app)
    return app.extensions[limits.EXTENSION]


def test_a_malformed_limit_refuses_to_start():
    with pytest.raises(RuntimeError, match="LOGIN_RATE_LIMIT"):
        _guard(LOGIN_RATE_LIMIT="ten a minute")


def test_with_redis_every_process_shares_one_count():
    from tests.conftest import REDIS_TEST_URL, redis_answers

    if reason := redis_answers():
        pytest.skip(reason)
    config = {"REDIS_URL": REDIS_TEST_URL, "RQ_QUEUE_PREFIX": f"test-{uuid.uuid4().hex[:8]}-"}
    first, second = _guard(**config), _guard(**config)
    budget, key = parse_many("2/minute"), [("login-user", "alice")]
    try:
        assert first.hit(budget, key) and second.hit(budget, key)
        assert not first.hit(budget, key)
        assert 1 <= second.spent(budget, key) <= 60
    finally:
        first.reset()
    assert second.spent(budget, key) == 0


def test_a_redis_that_does_not_answer_counts_in_memory_instead_of_failing():
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    guard = _guard(REDIS_URL=f"redis://127.0.0.1:{port}/0", RQ_QUEUE_PREFIX="none-")
    budget, key = parse_many("1/minute"), [("credential-address", "10.5.0.1")]
    assert guard.spent(budget, key) == 0
    assert guard.hit(budget, key)
    assert not guard.hit(budget, key)
    assert guard.spent(budget, key) >= 1
