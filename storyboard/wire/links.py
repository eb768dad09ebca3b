"""Signed media links: `<path>?exp=<unix seconds>&sig=<HMAC>` opens a binary route without credentials.

The signature is HMAC-SHA256 over the path, its owner's id and the expiry, keyed with a key derived from
SECRET_KEY (the login-token key itself signs nothing else). The expiry is rounded up to the next multiple of a
quarter of SIGNED_URL_TTL_SECONDS, so a medium keeps the same link for a quarter of the TTL (a list dumps the
same bytes, a browser reuses its cached copy) and every link lives between the TTL and 1.25 times it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import marshmallow as ma
from flask import current_app, has_app_context

DEFAULT_TTL_SECONDS = 3600
_CONTEXT = b"storyboard signed media links v1"
# The binary routes a link may open: an asset's bytes and thumbnail, a job's video and poster frame.
_MEDIA = re.compile(r"/api/v3/(assets)/([^/]+)/(?:data|thumbnail)|/api/v3/(jobs)/([^/]+)/video(?:/thumbnail)?")
_EXPIRY = re.compile(r"[0-9]{1,12}")


def signed(path: str, owner_id: str | None) -> str | None:
    """`path` signed for its owner, valid for at least the TTL; None outside an app (no key) or without an owner."""
    if owner_id is None or not has_app_context():
        return None
    config = current_app.config
    ttl = config.get("SIGNED_URL_TTL_SECONDS", DEFAULT_TTL_SECONDS)
    return _link(config["SECRET_KEY"], path, owner_id, expiry(time.time(), ttl))


def link_field(signed_url: Callable[[Any], str | None]) -> ma.fields.Function:
    """The schema field of a signed link (`signed_url` is what the hand-written dump calls too)."""
    doc = {"type": "string", "description": "The URL with ?exp=&sig=: opens without credentials until exp"}
    return ma.fields.Function(signed_url, allow_none=True, metadata=doc)


def expiry(now: float, ttl: int) -> int:
    """The first multiple of ttl/4 at or after now + ttl (whole seconds)."""
    step = int(ttl) // 4 or 1
    return -(-(int(now) + int(ttl)) // step) * step


def signature(secret: str, path: str, owner_id: str, exp: int) -> str:
    digest = hmac.digest(_key(secret), f"{path}\n{owner_id}\n{exp}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def valid(secret: str, path: str, owner_id: str, exp: int, sig: str) -> bool:
    """Whether `sig` signs this path, owner and expiry (compared in constant time)."""
    expected = signature(secret, path, owner_id, exp).encode()
    return hmac.compare_digest(expected, sig.encode("utf-8", "surrogatepass"))


def parse_expiry(text: str | None) -> int | None:
    """The `exp` parameter as an int, None when it is not a plain number of seconds."""
    return int(text) if text and _EXPIRY.fullmatch(text) else None


def media_of(path: str) -> tuple[str, str] | None:
    """("assets" or "jobs", id) of a path a link may open, else None."""
    match = _MEDIA.fullmatch(path)
    if match is None:
        return None
    kind, ident, job_kind, job_ident = match.groups()
    return (kind, ident) if kind else (job_kind, job_ident)


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return hmac.digest(secret.encode(), _CONTEXT, hashlib.sha256)


# A list of the same media asks for the same links until the expiry moves on: they are kept, not signed again.
@lru_cache(maxsize=4096)
def _link(secret: str, path: str, owner_id: str, exp: int) -> str:
    return f"{path}?exp={exp}&sig={signature(secret, path, owner_id, exp)}"
