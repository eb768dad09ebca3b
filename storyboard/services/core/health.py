"""Readiness checks of the service's dependencies."""

from __future__ import annotations

import logging

from sqlalchemy import text

from storyboard.models import db
from storyboard.services.core.transactions import abandon

log = logging.getLogger(__name__)


def readiness(redis_url: str | None) -> dict[str, str]:
    checks = {"database": _check(lambda: db.session.execute(text("SELECT 1")))}
    if redis_url:
        from redis import Redis

        checks["redis"] = _check(lambda: Redis.from_url(redis_url, socket_timeout=2).ping())
    return checks


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception:  # any failure means "not ready"; the reason goes to the log only
        log.warning("readiness check failed", exc_info=True)
        abandon()
        return "unavailable"
