"""Storyboard work on the `llm` queue: ids in, one service call, failures recorded on the job."""

from __future__ import annotations

import logging

from storyboard.services import storyboards

log = logging.getLogger(__name__)


def generate_storyboard(job_id: str) -> None:
    """Write the job's first storyboard; any failure ends the job `failed` with its reason."""
    try:
        storyboards.generate_storyboard(job_id)
    except Exception as error:  # every failure belongs on the job, where its owner can see it
        log.info("Storyboard of job %s failed: %s", job_id, error)
        storyboards.fail_generation(job_id, error)
