"""Figures read at scrape time for /metrics: jobs by status (from job_tallies, a few rows) and queue depths."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from storyboard import queue
from storyboard.models import JobTally, db
from storyboard.models.job import JOB_STATUSES
from storyboard.services.core.transactions import end_read

log = logging.getLogger(__name__)


def figures() -> dict:
    """What /metrics reads at each scrape: `jobs` (count per status) and `queues` (per queue and state, None
    when Redis does not answer)."""
    return {"jobs": jobs_by_status(), "queues": queue_depths()}


def jobs_by_status() -> dict[str, int]:
    """Every user's jobs per status (each status, 0 included), summed over job_tallies: its triggers keep it
    equal to the jobs table."""
    rows = db.session.execute(select(JobTally.status, func.sum(JobTally.job_count)).group_by(JobTally.status))
    counts = dict.fromkeys(JOB_STATUSES, 0)
    counts.update({status: int(total or 0) for status, total in rows})
    end_read()
    return counts


def queue_depths() -> dict[str, dict[str, int]] | None:
    """Jobs per queue and state; None when Redis does not answer (the scrape still answers, without them)."""
    from redis.exceptions import RedisError

    try:
        return queue.depths()
    except RedisError as exc:
        log.warning("queue depths unavailable: Redis does not answer (%s)", exc)
        return None
