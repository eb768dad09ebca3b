"""RQ_QUEUE_PREFIX names the queues with a separator: `acme` gives `acme-render`; a prefix that ends in a
separator already is used as it is."""

from __future__ import annotations

import uuid

import pytest

from storyboard.queue import QUEUES, prefixed, queue_name
from tests.support.envelope import assert_ok
from tests.support.factories import brief, make_client


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("acme", "acme-render"), ("acme-", "acme-render"), ("acme:", "acme:render"), ("", "render")],
)
def test_the_prefix_is_joined_with_a_separator(prefix, expected):
    assert prefixed(prefix, "render") == expected


@pytest.mark.redis
def test_a_job_waits_in_the_prefixed_queue(rq_app, api, monkeypatch):
    prefix = f"acme{uuid.uuid4().hex[:6]}"
    monkeypatch.setitem(rq_app.config, "RQ_QUEUE_PREFIX", prefix)
    with rq_app.app_context():
        from storyboard.models import User, db
        from storyboard.queue import redis_connection

        client_id = make_client(db.session.get(User, api.user.id)).id
        conn = redis_connection(rq_app)
        assert [queue_name(rq_app, name) for name in QUEUES] == [f"{prefix}-{name}" for name in QUEUES]
        job = assert_ok(api.post("/api/v3/jobs", json=brief(client_id), headers={"Prefer": "respond-async"}), 202)
        try:
            assert conn.lrange(f"rq:queue:{prefix}-llm", 0, -1) == [f"storyboard-{job['id']}".encode()]
            assert not conn.exists(f"rq:queue:{prefix}llm")
        finally:
            conn.delete(f"rq:queue:{prefix}-llm", f"rq:job:storyboard-{job['id']}")
