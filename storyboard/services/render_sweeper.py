"""The sweeper that keeps a job from showing `in_progress` or `rendering` forever after its work was lost."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from storyboard import errors, queue
from storyboard.models import Job, JobEvent, db, utcnow
from storyboard.services import events, renders

log = logging.getLogger(__name__)

RENDER_TASK = "storyboard.tasks.render.render_job"
# Longer than the quietest stretch of a live render (progress is saved at least once per scene).
DEFAULT_STALE_SECONDS = 20 * 60
MAX_REQUEUES = 2


def render_job_id(job_id: str) -> str:
    """The RQ job id a render is enqueued under (approve uses the same)."""
    return f"render-{job_id}"


def sweep_stale_renders(stale_seconds: float | None = None) -> dict[str, int]:
    """Re-enqueue (at most twice) or fail jobs untouched for `stale_seconds` in in_progress/rendering whose RQ
    job is not alive; commits per job. Returns how many were requeued, failed, or left alone as live."""
    seconds = stale_seconds or current_app.config.get("RENDER_STALE_SECONDS") or DEFAULT_STALE_SECONDS
    cutoff = utcnow() - timedelta(seconds=seconds)
    query = select(Job.id).where(Job.status.in_(renders.RENDERABLE), Job.updated_at < cutoff)
    job_ids = list(db.session.scalars(query))
    db.session.rollback()
    counts = {"requeued": 0, "failed": 0, "live": 0}
    for job_id in job_ids:
        counts[_sweep_one(job_id)] += 1
    _remove_orphan_workdirs(seconds)
    if job_ids:
        log.warning("render sweep: %s", counts)
    return counts


def _requeues(job_id: str) -> int:
    query = select(func.count()).where(JobEvent.job_id == job_id, JobEvent.kind == "render_requeued")
    return db.session.scalar(query) or 0


def _sweep_one(job_id: str) -> str:
    if queue.job_state(render_job_id(job_id)) in queue.LIVE_STATES:
        return "live"
    job = db.session.get(Job, job_id)
    if job is None or job.status not in renders.RENDERABLE:
        db.session.rollback()
        return "live"
    if _requeues(job_id) >= MAX_REQUEUES:
        db.session.rollback()
        hint = "Create the job again from this storyboard; if it repeats, check the render worker."
        message = "Rendering did not finish: the render worker stopped"
        lost = errors.UpstreamFailed(message, info={"retryable": True, "hint": hint})
        renders.fail(job_id, lost)
        return "failed"
    events.record(job, "render_requeued", actor=events.SYSTEM, message="Render work was lost; queued again")
    job.updated_at = utcnow()  # the next sweep waits a full period again
    db.session.commit()
    queue.enqueue(RENDER_TASK, job_id, queue="render", job_id=render_job_id(job_id))
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
