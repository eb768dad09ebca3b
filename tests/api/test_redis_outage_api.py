"""With Redis killed or frozen, creates still answer their normal 201/202 (never 500) and keep the row that says
the work is due; /readyz says Redis is down without hanging."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from storyboard.models import Asset, Job, User, db
from tests.support import redis_server
from tests.support.envelope import assert_ok
from tests.support.factories import brief, make_client

pytestmark = pytest.mark.redis
private_redis, outage_app = redis_server.private_redis, redis_server.outage_app


def _client_id(app, api) -> str:
    with app.app_context():
        return make_client(db.session.get(User, api.user.id)).id


def _statuses(app, model) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(model.status)))


def test_creates_answer_202_and_keep_pending_rows_while_redis_is_dead(outage_app, private_redis, api, media_server):
    client_id = _client_id(outage_app, api)
    url = media_server.add("/a.png", b"\x89PNG", content_type="image/png")
    private_redis.kill()
    async_job = assert_ok(api.post("/api/v3/jobs", json=brief(client_id), headers={"Prefer": "respond-async"}), 202)
    # Without Prefer the create would wait for the storyboard; the queue did not take it, so it answers at once.
    waiting_job = assert_ok(api.post("/api/v3/jobs", json=brief(client_id)), 202)
    asset = assert_ok(api.post("/api/v3/assets/from-url", json={"name": "x", "type": "image", "url": url}), 202)
    assert async_job["status"] == waiting_job["status"] == asset["status"] == "pending"
    assert _statuses(outage_app, Job) == ["pending", "pending"]
    assert _statuses(outage_app, Asset) == ["pending"]
    assert media_server.hits.get("/a.png", 0) == 0


def test_approve_answers_200_while_redis_is_dead_and_the_job_waits_for_its_render(outage_app, private_redis, api):
    from tests.support.factories import make_job

    with outage_app.app_context():
        owner = db.session.get(User, api.user.id)
        job_id = make_job(owner, make_client(owner), status="storyboard_review").id
    private_redis.kill()
    approved = assert_ok(api.post(f"/api/v3/jobs/{job_id}/actions", json={"action": "approve"}))["job"]
    assert approved["status"] == "in_progress"
    assert _statuses(outage_app, Job) == ["in_progress"]


def test_a_create_during_a_frozen_redis_answers_202_within_the_bounded_timeout(outage_app, private_redis, api):
    client_id = _client_id(outage_app, api)
    answers = []
    private_redis.freeze()
    try:
        request = threading.Thread(target=lambda: answers.append(api.post("/api/v3/jobs", json=brief(client_id))))
        request.start()
        # Generous: the request's own bound is the 2 s socket timeout; only a hang would reach this.
        request.join(timeout=60)
        assert not request.is_alive(), "the create hung on the frozen Redis"
    finally:
        private_redis.thaw()
    job = assert_ok(answers[0], 202)
    assert job["status"] == "pending" and _statuses(outage_app, Job) == ["pending"]


def test_readyz_reports_a_dead_redis(outage_app, private_redis):
    client = outage_app.test_client()
    assert client.get("/readyz").get_json()["checks"]["redis"] == "ok"
    private_redis.kill()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["redis"] == "unavailable"


def test_readyz_reports_a_frozen_redis_without_hanging(outage_app, private_redis):
    client, answers = outage_app.test_client(), []
    private_redis.freeze()
    try:
        probe = threading.Thread(target=lambda: answers.append(client.get("/readyz")))
        probe.start()
        probe.join(timeout=60)
        assert not probe.is_alive(), "/readyz hung on the frozen Redis"
    finally:
        private_redis.thaw()
    assert answers[0].status_code == 503 and answers[0].get_json()["checks"]["redis"] == "unavailable"


def test_a_bulk_download_during_a_frozen_redis_answers_and_keeps_every_asset_pending(outage_app, private_redis, api):
    items = [{"type": "image", "url": f"http://127.0.0.1:9/{i}.png"} for i in range(20)]
    answers = []
    private_redis.freeze()
    try:
        request = threading.Thread(
            target=lambda: answers.append(api.post("/api/v3/assets/from-urls", json={"assets": items}))
        )
        request.start()
        request.join(timeout=60)  # one bounded wait for the whole request, not one per item
        assert not request.is_alive(), "the bulk create hung on the frozen Redis"
    finally:
        private_redis.thaw()
    assert assert_ok(answers[0])["summary"] == {"total": 20, "successful": 20, "failed": 0}
    assert _statuses(outage_app, Asset) == ["pending"] * 20
