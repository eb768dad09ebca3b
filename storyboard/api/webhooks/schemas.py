"""Webhook JSON shapes: the user's default callback URL and its signing secret."""

from __future__ import annotations

import marshmallow as ma

from storyboard.api.base import Schema
from storyboard.api.fields import http_url


class WebhookSchema(Schema):
    url = ma.fields.String(allow_none=True)
    secret = ma.fields.String(
        allow_none=True,
        metadata={"description": "HMAC-SHA256 key: X-Storyboard-Signature is t=<unix>,v1=hex(HMAC(secret, t.body))"},
    )
    event = ma.fields.String()


class WebhookUpdateSchema(Schema):
    url = http_url(required=True)
    rotateSecret = ma.fields.Boolean(attribute="rotate_secret", load_default=False)
