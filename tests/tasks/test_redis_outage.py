"""Redis outages end to end, with a private redis-server that the tests kill or freeze and real RQ workers: the
API answers as usual, the workers outlive the outage, and once Redis is back every job and asset finishes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storyboard.models import Asset, Job, JobEvent, User, db, utcnow
from storyboard.services import maintenance
from tests.support import redis_server
from tests.support.envelope import assert_ok
from tests.support.factories import brief, make_client
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.slow]
private_redis, outage_app, start_outage_worker = (
    redis_server.private_redis,
    redis_server.outage_app,
    redis_server.start_outage_worker,
)


def _client_id(app, api) -> str:
    with app.app_context():
        return make_client(db.session.get(User, api.user.id)).id


def _status(api, path: str) -> str:
    return assert_ok(api.get(path))["status"]


def _await_status(api, path: str, status: str, timeout: float = 180) -> None:
    wait_for(lambda: _status(api, path) == status, timeout, interval=0.2, what=lambda: _status(api, path))


def _sweep_later(app) -> dict:
    """The sweep as a worker would run it once the grace period has passed (fast-forwarded, not waited for)."""
    with app.app_context():
        return maintenance.sweep(now=utcnow() + timedelta(seconds=app.config["SWEEP_GRACE_SECONDS"] + 1))


def _pending(app) -> tuple[int, int]:
    with app.app_context():
        jobs = db.session.scalar(select(func.count()).where(Job.status.in_(("pending", "storyboard_processing"))))
        return jobs, db.session.scalar(select(func.count()).where(Asset.status == "pending"))


def _storyboards_written(app, job_id: str) -> int:
    with app.app_context():
        query = select(func.count()).where(JobEvent.job_id == job_id, JobEvent.kind == "storyboard_generated")
        return db.session.scalar(query)


def _await_log(worker, text: str, timeout: float = 120) -> None:
    wait_for(lambda: text in worker.log(), timeout, interval=0.2, what=lambda: worker.log()[-2000:])


def test_work_created_while_redis_is_dead_finishes_once_it_is_back(
    outage_app, private_redis, start_outage_worker, api, media_server, media_files
):
    worker = start_outage_worker()
    client_id = _client_id(outage_app, api)
    hero = media_server.add("/hero.png", media_files.read("png"), content_type="image/png")
    lone = media_server.add("/lone.jpg", media_files.read("jpeg"), content_type="image/jpeg")
    with_asset = brief(client_id)
    with_asset["creative"]["assets"] = [{"url": hero, "role": "hero"}]

    private_redis.kill()
    answers = [
        api.post("/api/v3/jobs", json=brief(client_id), headers={"Prefer": "respond-async"}),
        api.post("/api/v3/jobs", json=with_asset),
        api.post("/api/v3/assets/from-url", json={"name": "lone", "type": "image", "url": lone}),
    ]
    assert [a.status_code for a in answers] == [202, 202, 202]
    (job_a, job_b, asset) = (assert_ok(a, 202) for a in answers)
    _await_log(worker, "worker lost Redis")

    private_redis.start()  # same port, empty: what Redis held before the kill is gone
    _await_log(worker, "Redis answers again")
    _sweep_later(outage_app)
    for job in (job_a, job_b):
        _await_status(api, f"/api/v3/jobs/{job['id']}", "storyboard_review")
        assert _storyboards_written(outage_app, job["id"]) == 1
    _await_status(api, f"/api/v3/assets/{asset['id']}", "ready")
    assert _pending(outage_app) == (0, 0)
    assert media_server.hits["/hero.png"] == media_server.hits["/lone.jpg"] == 1
    assert worker.proc.poll() is None


def test_a_create_during_a_frozen_redis_answers_and_its_storyboard_is_written_after(
    outage_app, private_redis, start_outage_worker, api
):
    worker = start_outage_worker()
    client_id = _client_id(outage_app, api)
    answers: list = []
    private_redis.freeze()
    try:
        request = threading.Thread(target=lambda: answers.append(api.post("/api/v3/jobs", json=brief(client_id))))
        request.start()
        request.join(timeout=120)  # generous: only a hang gets here
        assert not request.is_alive(), "POST /jobs hung on the frozen Redis"
    finally:
        private_redis.thaw()
    job = assert_ok(answers[0], 202)
    assert job["status"] == "pending"
    # The enqueue timed out, or reached Redis as it woke: either way the sweep leaves one run of it.
    _sweep_later(outage_app)
    _await_status(api, f"/api/v3/jobs/{job['id']}", "storyboard_review")
    assert _storyboards_written(outage_app, job["id"]) == 1
    assert _pending(outage_app) == (0, 0)
    assert worker.proc.poll() is None


def test_a_worker_outlives_a_redis_restart_and_takes_new_work_without_a_restart(
    outage_app, private_redis, start_outage_worker, api
):
    worker = start_outage_worker()
    client_id = _client_id(outage_app, api)
    first = assert_ok(api.post("/api/v3/jobs", json=brief(client_id), headers={"Prefer": "respond-async"}), 202)
    _await_status(api, f"/api/v3/jobs/{first['id']}", "storyboard_review")

    private_redis.kill()
    _await_log(worker, "worker lost Redis")
    assert worker.proc.poll() is None
    private_redis.start()
    _await_log(worker, "Redis answers again")

    later = assert_ok(api.post("/api/v3/jobs", json=brief(client_id), headers={"Prefer": "respond-async"}), 202)
    _await_status(api, f"/api/v3/jobs/{later['id']}", "storyboard_review")
    assert worker.proc.poll() is None
    log = worker.log()
    # The outage is logged once, not once per retry.
    assert log.count("worker lost Redis") == 1 and log.count("could not connect to Redis") <= 1, log
