"""Assertions on the {data, error, meta} envelope."""

from __future__ import annotations


def _check_meta(body: dict) -> None:
    assert set(body) >= {"data", "error", "meta"}, body
    assert body["meta"]["timestamp"].endswith("Z"), body["meta"]


def assert_ok(response, status: int = 200):
    """Check a success envelope with `status` and return its data."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    _check_meta(body)
    assert body["error"] is None and body["success"] is True
    return body["data"]


def assert_error(response, status: int, contains: str | None = None) -> dict:
    """Check an error envelope with `status` (and a message containing `contains`); return the body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    _check_meta(body)
    assert isinstance(body["error"], str) and body["error"], body
    assert body["success"] is False
    if contains is not None:
        assert contains.lower() in body["error"].lower(), body["error"]
    for leak in ("Traceback", "sqlalchemy", "psycopg", "SELECT ", "/work/"):
        assert leak not in body["error"], body["error"]
    return body
