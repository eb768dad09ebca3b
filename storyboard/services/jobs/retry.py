"""Retrying a failed job: the work that failed runs again from what the job keeps (its brief, or its approved
storyboard), through the usual statuses, history and webhooks."""

from __future__ import annotations

from sqlalchemy import exists, select

from storyboard import errors, queue
from storyboard.models import Job, Scene, User, db
from storyboard.services.assets import attachments
from storyboard.services.core.transactions import unit_of_work
from storyboard.services.jobs import events, queries, states


def retry_job(owner: User, job_id: str) -> tuple[Job, str]:
    """Send the caller's failed job back to the work that failed and start it; returns (job, "storyboard" or
    "render"). 409 unless it is `failed`; the error is cleared (the history keeps it)."""
    job = queries.get_job(owner, job_id)
    states.require_allowed("retry", job.status)
    kind, ident = failed_work(job), job.id
    with unit_of_work():  # the assets made again and the status change commit together, or neither
        if kind == "storyboard":
            _reattach(owner, job)
        _restart(owner, job, kind)
    # False (Redis down) leaves the job waiting: the sweeper starts it. `ident`, as reading the committed job
    # would open a transaction while the work starts (on SQLite one that holds the write lock).
    queue.start(kind, ident)
    return job, kind


def failed_work(job: Job) -> str:
    """What a failed job failed at: its first storyboard when it has no scenes (they are stored with the status
    change that ends the writing), else the render of its approved storyboard (nothing else fails a job)."""
    has_scenes = db.session.scalar(select(exists().where(Scene.job_id == job.id)))
    return "render" if has_scenes else "storyboard"


def _reattach(owner: User, job: Job) -> None:
    """A failed download removed every asset the job made from URLs: make them again, as the create did."""
    items = list(((job.request or {}).get("creative") or {}).get("assets") or [])
    if len(job.asset_ids or []) >= len(items):
        return  # the failure came after the downloads: every asset is still there
    try:
        job.asset_ids = attachments.attach(owner, items, client_id=job.client_id, campaign_id=job.campaign_id)
    except errors.NotFound as error:
        raise errors.Conflict(f"Cannot retry: {error.message}; create the job again") from None


def _restart(owner: User, job: Job, kind: str) -> None:
    actor = events.user_actor(owner)
    data = {"work": kind, "error": job.error, "errorDetail": job.error_detail}
    message = f"Retrying after: {job.error}" if job.error else "Retrying"
    events.record(job, events.RETRIED, actor=actor, message=message, data=data)
    job.error, job.error_detail = None, None
    job.version += 1
    if kind == "render":
        events.change_status(
            job, "in_progress", actor=actor, reason="Retried; queued for rendering", percent=0, current_scene=None
        )
        return
    events.change_status(
        job,
        "pending",
        actor=actor,
        reason="Retried; waiting to write the storyboard",
        percent=0,
        scenes_total=0,
        scenes_completed=0,
        current_scene=None,
    )
