"""A transactional outbox: a job's status change and the delivery that reports it commit together.

`stage_status_change` adds a delivery row to the caller's transaction. Its payload is taken just before
commit (so it shows the job as committed, exactly as GET /api/v3/jobs/{id} answers), the delivery is
enqueued only after the commit succeeds, and a rollback drops it with the change it reported. The three
session hooks that do this are installed once by `create_app` through `install`.
"""

from __future__ import annotations

import logging

from storyboard import queue
from storyboard.models import Job, User, WebhookDelivery, db, iso_z, new_id, utcnow
from storyboard.services.webhooks.settings import EVENT, ensure_secret
from storyboard.wire.jobs import job_json

log = logging.getLogger(__name__)

_STAGED = "storyboard_webhook_outbox"


def stage_status_change(job: Job, from_status: str | None) -> WebhookDelivery | None:
    """Add a delivery of the job's new status to the caller's transaction; None when no URL is set."""
    user = db.session.get(User, job.user_id)
    url = job.callback_url or (user.webhook_url if user else None)
    if not url:
        return None
    ensure_secret(user)
    delivery = WebhookDelivery(id=new_id(), job_id=job.id, url=url, event=EVENT, payload={})
    db.session.add(delivery)
    db.session.info.setdefault(_STAGED, []).append((delivery, job, from_status, iso_z(utcnow())))
    return delivery


def _fill_payloads(session) -> None:
    for delivery, job, from_status, occurred in session.info.get(_STAGED, []):
        delivery.payload = {"event": EVENT, "previousStatus": from_status, "occurredAt": occurred, "job": job_json(job)}


def _send(session) -> None:
    for delivery, *_ in session.info.pop(_STAGED, []):
        try:
            queue.start("webhook", delivery.id)
        except Exception:  # a notification must never fail the change it reports; the sweeper resends it
            log.exception("could not enqueue webhook delivery %s", delivery.id)


def _drop(session) -> None:
    session.info.pop(_STAGED, None)


def install(session) -> None:
    """Hook the outbox into the app's session (once, from create_app)."""
    from sqlalchemy import event

    for name, hook in (("before_commit", _fill_payloads), ("after_commit", _send), ("after_rollback", _drop)):
        if not event.contains(session, name, hook):
            event.listen(session, name, hook)
