"""Webhook signatures: `X-Storyboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.

A receiver verifies with `verify_signature(secret, header, raw_body)`: recompute the HMAC over the exact
bytes received, compare in constant time, and refuse a timestamp more than 5 minutes away (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Storyboard-Signature"
TOLERANCE_SECONDS = 300


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
