"""Retrying a failed job through the service: a retried job is fresh work to the sweeper (its lost runs and its
waiting time count from the retry), and a render the sweeper gave up on renders to the end once retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from storyboard import queue
from storyboard.models import Job, JobEvent, User, db, utcnow
from storyboard.queue import drain_local
from storyboard.services import actions, maintenance
from tests.support import redis_server
from tests.support.factories import make_client, make_job, make_user
from tests.support.render_jobs import make_render_job, reload_job

private_redis, outage_app = redis_server.private_redis, redis_server.outage_app


@pytest.fixture
def owner(ctx):
    user, _key = make_user("retrier")
    return user


def _card() -> dict:
    return dict(duration=0.6, description="Title card", script="", shot_type="wide", transition="cut", assets=[])


def _age(job_id: str, **delta) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow() - timedelta(**delta)))
    db.session.commit()


def _lost_too_often(job_id: str, kind: str) -> None:
    for _ in range(maintenance.MAX_REQUEUES):
        db.session.add(JobEvent(job_id=job_id, kind=kind, actor="system"))
    db.session.commit()


def _retry(owner: User, job_id: str) -> dict:
    return actions.perform(db.session.get(User, owner.id), job_id, "retry", {})


def _count(job_id: str, kind: str) -> int:
    return db.session.scalar(select(func.count()).where(JobEvent.job_id == job_id, JobEvent.kind == kind))


@pytest.mark.slow
def test_a_render_the_sweeper_gave_up_on_completes_once_retried(owner, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path))
    job = make_render_job(
        owner, make_client(owner), [_card()], status="rendering", resolution="480p", approved_at=utcnow()
    )
    _lost_too_often(job.id, "render_requeued")
    _age(job.id, minutes=30)
    assert maintenance.sweep_stale_renders()["failed"] == 1
    failed = reload_job(job.id)
    assert failed.status == "failed" and failed.error_detail["retryable"] is True
    assert "action retry" in failed.error_detail["hint"]

    # The render starts at once in this process: no transaction of the test may hold SQLite's write lock.
    assert _retry(owner, job.id)["message"] == "Job retried: video rendering started again"
    drain_local()
    job = reload_job(job.id)
    assert job.status == "completed" and job.video_blob_id and job.error is None and job.error_detail is None
    history = db.session.execute(
        select(JobEvent.kind, JobEvent.from_status, JobEvent.to_status)
        .where(JobEvent.job_id == job.id)
        .order_by(JobEvent.id)
    ).all()
    assert [tuple(r) for r in history if r[0] in ("status_changed", "job_retried")][-5:] == [
        ("status_changed", "rendering", "failed"),
        ("job_retried", None, None),
        ("status_changed", "failed", "in_progress"),
        ("status_changed", "in_progress", "rendering"),
        ("status_changed", "rendering", "completed"),
    ]


@pytest.fixture
def sweeping(outage_app):
    with outage_app.app_context():
        yield outage_app


def _later(app, seconds: float = 1):
    return utcnow() + timedelta(seconds=app.config["SWEEP_GRACE_SECONDS"] + seconds)


@pytest.mark.redis
def test_a_retried_render_lost_again_is_queued_again_not_failed(sweeping, private_redis):
    owner, _ = make_user()
    job = make_render_job(owner, make_client(owner), [_card()], status="failed", approved_at=utcnow())
    _lost_too_often(job.id, "render_requeued")  # before it failed, its worker died twice
    _retry(owner, job.id)
    queue.redis_connection(sweeping).flushall()  # and the retried render was lost too
    assert maintenance.sweep(now=_later(sweeping))["renders"] == {"requeued": 1, "failed": 0, "live": 0}
    assert reload_job(job.id).status == "in_progress" and _count(job.id, "render_requeued") == 3
    assert queue.state("render", job.id) == "queued"


@pytest.mark.redis
def test_a_retried_storyboard_counts_its_wait_from_the_retry(sweeping, private_redis):
    owner, _ = make_user()
    limit = sweeping.config["QUEUED_WORK_MAX_AGE_SECONDS"]
    created = utcnow() - timedelta(seconds=limit + 3600)  # created long ago, failed, retried now
    job = make_job(owner, make_client(owner), status="failed", error="Failed to generate scenes: x", created_at=created)
    assert _retry(owner, job.id)["job"].status == "pending"
    queue.redis_connection(sweeping).flushall()
    assert maintenance.sweep(now=_later(sweeping))["storyboards"] == {"requeued": 1, "failed": 0, "live": 0}
    assert reload_job(job.id).status == "pending" and queue.state("storyboard", job.id) == "queued"
    # The limit still holds, counted from the retry.
    assert maintenance.sweep(now=utcnow() + timedelta(seconds=limit + 1))["storyboards"]["live"] == 1
    queue.redis_connection(sweeping).flushall()
    assert maintenance.sweep(now=utcnow() + timedelta(seconds=limit + 1))["storyboards"]["failed"] == 1
    assert reload_job(job.id).status == "failed"
