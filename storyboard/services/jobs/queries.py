"""Jobs: reading, listing and estimating (creation and the storyboard workflow build on these)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from storyboard.models import Job, JobEvent, User, db
from storyboard.services.core import costs
from storyboard.services.core.scoping import get_owned, owned_query, paginate
from storyboard.services.jobs import states


def get_job(owner: User, job_id: str) -> Job:
    return get_owned(Job, job_id, owner, "Job not found")


def list_jobs(owner: User, *, client_id=None, campaign_id=None, status=None, offset: int, limit: int):
    query = owned_query(Job, owner)
    if client_id:
        query = query.where(Job.client_id == client_id)
    if campaign_id:
        query = query.where(Job.campaign_id == campaign_id)
    if statuses := states.expand_status_filter(status):
        query = query.where(Job.status.in_(statuses))
    return paginate(query, [Job.created_at.desc(), Job.id], offset=offset, limit=limit)


def dry_run(brief: Mapping, prices: Mapping) -> dict:
    """Cost estimate for a brief, with the same formula job creation uses."""
    return costs.estimate(brief_duration(brief, prices), bool(brief.get("generate_audio")), prices)


def brief_duration(brief: Mapping, settings: Mapping) -> float:
    specs = (brief.get("creative") or {}).get("video_specs") or {}
    return float(specs.get("duration") or settings.get("DEFAULT_VIDEO_DURATION", 30.0))


def list_events(owner: User, job_id: str, *, after: int = 0, limit: int = 200) -> list[JobEvent]:
    """The job's history after event number `after`, oldest first."""
    job = get_job(owner, job_id)
    query = select(JobEvent).where(JobEvent.job_id == job.id, JobEvent.id > after).order_by(JobEvent.id).limit(limit)
    return list(db.session.scalars(query))
