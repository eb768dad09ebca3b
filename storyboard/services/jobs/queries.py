"""Jobs: reading, listing and estimating (creation and the storyboard workflow build on these)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, func, select

from storyboard.models import Job, JobEvent, JobTally, User, db
from storyboard.models.job import brief_seconds
from storyboard.services.core import costs
from storyboard.services.core.scoping import get_owned, owned_query
from storyboard.services.jobs import states


def get_job(owner: User, job_id: str) -> Job:
    return get_owned(Job, job_id, owner, "Job not found")


def list_jobs(owner: User, *, client_id=None, campaign_id=None, status=None, offset: int, limit: int):
    """One page of the owner's jobs, newest first, and the exact total (from the tallies, not a count of jobs)."""
    filters = {"client_id": client_id, "campaign_id": campaign_id, "statuses": states.expand_status_filter(status)}
    query = _filtered(owned_query(Job, owner), Job, **filters)
    rows = db.session.scalars(query.order_by(Job.created_at.desc(), Job.id).offset(offset).limit(limit))
    return list(rows), job_total(owner, **filters)


def job_total(owner: User, *, client_id=None, campaign_id=None, statuses=None) -> int:
    """How many of the owner's jobs the list's filters match, exactly, from the tallies (no scan of jobs)."""
    query = select(func.coalesce(func.sum(JobTally.job_count), 0)).where(JobTally.user_id == owner.id)
    return int(db.session.scalar(_filtered(query, JobTally, client_id, campaign_id, statuses)))


def _filtered(query: Select, model, client_id, campaign_id, statuses) -> Select:
    # One function filters jobs and tallies alike, so a page and its total always have the same filters.
    if client_id:
        query = query.where(model.client_id == client_id)
    if campaign_id:
        query = query.where(model.campaign_id == campaign_id)
    if statuses:
        query = query.where(model.status.in_(statuses))
    return query


def dry_run(brief: Mapping, prices: Mapping) -> dict:
    """Cost estimate for a brief, with the same formula job creation uses."""
    return costs.estimate(brief_duration(brief, prices), bool(brief.get("generate_audio")), prices)


def brief_duration(brief: Mapping, settings: Mapping) -> float:
    """The brief's duration D (the one the job's duration warning compares with), else DEFAULT_VIDEO_DURATION."""
    return brief_seconds(brief, float(settings.get("DEFAULT_VIDEO_DURATION", 30.0)))


def list_events(owner: User, job_id: str, *, after: int = 0, limit: int = 200) -> list[JobEvent]:
    """The job's history after event number `after`, oldest first."""
    job = get_job(owner, job_id)
    query = select(JobEvent).where(JobEvent.job_id == job.id, JobEvent.id > after).order_by(JobEvent.id).limit(limit)
    return list(db.session.scalars(query))
