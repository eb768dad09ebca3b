"""Request rate limits: RATE_LIMIT_DEFAULT per API key (or address when anonymous), RATE_LIMIT_CREATE on the
expensive creates, 429 with the envelope, Retry-After and RateLimit-* headers, RATE_LIMIT_ENABLED=false."""

from __future__ import annotations

import pytest

from tests.support.envelope import assert_error, assert_ok
from tests.support.factories import brief, make_client, make_user


@pytest.fixture
def limited(backend, tmp_path):
    """Build an app on the session's database with `limits` (setting: value), small enough to reach."""
    from storyboard import create_app
    from tests.conftest import settings_for

    def build(**limits):
        return create_app(settings_for(backend, str(tmp_path / "blobs"), **limits), env={})

    return build


def _user_key(app, name: str) -> tuple[str, str]:
    with app.app_context():
        user, key = make_user(name)
        client_id = make_client(user).id
    return key, client_id


def _get(client, key: str | None = None, address: str = "10.20.0.1", path: str = "/api/v3/clients"):
    headers = {"X-API-Key": key} if key else {}
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": address})


def test_a_key_over_the_default_limit_gets_429_with_the_envelope_and_headers(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="3/minute")
    key, _ = _user_key(server, "rl-alice")
    client = server.test_client()
    remaining = [int(assert_response(_get(client, key)).headers["RateLimit-Remaining"]) for _ in range(3)]
    assert remaining == [2, 1, 0]
    refused = _get(client, key)
    assert_error(refused, 429, "Too many requests: at most 3 per 1 minute for this API key")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["RateLimit-Reset"]) <= 60
    assert refused.headers["RateLimit-Policy"] == "3;w=60"


def assert_response(response):
    assert_ok(response)
    return response


def test_each_key_has_its_own_budget_and_an_address_does_not_share_it(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="2/minute")
    (alice, _), (bob, _) = _user_key(server, "rl-a"), _user_key(server, "rl-b")
    client = server.test_client()
    for _ in range(2):
        assert_ok(_get(client, alice))
    assert_error(_get(client, alice), 429)
    # Same address, another key: a budget of its own; and alice from another address is still refused.
    assert_ok(_get(client, bob))
    assert_error(_get(client, alice, address="10.20.0.99"), 429)


def test_a_bearer_api_key_and_x_api_key_spend_the_same_budget(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="2/minute")
    key, _ = _user_key(server, "rl-bearer")
    client = server.test_client()
    assert_ok(_get(client, key))
    assert_ok(client.get("/api/v3/clients", headers={"Authorization": f"Bearer {key}"}))
    assert_error(client.get("/api/v3/clients", headers={"Authorization": f"Bearer {key}"}), 429, "API key")


def test_anonymous_requests_are_counted_per_address(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="2/minute")
    client = server.test_client()
    for _ in range(2):
        assert client.get("/api/v3/openapi.json", environ_base={"REMOTE_ADDR": "10.30.0.1"}).status_code == 200
    refused = client.get("/api/v3/openapi.json", environ_base={"REMOTE_ADDR": "10.30.0.1"})
    assert_error(refused, 429, "for this address")
    assert "Retry-After" in refused.headers
    assert client.get("/api/v3/openapi.json", environ_base={"REMOTE_ADDR": "10.30.0.2"}).status_code == 200


def test_login_tokens_count_per_user(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="3/minute")
    _user_key(server, "rl-token")
    client = server.test_client()
    token = assert_ok(client.post("/api/auth/login", data={"username": "rl-token", "password": "correct horse"}))
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    # The login itself was anonymous (the address's budget): the token has all three.
    for _ in range(3):
        assert_ok(client.get("/api/v3/clients", headers=bearer))
    assert_error(client.get("/api/v3/clients", headers=bearer), 429, "for this user")


def test_expensive_creates_have_their_own_smaller_budget(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="50/minute", RATE_LIMIT_CREATE="2/minute")
    key, client_id = _user_key(server, "rl-creates")
    client = server.test_client()
    headers = {"X-API-Key": key, "Prefer": "respond-async"}
    for _ in range(2):
        created = client.post("/api/v3/jobs", json=brief(client_id), headers=headers)
        assert created.status_code in (201, 202), created.get_data(as_text=True)
    refused = client.post("/api/v3/jobs", json=brief(client_id), headers=headers)
    assert_error(refused, 429, "at most 2 per 1 minute")
    assert refused.headers["RateLimit-Limit"] == "2" and "Retry-After" in refused.headers
    # Reads and cheap writes still pass: only the expensive creates are spent.
    assert_ok(_get(client, key))
    assert_ok(client.post("/api/v3/clients", json={"name": "Cheap"}, headers={"X-API-Key": key}), 201)
    assert "2;w=60" not in _get(client, key).headers["RateLimit-Policy"]


def test_the_expensive_routes_exist(app):
    from storyboard.api.limits import EXPENSIVE

    rules = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods}
    assert EXPENSIVE <= rules, EXPENSIVE - rules


def test_probes_and_the_scrape_are_never_refused(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="1/minute")
    client = server.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_rate_limit_enabled_false_switches_them_off(app, limited):
    server = limited(RATE_LIMIT_DEFAULT="1/minute", RATE_LIMIT_CREATE="1/minute", RATE_LIMIT_ENABLED=False)
    key, _ = _user_key(server, "rl-off")
    client = server.test_client()
    for _ in range(5):
        response = assert_response(_get(client, key))
        assert "RateLimit-Limit" not in response.headers


def test_a_malformed_request_limit_refuses_to_start(limited):
    with pytest.raises(RuntimeError, match="RATE_LIMIT_DEFAULT"):
        limited(RATE_LIMIT_DEFAULT="lots per minute")


def test_the_limits_headers_are_readable_by_a_browser_frontend(api):
    response = api.get("/api/v3/clients", headers={"Origin": "http://localhost:5173"})
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert all(name in exposed for name in ("RateLimit-Remaining", "RateLimit-Reset", "Retry-After"))
    assert response.headers["RateLimit-Limit"] == "100000"  # the test settings keep them out of reach
