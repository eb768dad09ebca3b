"""Idempotency-Key support for create routes: a repeated key returns the first result."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from storyboard import errors
from storyboard.models import IdempotencyKey, User, db


def request_hash(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def lookup(owner: User, scope: str, key: str | None, payload) -> str | None:
    """The resource id created earlier with this key, or None; 409 when the key came with another body."""
    if not key:
        return None
    row = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == owner.id, IdempotencyKey.scope == scope, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != request_hash(payload):
        raise errors.Conflict("Idempotency-Key was already used with a different request")
    return row.resource_id


def remember(owner: User, scope: str, key: str | None, payload, resource_id: str) -> None:
    """Record the key in the caller's transaction; a concurrent twin fails on the unique constraint."""
    if key:
        db.session.add(
            IdempotencyKey(
                user_id=owner.id,
                scope=scope,
                key=key[:200],
                request_hash=request_hash(payload),
                resource_id=resource_id,
            )
        )
