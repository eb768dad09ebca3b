"""The sweeper: finds work that has no live queue job (Redis was down when it was due, a flushed or restarted
Redis, a killed worker) and starts it again, so no row waits forever. Every kind of work is covered: pending
downloads, storyboards, renders and webhook deliveries. Work lost too often or waiting too long is failed.
It also forgets the revocations of login tokens that have expired anyway, and removes what killed writers left
inside the blob store (the s3 store's staging objects and unfinished uploads).

Whether work is alive is asked of the queue with the same table that started it (`queue.WORK`); a Redis that
does not answer raises there, so "unknown" never reads as "lost". A row younger than SWEEP_GRACE_SECONDS is
left alone: its creator's enqueue may still be in flight. In process mode (no Redis) nothing says whether work
still runs, so only long silences count: a download older than its deadline, a render untouched for
RENDER_STALE_SECONDS. Sweeps take turns across processes (a lock in Redis), so two never start one thing twice.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from storyboard import errors, queue
from storyboard.models import RENDERABLE, WORKING, Asset, Job, JobEvent, db, utcnow
from storyboard.services import accounts, storyboards, webhooks
from storyboard.services.assets import ingest, library
from storyboard.services.core import scratch
from storyboard.services.core.transactions import abandon, end_read
from storyboard.services.jobs import events
from storyboard.services.rendering import run as renders
from storyboard.storage import get_store

log = logging.getLogger(__name__)

# In process mode: how long past its deadline a download may still be running.
LOCAL_GRACE_SECONDS = 300
# Longer than the quietest stretch of a live render (progress is saved at least once per scene).
DEFAULT_STALE_SECONDS = 20 * 60
MAX_REQUEUES = 2
# A sweep takes turns with the others for this long at most, and its lock lapses after LOCK_HOLD_SECONDS.
LOCK_WAIT_SECONDS = 10
LOCK_HOLD_SECONDS = 300


def sweep(now: datetime | None = None) -> dict:
    """Start or settle work nobody will finish, as of `now` (tests pass a later time instead of waiting);
    returns what it did per kind."""
    now = now or utcnow()
    with queue.exclusive("sweep", hold=LOCK_HOLD_SECONDS, wait=LOCK_WAIT_SECONDS) as ours:
        if not ours:
            log.warning("sweep skipped: another one kept the lock for %s s", LOCK_WAIT_SECONDS)
            return {"skipped": True}
        done = {
            "assets": sweep_pending_assets(now),
            "storyboards": sweep_pending_storyboards(now),
            "renders": sweep_stale_renders(now=now),
            "webhooks": webhooks.resend_lost(now=now, grace=_grace(LOCAL_GRACE_SECONDS), max_age=_max_age()),
            "scratch": remove_dead_scratch(),
            # Real time, not `now`: a revocation must outlive its token's exp, which is checked on the real clock.
            "revoked_tokens": accounts.purge_revoked_tokens(),
            "blob_debris": remove_blob_debris(),
        }
    if any(n for kind in ("assets", "storyboards") for k, n in done[kind].items() if k != "live"):
        log.warning("sweep: %s", {k: done[k] for k in ("assets", "storyboards")})
    return done


def _grace(local: float) -> float:
    """How old a row must be before the sweeper looks at it (in process mode: `local`)."""
    if not queue.knows_live_work():
        return local
    return float(current_app.config.get("SWEEP_GRACE_SECONDS", 60))


def _max_age() -> float:
    return float(current_app.config.get("QUEUED_WORK_MAX_AGE_SECONDS", 86400))


def remove_dead_scratch() -> int:
    """Scratch folders of downloads, uploads and renders whose process on this host died (at worker start and in
    every sweep; folders of live processes and of other hosts stay)."""
    return scratch.remove_dead(library.scratch_parent(), library.SCRATCH_PREFIX) + scratch.remove_dead(
        renders.work_root(), renders.WORKDIR_PREFIX
    )


def remove_blob_debris() -> int | None:
    """What killed writers left inside the blob store itself (the s3 store's staging objects and unfinished
    uploads) older than BLOB_DEBRIS_MAX_AGE_SECONDS; None, logged, when the store cannot be reached this time."""
    max_age = float(current_app.config.get("BLOB_DEBRIS_MAX_AGE_SECONDS", 3600))
    try:
        return get_store().sweep_debris(max_age)
    except errors.StoryboardError as exc:  # the other kinds of work were swept anyway; the next sweep tries again
        log.warning("sweep: the blob store's debris was not swept: %s", exc.message)
        return None


# --- downloads -----------------------------------------------------------------------------------


def sweep_pending_assets(now: datetime) -> dict[str, int]:
    """Download again pending URL assets whose queue job is gone; fail those RQ gave up on (their worker died on
    every retry) or that waited longer than QUEUED_WORK_MAX_AGE_SECONDS. A job's own assets are left to its
    storyboard work, which downloads them first. In process mode a download past its deadline is failed."""
    counts = {"requeued": 0, "failed": 0, "live": 0}
    local = not queue.knows_live_work()
    deadline = current_app.config["ASSET_DOWNLOAD_TIMEOUT_SECONDS"] + LOCAL_GRACE_SECONDS
    cutoff = now - timedelta(seconds=deadline if local else _grace(LOCAL_GRACE_SECONDS))
    ids = db.session.scalars(select(Asset.id).where(Asset.status == "pending", Asset.updated_at < cutoff)).all()
    owned = _assets_of_waiting_jobs()
    ids = [i for i in ids if i not in owned]
    end_read()
    for asset_id in ids:
        if local:
            _fail_download(asset_id)
            counts["failed"] += 1
        else:
            counts[_sweep_asset(asset_id, now)] += 1
    return counts


def _assets_of_waiting_jobs() -> set[str]:
    rows = db.session.scalars(select(Job.asset_ids).where(Job.status.in_(WORKING)))
    return {asset_id for ids in rows for asset_id in ids or ()}


def _sweep_asset(asset_id: str, now: datetime) -> str:
    state = queue.state("ingest", asset_id)
    if state in queue.LIVE_STATES:
        return "live"
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != "pending":
        abandon()
        return "live"
    if state == "failed" or asset.uploaded_at < now - timedelta(seconds=_max_age()):
        _fail_download(asset_id)
        return "failed"
    abandon()
    queue.start("ingest", asset_id)
    return "requeued"


def _fail_download(asset_id: str) -> None:
    interrupted = errors.UpstreamFailed("the download was interrupted", doing=ingest.DOWNLOADING)
    ingest.mark_failed(asset_id, interrupted.with_failure(retryable=True))


# --- storyboards ---------------------------------------------------------------------------------


def sweep_pending_storyboards(now: datetime) -> dict[str, int]:
    """Start again the storyboards of waiting jobs (pending, or storyboard_processing whose run was lost) that
    have no live queue job; a run lost more than MAX_REQUEUES times, or a job waiting longer than
    QUEUED_WORK_MAX_AGE_SECONDS, fails (both counted from the job's last retry, if it had one). In process mode
    nothing is known, so nothing is done."""
    counts = {"requeued": 0, "failed": 0, "live": 0}
    if not queue.knows_live_work():
        return counts
    cutoff = now - timedelta(seconds=_grace(LOCAL_GRACE_SECONDS))
    job_ids = list(db.session.scalars(select(Job.id).where(Job.status.in_(WORKING), Job.updated_at < cutoff)))
    end_read()
    for job_id in job_ids:
        counts[_sweep_storyboard(job_id, now)] += 1
    return counts


def _lost_job(kind: str, job_id: str, statuses) -> Job | None:
    """The job whose `kind` work has no live queue job and that still waits for it, or None (left alone)."""
    if queue.is_alive(kind, job_id):
        return None
    job = db.session.get(Job, job_id)
    if job is None or job.status not in statuses:
        abandon()
        return None
    return job


def _sweep_storyboard(job_id: str, now: datetime) -> str:
    if (job := _lost_job("storyboard", job_id, WORKING)) is None:
        return "live"
    # A pending job never ran: starting it costs nothing. A claimed one lost its run: that is counted.
    claimed = job.status == "storyboard_processing"
    retried = _last_retry(job_id)
    waiting_since = retried[1] if retried else job.created_at
    if waiting_since < now - timedelta(seconds=_max_age()):
        return _fail_storyboard(job_id, "the job waited too long for a storyboard worker")
    if claimed and _requeues(job_id, "storyboard_requeued") >= MAX_REQUEUES:
        return _fail_storyboard(job_id, "the storyboard worker stopped")
    if claimed:
        message = "Storyboard work was lost; queued again"
        events.record(job, "storyboard_requeued", actor=events.SYSTEM, message=message)
    db.session.commit()
    queue.start("storyboard", job_id)
    return "requeued"


def _fail_storyboard(job_id: str, reason: str) -> str:
    abandon()
    hint = "Retry the job (action retry); if it repeats, check the storyboard worker."
    failure = errors.Failure(stage="storyboard", retryable=True, hint=hint)
    storyboards.fail_generation(job_id, errors.UpstreamFailed(reason, failure=failure))
    return "failed"


# --- renders -------------------------------------------------------------------------------------


def sweep_stale_renders(stale_seconds: float | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """Re-enqueue (at most twice since the job's last retry) or fail jobs in in_progress/rendering whose RQ job is
    not alive (in process mode: untouched for `stale_seconds`); commits per job. Returns how many were requeued,
    failed, or left."""
    now = now or utcnow()
    stale = stale_seconds or current_app.config.get("RENDER_STALE_SECONDS") or DEFAULT_STALE_SECONDS
    cutoff = now - timedelta(seconds=_grace(stale))
    query = select(Job.id).where(Job.status.in_(RENDERABLE), Job.updated_at < cutoff)
    job_ids = list(db.session.scalars(query))
    end_read()
    counts = {"requeued": 0, "failed": 0, "live": 0}
    for job_id in job_ids:
        counts[_sweep_render(job_id, now)] += 1
    _remove_orphan_workdirs(stale)
    if counts["requeued"] or counts["failed"]:
        log.warning("render sweep: %s", counts)
    return counts


def _requeues(job_id: str, kind: str) -> int:
    """How often the job's work was lost since it was last retried (a retried job starts afresh)."""
    query = select(func.count()).where(JobEvent.job_id == job_id, JobEvent.kind == kind)
    if retried := _last_retry(job_id):
        query = query.where(JobEvent.id > retried[0])
    return db.session.scalar(query) or 0


def _last_retry(job_id: str) -> tuple[int, datetime] | None:
    """(event id, time) of the owner's last `retry` of the job, if any."""
    query = select(JobEvent.id, JobEvent.created_at).where(JobEvent.job_id == job_id, JobEvent.kind == events.RETRIED)
    row = db.session.execute(query.order_by(JobEvent.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _sweep_render(job_id: str, now: datetime) -> str:
    if (job := _lost_job("render", job_id, RENDERABLE)) is None:
        return "live"
    if _requeues(job_id, "render_requeued") >= MAX_REQUEUES:
        abandon()
        hint = "Retry the job (action retry); if it repeats, check the render worker."
        message = "Rendering did not finish: the render worker stopped"
        renders.fail(job_id, errors.UpstreamFailed(message, failure=errors.Failure(retryable=True, hint=hint)))
        return "failed"
    events.record(job, "render_requeued", actor=events.SYSTEM, message="Render work was lost; queued again")
    job.updated_at = now  # in process mode the next sweep waits a full period again
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
