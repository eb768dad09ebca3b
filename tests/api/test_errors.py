"""Unexpected failures answer the envelope with a generic 500 and are logged with the request id."""

from __future__ import annotations

import logging

from tests.conftest import settings_for
from tests.support.envelope import assert_error


def test_an_unexpected_exception_is_a_generic_500_logged_with_its_request_id(backend, tmp_path, caplog):
    from storyboard import create_app

    app = create_app(settings_for(backend, str(tmp_path / "blobs")), env={})

    @app.get("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM users -- /work/main/storyboard/x.py")

    with caplog.at_level(logging.ERROR, logger="storyboard.api.base"):
        response = app.test_client().get("/boom", headers={"X-Request-ID": "req-42"})
    body = assert_error(response, 500, "Internal server error")
    assert "secret" not in response.get_data(as_text=True) and body["meta"]["requestId"] == "req-42"
    assert response.headers["X-Request-ID"] == "req-42"
    record = next(r for r in caplog.records if "req-42" in r.getMessage())
    assert record.exc_info and "SELECT secret" in str(record.exc_info[1])
