"""Signed job status webhooks: the user's default URL, one delivery row per change, retried with backoff.

Every status change of a job is POSTed to the job's `callbackUrl` (or the user's default URL) as
`{"event": "job.status_changed", "previousStatus": ..., "occurredAt": ..., "job": {...}}`, signed as
`signing.py` describes. Modules: `settings` (the default URL and secret), `outbox` (staging a delivery in
the transaction of the change), `delivery` (one attempt, backoff, resending lost ones), `signing`.

The layer above may call: get_webhook, set_webhook, delete_webhook, validate_callback_url, deliver,
stage_status_change, install, resend_lost, verify_signature.
"""

from storyboard.services.webhooks.delivery import deliver, resend_lost
from storyboard.services.webhooks.outbox import install, stage_status_change
from storyboard.services.webhooks.settings import EVENT, delete_webhook, get_webhook, set_webhook, validate_callback_url
from storyboard.services.webhooks.signing import SIGNATURE_HEADER, signature_header, verify_signature

__all__ = [
    "EVENT",
    "SIGNATURE_HEADER",
    "delete_webhook",
    "deliver",
    "get_webhook",
    "install",
    "resend_lost",
    "set_webhook",
    "signature_header",
    "stage_status_change",
    "validate_callback_url",
    "verify_signature",
]
