"""Log lines name their request: one access line per request (request id, method, route, status, duration,
user) and the request id on every line logged while it runs; LOG_FORMAT=json writes JSON lines."""

from __future__ import annotations

import json
import logging

import pytest

from tests.support.envelope import assert_error, assert_ok


def access_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "storyboard.access"]


def test_the_access_line_names_the_request_route_status_duration_and_user(api, caplog):
    caplog.set_level(logging.INFO, logger="storyboard.access")
    response = api.get("/api/v3/clients?limit=5", headers={"X-Request-ID": "req-0001"})
    assert_ok(response)
    (line,) = access_lines(caplog)
    assert (line.request_id, line.method, line.route, line.status) == ("req-0001", "GET", "/api/v3/clients", 200)
    assert line.path == "/api/v3/clients" and line.user_id == api.user.id
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert line.getMessage().startswith("GET /api/v3/clients 200 ")


def test_a_refused_request_is_logged_with_its_route_and_no_user(app, caplog):
    caplog.set_level(logging.INFO, logger="storyboard.access")
    response = app.test_client().get("/api/v3/jobs/abc", headers={"X-API-Key": "sk_wrong"})
    assert_error(response, 401)
    (line,) = access_lines(caplog)
    assert line.route == "/api/v3/jobs/<job_id>" and line.status == 401
    assert line.request_id == response.headers["X-Request-ID"] and not hasattr(line, "user_id")


def test_every_line_logged_during_a_request_carries_its_request_id(app, api, monkeypatch, caplog):
    # A Redis that refuses connections: readiness logs why, from inside the request.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    app.extensions.pop("storyboard_redis", None)
    caplog.set_level(logging.INFO)
    try:
        response = app.test_client().get("/readyz", headers={"X-Request-ID": "probe-42"})
    finally:
        app.extensions.pop("storyboard_redis", None)
    assert response.status_code == 503
    ours = [record for record in caplog.records if record.name.startswith("storyboard")]
    assert {record.name for record in ours} >= {"storyboard.services.core.health", "storyboard.access"}
    assert all(record.request_id == "probe-42" and record.route == "/readyz" for record in ours)


def test_lines_outside_requests_and_work_carry_no_fields(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("storyboard.test").info("between requests")
    (record,) = caplog.records
    assert not hasattr(record, "request_id") and not hasattr(record, "job_id")


def test_the_text_format_appends_the_fields_and_json_has_them_as_keys(api, caplog):
    from storyboard import logs

    caplog.set_level(logging.INFO, logger="storyboard.access")
    assert_ok(api.get("/api/v3/clients", headers={"X-Request-ID": "req-text"}))
    (line,) = access_lines(caplog)
    text = logs.formatter("text").format(line)
    assert text.endswith(f"[request_id=req-text method=GET route=/api/v3/clients user_id={api.user.id}]")
    entry = json.loads(logs.formatter("json").format(line))
    assert entry["request_id"] == "req-text" and entry["status"] == 200 and entry["level"] == "INFO"
    assert entry["logger"] == "storyboard.access" and entry["message"].startswith("GET /api/v3/clients 200")


@pytest.mark.slow
def test_gunicorn_with_log_format_json_writes_only_json_lines(app, api):
    from tests.support.gunicorn import Gunicorn

    server = Gunicorn(app, LOG_FORMAT="json", LOG_LEVEL="INFO")
    try:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/api/v3/clients", headers={"X-API-Key": api.key, "X-Request-ID": "gunicorn-json-1"})
        assert conn.getresponse().status == 200
        conn.close()
        server.proc.terminate()
        server.proc.wait(timeout=30)
        text = server.log_text()
    finally:
        server.stop()
    lines = [line for line in text.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line, gunicorn's own included
    assert any(entry["logger"] == "gunicorn.error" for entry in entries)
    (access,) = [entry for entry in entries if entry.get("request_id") == "gunicorn-json-1"]
    assert access["logger"] == "storyboard.access" and access["status"] == 200
    assert access["method"] == "GET" and access["route"] == "/api/v3/clients" and access["user_id"] == api.user.id
    assert access["duration_ms"] >= 0
