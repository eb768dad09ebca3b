"""Delivering a staged webhook: one signed POST per attempt, retried with backoff, resent when its queue job is lost.

A delivery row says what is owed; its queue job is only the messenger. When Redis does not take an attempt
(`queue.start` returns False), the row stays pending or retrying and `resend_lost` (the sweeper) sends it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from storyboard import errors, queue
from storyboard.integrations import webhook as http_hook
from storyboard.models import Job, User, WebhookDelivery, db, utcnow
from storyboard.services.core.transactions import abandon, end_read
from storyboard.services.webhooks.settings import ensure_secret, policy
from storyboard.services.webhooks.signing import SIGNATURE_HEADER, encode, signature_header

log = logging.getLogger(__name__)

# Seconds before attempt 2, 3, ...; the first attempt runs at once.
DEFAULT_RETRY_DELAYS = (10, 60, 300, 1800)


def _retry_delays() -> tuple[float, ...]:
    return tuple(current_app.config.get("WEBHOOK_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS)


def deliver(delivery_id: str) -> None:
    """One attempt of a delivery; after a failure the next attempt is enqueued with backoff."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status in ("delivered", "failed"):
        abandon()
        return
    user = db.session.get(User, db.session.get(Job, delivery.job_id).user_id)
    secret, url, event, body = ensure_secret(user), delivery.url, delivery.event, encode(delivery.payload)
    # Commit (the secret may be new) so no transaction stays open during the network call.
    db.session.commit()
    headers = {SIGNATURE_HEADER: signature_header(secret, body), "X-Storyboard-Event": event}
    headers["X-Storyboard-Delivery"] = delivery_id
    code, error, permanent = _attempt(url, body, headers)
    _record(delivery_id, code, error, permanent)


def _attempt(url: str, body: bytes, headers: dict) -> tuple[int | None, str | None, bool]:
    """(HTTP status, error text, permanent?) of one POST."""
    try:
        code = http_hook.post_json(url, body, headers, policy())
    except errors.Unprocessable as exc:
        return None, exc.message, True
    except errors.StoryboardError as exc:
        return None, exc.message, False
    return code, (None if 200 <= code < 300 else f"Receiver answered HTTP {code}"), False


def _record(delivery_id: str, code: int | None, error: str | None, permanent: bool) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = code, error
    delays = _retry_delays()
    if error is None:
        delivery.status, delivery.delivered_at = "delivered", utcnow()
    elif permanent or delivery.attempts > len(delays):
        delivery.status = "failed"
    else:
        delivery.status = "retrying"
    attempts, status = delivery.attempts, delivery.status
    db.session.commit()
    if status == "retrying":
        log.info("webhook delivery %s attempt %s failed (%s); retrying", delivery_id, attempts, error)
        queue.start("webhook", delivery_id, attempt=attempts + 1, delay=delays[attempts - 1])


def resend_lost(*, now: datetime | None = None, grace: float = 300, max_age: float | None = None) -> int:
    """Enqueue again deliveries still owed, older than `grace` s, whose queue job is gone (e.g. Redis was down
    at commit); those older than `max_age` s are given up as failed. Returns how many were resent."""
    now = now or utcnow()
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.created_at).where(
            WebhookDelivery.status.in_(("pending", "retrying")),
            WebhookDelivery.created_at < now - timedelta(seconds=grace),
        )
    ).all()
    end_read()
    lost = [(i, n, at) for i, n, at in rows if not queue.is_alive("webhook", i, attempt=n + 1)]
    too_old = {i for i, _n, at in lost if max_age is not None and at < now - timedelta(seconds=max_age)}
    if too_old:
        _give_up(too_old)
    for delivery_id, attempts, _at in lost:
        if delivery_id not in too_old:
            queue.start("webhook", delivery_id, attempt=attempts + 1)
    return len(lost) - len(too_old)


def _give_up(delivery_ids: set[str]) -> None:
    for delivery in db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(delivery_ids))):
        if delivery.status in ("pending", "retrying"):
            delivery.status, delivery.last_error = "failed", "Not sent: the queue was unavailable for too long"
    db.session.commit()
    log.warning("webhook deliveries given up after waiting too long for the queue: %d", len(delivery_ids))
