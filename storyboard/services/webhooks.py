"""Signed job status webhooks: the user's default URL, one delivery row per change, retried with backoff.

Every status change of a job is POSTed to the job's `callbackUrl` (or the user's default URL) as
`{"event": "job.status_changed", "previousStatus": ..., "occurredAt": ..., "job": {...}}`, with the header
`X-Storyboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the user's secret>`.
A receiver verifies with `verify_signature(secret, header, raw_body)`: recompute the HMAC over the exact
bytes received, compare in constant time, and refuse a timestamp more than 5 minutes away (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Mapping

from flask import current_app

from storyboard import errors, queue
from storyboard.integrations import webhook as http_hook
from storyboard.integrations.fetch import Fetcher, FetchPolicy
from storyboard.models import Job, User, WebhookDelivery, db, iso_z, new_id, utcnow

log = logging.getLogger(__name__)

EVENT = "job.status_changed"
SIGNATURE_HEADER = "X-Storyboard-Signature"
TOLERANCE_SECONDS = 300
# Seconds before attempt 2, 3, ...; the first attempt runs at once.
DEFAULT_RETRY_DELAYS = (10, 60, 300, 1800)
DELIVER_TASK = "storyboard.tasks.webhooks.deliver"
# The app registers how a job is shown (the API's JobSchema) under this key, so a webhook carries exactly the
# JSON that GET /api/v3/jobs/{id} answers without services importing the HTTP layer.
JOB_JSON = "storyboard_job_json"


def _policy() -> FetchPolicy:
    config = current_app.config
    return FetchPolicy(
        max_bytes=0,
        deadline_seconds=10,
        allowed_ports=tuple(config.get("ASSET_ALLOWED_PORTS") or (80, 443)),
        allow_private=bool(config.get("ASSET_FETCH_ALLOW_PRIVATE")),
    )


def validate_callback_url(url: str) -> None:
    """The asset-download URL policy, without network: raises Unprocessable("Callback URL not allowed")."""
    try:
        Fetcher(_policy()).check_url(url)
    except errors.Unprocessable:
        raise errors.Unprocessable("Callback URL not allowed") from None


# --- the user's default webhook ------------------------------------------------------------------


def _ensure_secret(user: User, rotate: bool = False) -> str:
    if rotate or not user.webhook_secret:
        user.webhook_secret = "whsec_" + secrets.token_urlsafe(32)
    return user.webhook_secret


def get_webhook(owner: User) -> dict:
    return {"url": owner.webhook_url, "secret": owner.webhook_secret, "event": EVENT}


def set_webhook(owner: User, url: str, *, rotate_secret: bool = False) -> dict:
    """Register the default callback URL (checked like a download URL); creates the signing secret; commits."""
    validate_callback_url(url)
    user = db.session.get(User, owner.id)
    user.webhook_url = url
    _ensure_secret(user, rotate_secret)
    db.session.commit()
    return get_webhook(user)


def delete_webhook(owner: User) -> dict:
    """Forget the default URL; the secret stays, since job callbackUrls are signed with it too; commits."""
    user = db.session.get(User, owner.id)
    user.webhook_url = None
    db.session.commit()
    return get_webhook(user)


# --- signing -------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within 5 minutes of `now`."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    if not parts.get("t", "").isdigit() or "v1" not in parts:
        return False
    timestamp = int(parts["t"])
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), parts["v1"])


def encode(payload: Mapping) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


# --- deliveries ----------------------------------------------------------------------------------


OUTBOX = "storyboard_webhook_outbox"


def stage_status_change(job: Job, from_status: str | None) -> WebhookDelivery | None:
    """Add a delivery of the job's new status to the caller's transaction (a transactional outbox).

    The payload is taken just before commit, so it shows the job as committed; the delivery is enqueued
    only after the commit succeeds, and a rollback drops it with the change it reported.
    """
    user = db.session.get(User, job.user_id)
    url = job.callback_url or (user.webhook_url if user else None)
    if not url:
        return None
    _ensure_secret(user)
    delivery = WebhookDelivery(id=new_id(), job_id=job.id, url=url, event=EVENT, payload={})
    db.session.add(delivery)
    db.session.info.setdefault(OUTBOX, []).append((delivery, job, from_status, iso_z(utcnow())))
    return delivery


def _fill_payloads(session) -> None:
    for delivery, job, from_status, occurred in session.info.get(OUTBOX, []):
        delivery.payload = {
            "event": EVENT,
            "previousStatus": from_status,
            "occurredAt": occurred,
            "job": current_app.extensions[JOB_JSON](job),
        }


def _send_outbox(session) -> None:
    for delivery, *_ in session.info.pop(OUTBOX, []):
        try:
            queue.enqueue(DELIVER_TASK, delivery.id, queue="webhooks", job_id=f"webhook-{delivery.id}-1", retry=False)
        except Exception:  # a notification must never fail the change it reports; the sweeper resends it
            log.exception("could not enqueue webhook delivery %s", delivery.id)


def _drop_outbox(session) -> None:
    session.info.pop(OUTBOX, None)


def install(session) -> None:
    """Hook the outbox into the app's session (once, from create_app)."""
    from sqlalchemy import event

    for name, hook in (
        ("before_commit", _fill_payloads),
        ("after_commit", _send_outbox),
        ("after_rollback", _drop_outbox),
    ):
        if not event.contains(session, name, hook):
            event.listen(session, name, hook)


def _retry_delays() -> tuple[float, ...]:
    return tuple(current_app.config.get("WEBHOOK_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS)


def deliver(delivery_id: str) -> None:
    """One attempt of a delivery; after a failure the next attempt is enqueued with backoff."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status in ("delivered", "failed"):
        db.session.rollback()
        return
    user = db.session.get(User, db.session.get(Job, delivery.job_id).user_id)
    secret, url, event, body = _ensure_secret(user), delivery.url, delivery.event, encode(delivery.payload)
    # Commit (the secret may be new) so no transaction stays open during the network call.
    db.session.commit()
    headers = {SIGNATURE_HEADER: signature_header(secret, body), "X-Storyboard-Event": event}
    headers["X-Storyboard-Delivery"] = delivery_id
    code, error, permanent = _attempt(url, body, headers)
    _record(delivery_id, code, error, permanent)


def _attempt(url: str, body: bytes, headers: dict) -> tuple[int | None, str | None, bool]:
    """(HTTP status, error text, permanent?) of one POST."""
    try:
        code = http_hook.post_json(url, body, headers, _policy())
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
        rq_id, delay = f"webhook-{delivery_id}-{attempts + 1}", delays[attempts - 1]
        queue.enqueue(DELIVER_TASK, delivery_id, queue="webhooks", job_id=rq_id, retry=False, delay=delay)


def resend_lost(min_age_seconds: float = 300) -> int:
    """Enqueue again deliveries still owed whose queue job is gone (e.g. Redis was down at commit)."""
    from datetime import timedelta

    from sqlalchemy import select

    cutoff = utcnow() - timedelta(seconds=min_age_seconds)
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts).where(
            WebhookDelivery.status.in_(("pending", "retrying")), WebhookDelivery.created_at < cutoff
        )
    ).all()
    db.session.rollback()
    lost = [(i, n) for i, n in rows if queue.job_state(f"webhook-{i}-{n + 1}") not in queue.LIVE_STATES]
    for delivery_id, attempts in lost:
        queue.enqueue(
            DELIVER_TASK, delivery_id, queue="webhooks", job_id=f"webhook-{delivery_id}-{attempts + 1}", retry=False
        )
    return len(lost)
