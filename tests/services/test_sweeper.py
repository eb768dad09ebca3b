"""The sweeper in process mode settles work that lost its worker: interrupted downloads, webhook deliveries never
sent (tests/services/test_sweeper_requeue.py has the sweeper on Redis)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storyboard.models import Asset, WebhookDelivery, db, utcnow
from storyboard.services import maintenance
from tests.support.factories import make_client, make_job, make_user


def test_an_old_pending_download_without_a_queue_job_is_failed(ctx):
    owner, _ = make_user()
    old = Asset(
        user_id=owner.id,
        name="lost",
        type="image",
        status="pending",
        source_url="http://x.test/a.png",
        updated_at=utcnow() - timedelta(hours=1),
    )
    fresh = Asset(user_id=owner.id, name="new", type="image", status="pending", source_url="http://x.test/b.png")
    db.session.add_all([old, fresh])
    db.session.commit()
    # In process mode nothing says whether a download still runs: one long past its deadline is lost.
    assert maintenance.sweep()["assets"] == {"requeued": 0, "failed": 1, "live": 0}
    db.session.expire_all()
    assert (old.status, fresh.status) == ("failed", "pending")
    assert old.error == "Failed to download asset: the download was interrupted"


def test_an_old_undelivered_webhook_is_sent_again(ctx):
    from storyboard.queue import drain_local
    from tests.support.webhook_receiver import Receiver

    receiver = Receiver().start()
    try:
        owner, _ = make_user()
        job = make_job(owner, make_client(owner))
        payload = {"event": "job.status_changed", "job": {"id": job.id}}
        db.session.add(
            WebhookDelivery(
                job_id=job.id,
                url=receiver.url,
                event="job.status_changed",
                payload=payload,
                created_at=utcnow() - timedelta(hours=1),
            )
        )
        db.session.commit()
        assert maintenance.sweep()["webhooks"] == 1
        drain_local()
        assert [r.payload for r in receiver.received] == [payload]
        assert db.session.scalar(select(WebhookDelivery.status)) == "delivered"
    finally:
        receiver.stop()
