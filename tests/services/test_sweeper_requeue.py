"""The sweeper on a real (private) Redis: work without a live queue job is queued again, once; live work is left
alone; work lost too often or waiting too long fails; a Redis that does not answer changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from storyboard import queue
from storyboard.models import Asset, Job, JobEvent, db, utcnow
from storyboard.services import maintenance
from tests.support import redis_server
from tests.support.factories import make_client, make_job, make_user

pytestmark = pytest.mark.redis
private_redis, outage_app = redis_server.private_redis, redis_server.outage_app


@pytest.fixture
def sweeping(outage_app):
    with outage_app.app_context():
        yield outage_app


def _later(app, seconds: float = 1) -> object:
    """A moment just past the grace period: the sweep as it would run that much later, without waiting."""
    return utcnow() + timedelta(seconds=app.config["SWEEP_GRACE_SECONDS"] + seconds)


def _queued_ids(app, kind: str) -> list[str]:
    """Job ids waiting in the RQ queue of `kind`, in order."""
    conn = queue.redis_connection(app)
    key = f"rq:queue:{queue.queue_name(app, queue.WORK[kind].queue)}"
    return [raw.decode() for raw in conn.lrange(key, 0, -1)]


def _jobs(*statuses: str) -> list[Job]:
    owner, _ = make_user()
    client = make_client(owner)
    return [make_job(owner, client, status=status) for status in statuses]


def test_a_pending_storyboard_whose_queue_job_is_gone_is_queued_again_and_a_live_one_left_alone(
    sweeping, private_redis
):
    lost, live = _jobs("pending", "pending")
    assert queue.start("storyboard", lost.id)
    queue.redis_connection(sweeping).flushall()  # Redis lost what it held (a restart without persistence)
    assert queue.start("storyboard", live.id)
    assert maintenance.sweep(now=_later(sweeping))["storyboards"] == {"requeued": 1, "failed": 0, "live": 1}
    assert queue.state("storyboard", lost.id) == queue.state("storyboard", live.id) == "queued"
    ids = _queued_ids(sweeping, "storyboard")
    assert sorted(ids) == sorted(queue.WORK["storyboard"].job_id(j.id) for j in (lost, live))
    # A second sweep finds both alive: nothing is queued twice.
    assert maintenance.sweep(now=_later(sweeping, 120))["storyboards"] == {"requeued": 0, "failed": 0, "live": 2}
    assert len(_queued_ids(sweeping, "storyboard")) == 2


def test_a_job_created_within_the_grace_period_is_left_to_its_own_enqueue(sweeping, private_redis):
    (job,) = _jobs("pending")
    assert maintenance.sweep()["storyboards"] == {"requeued": 0, "failed": 0, "live": 0}
    assert queue.state("storyboard", job.id) is None and _queued_ids(sweeping, "storyboard") == []


def test_work_queued_again_over_a_finished_rq_job_replaces_it_and_does_not_expire(sweeping, private_redis):
    from rq.job import Job as RQJob
    from rq.job import JobStatus

    (job,) = _jobs("pending")
    assert queue.start("storyboard", job.id)
    conn, job_id = queue.redis_connection(sweeping), queue.WORK["storyboard"].job_id(job.id)
    finished = RQJob.fetch(job_id, connection=conn)
    finished.set_status(JobStatus.FINISHED)
    conn.lrem(f"rq:queue:{finished.origin}", 0, job_id)
    conn.expire(finished.key, 300)  # what RQ gives a finished job (our result_ttl)
    assert maintenance.sweep(now=_later(sweeping))["storyboards"]["requeued"] == 1
    assert queue.state("storyboard", job.id) == "queued"
    assert conn.ttl(finished.key) == -1  # the new job lives until it runs, not 300 s
    assert _queued_ids(sweeping, "storyboard") == [job_id]


def test_a_claimed_storyboard_lost_too_often_fails(sweeping, private_redis):
    (job,) = _jobs("storyboard_processing")
    for _ in range(maintenance.MAX_REQUEUES):
        db.session.add(JobEvent(job_id=job.id, kind="storyboard_requeued", actor="system"))
    db.session.commit()
    assert maintenance.sweep(now=_later(sweeping))["storyboards"] == {"requeued": 0, "failed": 1, "live": 0}
    db.session.expire_all()
    assert job.status == "failed" and "storyboard worker stopped" in job.error
    assert job.error_detail["stage"] == "storyboard" and job.error_detail["retryable"] is True


def test_a_claimed_storyboard_lost_once_is_queued_again_and_counted(sweeping, private_redis):
    (job,) = _jobs("storyboard_processing")
    assert maintenance.sweep(now=_later(sweeping))["storyboards"]["requeued"] == 1
    kinds = db.session.scalars(select(JobEvent.kind).where(JobEvent.job_id == job.id)).all()
    assert kinds.count("storyboard_requeued") == 1


def test_a_job_that_waited_longer_than_the_limit_fails(sweeping, private_redis):
    (job,) = _jobs("pending")
    later = utcnow() + timedelta(seconds=sweeping.config["QUEUED_WORK_MAX_AGE_SECONDS"] + 1)
    assert maintenance.sweep(now=later)["storyboards"]["failed"] == 1
    db.session.expire_all()
    assert job.status == "failed" and "waited too long" in job.error
    assert _queued_ids(sweeping, "storyboard") == []


def _pending_asset(owner, **data) -> Asset:
    asset = Asset(user_id=owner.id, name="a", type="image", status="pending", source_url="http://x.test/a.png", **data)
    db.session.add(asset)
    db.session.commit()
    return asset


def test_pending_downloads_are_queued_again_but_a_waiting_jobs_own_assets_are_left_to_its_storyboard(
    sweeping, private_redis
):
    owner, _ = make_user()
    lone, owned = _pending_asset(owner), _pending_asset(owner)
    make_job(owner, make_client(owner), status="pending", asset_ids=[owned.id])
    swept = maintenance.sweep(now=_later(sweeping))
    assert swept["assets"] == {"requeued": 1, "failed": 0, "live": 0}
    assert queue.state("ingest", lone.id) == "queued" and queue.state("ingest", owned.id) is None


def test_a_download_rq_gave_up_on_fails_instead_of_running_again(sweeping, private_redis):
    from rq.job import Job as RQJob
    from rq.job import JobStatus

    owner, _ = make_user()
    asset = _pending_asset(owner)
    assert queue.start("ingest", asset.id)
    RQJob.fetch(queue.WORK["ingest"].job_id(asset.id), connection=queue.redis_connection(sweeping)).set_status(
        JobStatus.FAILED
    )
    assert maintenance.sweep(now=_later(sweeping))["assets"] == {"requeued": 0, "failed": 1, "live": 0}
    db.session.expire_all()
    assert asset.status == "failed" and "interrupted" in asset.error


def test_a_render_approved_while_redis_was_down_is_queued_after_the_grace_period(sweeping, private_redis):
    (job,) = _jobs("in_progress")
    assert maintenance.sweep()["renders"]["requeued"] == 0
    assert maintenance.sweep(now=_later(sweeping))["renders"] == {"requeued": 1, "failed": 0, "live": 0}
    assert queue.state("render", job.id) == "queued"


def test_an_owed_webhook_delivery_is_sent_again_once(sweeping, private_redis):
    from storyboard.models import WebhookDelivery

    (job,) = _jobs("storyboard_review")
    delivery = WebhookDelivery(job_id=job.id, url="http://x.test/hook", event="job.status_changed", payload={})
    db.session.add(delivery)
    db.session.commit()
    assert maintenance.sweep(now=_later(sweeping))["webhooks"] == 1
    assert queue.state("webhook", delivery.id) == "queued"
    assert maintenance.sweep(now=_later(sweeping, 120))["webhooks"] == 0


def test_a_sweep_while_redis_is_down_raises_and_changes_nothing(sweeping, private_redis):
    jobs = _jobs("pending", "storyboard_processing", "in_progress")
    private_redis.kill()
    with pytest.raises(RedisConnectionError):
        maintenance.sweep(now=_later(sweeping))
    db.session.rollback()
    assert [db.session.get(Job, j.id).status for j in jobs] == ["pending", "storyboard_processing", "in_progress"]
    assert db.session.scalars(select(JobEvent.kind).where(JobEvent.kind.like("%requeued"))).all() == []
