"""HTTP request headers that shape how a create waits: Prefer and Idempotency-Key."""

from __future__ import annotations

import re

from flask import current_app, request

MAX_WAIT_SECONDS = 120.0


def wait_seconds() -> float:
    """`Prefer: respond-async` → 0; `Prefer: wait=N` → N (capped); else REQUEST_WAIT_SECONDS."""
    prefer = request.headers.get("Prefer", "").lower()
    if "respond-async" in prefer:
        return 0.0
    match = re.search(r"wait\s*=\s*(\d+(?:\.\d+)?)", prefer)
    if match:
        return min(float(match.group(1)), MAX_WAIT_SECONDS)
    return float(current_app.config.get("REQUEST_WAIT_SECONDS", 30.0))


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    return key[:200] or None


def created_status(finished: bool) -> int:
    """201 when the resource is complete, 202 while background work goes on."""
    return 201 if finished else 202
