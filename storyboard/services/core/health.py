"""Readiness checks of the service's dependencies."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from storyboard import queue
from storyboard.models import db
from storyboard.services.core.transactions import abandon
from storyboard.storage import get_store

log = logging.getLogger(__name__)


def readiness(redis_url: str | None) -> dict[str, str]:
    """Each dependency's state: "ok", "unavailable", or for the blob store also "nearly full" (less free space
    than two of the largest downloads: reads still work, large writes would answer 507)."""
    checks = {"database": _check(lambda: db.session.execute(text("SELECT 1")))}
    min_free = 2 * current_app.config["MAX_ASSET_DOWNLOAD_SIZE_MB"] * 1024 * 1024
    checks["blob_store"] = get_store().check(min_free)
    if redis_url:
        # The app's client: its calls end within REDIS_SOCKET_TIMEOUT_SECONDS, a dead or frozen Redis included.
        checks["redis"] = _check(queue.ping)
    return checks


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception:  # any failure means "not ready"; the reason goes to the log only
        log.warning("readiness check failed", exc_info=True)
        abandon()
        return "unavailable"
