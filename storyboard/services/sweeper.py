"""Finds work that lost its worker (a killed process, a flushed queue) and settles it, so no row waits forever."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from storyboard import errors, queue
from storyboard.models import Asset, db, utcnow
from storyboard.services import asset_urls, render_sweeper, webhooks

log = logging.getLogger(__name__)
GRACE_SECONDS = 300


def stale_pending_assets() -> list[str]:
    """Pending assets older than a download's deadline plus a grace period whose queue job is gone."""
    age = current_app.config["ASSET_DOWNLOAD_TIMEOUT_SECONDS"] + GRACE_SECONDS
    cutoff = utcnow() - timedelta(seconds=age)
    ids = db.session.scalars(select(Asset.id).where(Asset.status == "pending", Asset.updated_at < cutoff)).all()
    return [i for i in ids if queue.job_state(f"ingest-{i}") not in queue.LIVE_STATES]


def sweep() -> dict[str, int]:
    """Settle work nobody will finish (downloads, renders, webhook deliveries); returns what it did."""
    lost = stale_pending_assets()
    for asset_id in lost:
        asset_urls.mark_failed(
            asset_id, errors.UpstreamFailed(asset_urls.DOWNLOAD_PREFIX + "the download was interrupted")
        )
    if lost:
        log.warning("sweeper: %d interrupted downloads marked failed", len(lost))
    return {"assets": len(lost), **render_sweeper.sweep_stale_renders(), "webhooks": webhooks.resend_lost()}
