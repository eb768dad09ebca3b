"""A job's history: status changes and scene changes, with who made them and why."""

from __future__ import annotations

from typing import Any

from storyboard.models import Job, JobEvent, User, db
from storyboard.services import webhooks

SYSTEM = "system"
# A failed job sent back to its work by its owner; the sweeper counts lost runs and waiting time from here.
RETRIED = "job_retried"


def user_actor(owner: User) -> str:
    return f"user:{owner.username}"


def ai_actor(provider_name: str) -> str:
    return f"ai:{provider_name}"


def record(
    job: Job,
    kind: str,
    *,
    actor: str,
    message: str | None = None,
    data: dict[str, Any] | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> JobEvent:
    """Add one event to the caller's transaction (the caller commits)."""
    event = JobEvent(
        job_id=job.id, kind=kind, actor=actor, message=message, data=data, from_status=from_status, to_status=to_status
    )
    db.session.add(event)
    return event


def change_status(
    job: Job, status: str, *, actor: str, reason: str | None = None, percent: int | None = None, **progress: Any
) -> None:
    """Move the job to `status`, keep `progress` truthful, and record the change (the caller commits)."""
    previous = job.status
    job.status = status
    updated = {**(job.progress or {}), **progress, "current_stage": status}
    if reason:
        updated["message"] = reason
    if percent is not None:
        updated["percent"] = percent
    job.progress = updated
    status_changed(job, previous, status, actor=actor, reason=reason)


def status_changed(job: Job, previous: str | None, status: str, *, actor: str, reason: str | None = None) -> None:
    """Record a status change in the job's history and stage its webhook; both commit with the caller."""
    record(job, "status_changed", actor=actor, message=reason, from_status=previous, to_status=status)
    webhooks.stage_status_change(job, previous)


def initial_progress() -> dict[str, Any]:
    return {
        "current_stage": "pending",
        "scenes_total": 0,
        "scenes_completed": 0,
        "current_scene": None,
        "estimated_completion_seconds": None,
        "message": "Job created, waiting to start",
        "percent": 0,
    }
