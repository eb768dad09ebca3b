"""The sweeper: finds work that lost its worker (a killed process, a flushed queue) and settles it, so no row
waits forever. Downloads are failed, renders requeued (at most twice) then failed, webhook deliveries resent.

Whether work is alive is asked of the queue with the same table that started it (`queue.WORK`).
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from storyboard import errors, queue
from storyboard.models import RENDERABLE, Asset, Job, JobEvent, db, utcnow
from storyboard.services import webhooks
from storyboard.services.assets import ingest, library
from storyboard.services.core import scratch
from storyboard.services.core.transactions import abandon, end_read
from storyboard.services.jobs import events
from storyboard.services.rendering import run as renders

log = logging.getLogger(__name__)

GRACE_SECONDS = 300
# Longer than the quietest stretch of a live render (progress is saved at least once per scene).
DEFAULT_STALE_SECONDS = 20 * 60
MAX_REQUEUES = 2


def sweep() -> dict[str, int]:
    """Settle work nobody will finish (downloads, renders, webhook deliveries); returns what it did."""
    lost = stale_pending_assets()
    for asset_id in lost:
        interrupted = errors.UpstreamFailed("the download was interrupted", doing=ingest.DOWNLOADING)
        ingest.mark_failed(asset_id, interrupted.with_failure(retryable=True))
    if lost:
        log.warning("sweeper: %d interrupted downloads marked failed", len(lost))
    return {
        "assets": len(lost),
        **sweep_stale_renders(),
        "webhooks": webhooks.resend_lost(),
        "scratch": remove_dead_scratch(),
    }


def remove_dead_scratch() -> int:
    """Scratch folders of downloads, uploads and renders whose process on this host died (at worker start and in
    every sweep; folders of live processes and of other hosts stay)."""
    return scratch.remove_dead(library.scratch_parent(), library.SCRATCH_PREFIX) + scratch.remove_dead(
        renders.work_root(), renders.WORKDIR_PREFIX
    )


# --- downloads -----------------------------------------------------------------------------------


def stale_pending_assets() -> list[str]:
    """Pending assets older than a download's deadline plus a grace period whose queue job is gone."""
    age = current_app.config["ASSET_DOWNLOAD_TIMEOUT_SECONDS"] + GRACE_SECONDS
    cutoff = utcnow() - timedelta(seconds=age)
    ids = db.session.scalars(select(Asset.id).where(Asset.status == "pending", Asset.updated_at < cutoff)).all()
    return [i for i in ids if not queue.is_alive("ingest", i)]


# --- renders -------------------------------------------------------------------------------------


def sweep_stale_renders(stale_seconds: float | None = None) -> dict[str, int]:
    """Re-enqueue (at most twice) or fail jobs untouched for `stale_seconds` in in_progress/rendering whose RQ
    job is not alive; commits per job. Returns how many were requeued, failed, or left alone as live."""
    seconds = stale_seconds or current_app.config.get("RENDER_STALE_SECONDS") or DEFAULT_STALE_SECONDS
    cutoff = utcnow() - timedelta(seconds=seconds)
    query = select(Job.id).where(Job.status.in_(RENDERABLE), Job.updated_at < cutoff)
    job_ids = list(db.session.scalars(query))
    end_read()
    counts = {"requeued": 0, "failed": 0, "live": 0}
    for job_id in job_ids:
        counts[_sweep_render(job_id)] += 1
    _remove_orphan_workdirs(seconds)
    if job_ids:
        log.warning("render sweep: %s", counts)
    return counts


def _requeues(job_id: str) -> int:
    query = select(func.count()).where(JobEvent.job_id == job_id, JobEvent.kind == "render_requeued")
    return db.session.scalar(query) or 0


def _sweep_render(job_id: str) -> str:
    if queue.is_alive("render", job_id):
        return "live"
    job = db.session.get(Job, job_id)
    if job is None or job.status not in RENDERABLE:
        abandon()
        return "live"
    if _requeues(job_id) >= MAX_REQUEUES:
        abandon()
        hint = "Create the job again from this storyboard; if it repeats, check the render worker."
        message = "Rendering did not finish: the render worker stopped"
        renders.fail(job_id, errors.UpstreamFailed(message, failure=errors.Failure(retryable=True, hint=hint)))
        return "failed"
    events.record(job, "render_requeued", actor=events.SYSTEM, message="Render work was lost; queued again")
    job.updated_at = utcnow()  # the next sweep waits a full period again
    db.session.commit()
    queue.start("render", job_id)
    return "requeued"


def _remove_orphan_workdirs(seconds: float) -> None:
    """Temp folders of renders whose process was killed (a live render writes a file in them every scene)."""
    cutoff = time.time() - seconds
    for folder in Path(renders.work_root()).glob(f"{renders.WORKDIR_PREFIX}*"):
        if folder.is_dir() and _last_touched(folder) < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _last_touched(folder: Path) -> float:
    try:
        return max(p.stat().st_mtime for p in (folder, *folder.rglob("*")))
    except OSError:  # a render finishing right now removed it under us
        return time.time()
