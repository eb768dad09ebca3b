"""Background task entry points: ids in, one service call each, failure recorded on the row."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def last_attempt() -> bool:
    """True unless RQ will retry this job (in-process work is never retried)."""
    from rq import get_current_job

    job = get_current_job()
    return job is None or not job.retries_left


def guarded(work: Callable[[], object], on_final_failure: Callable[[Exception], object]) -> None:
    """Run `work`; when it crashes on its last attempt, record the failure before re-raising."""
    try:
        work()
    except Exception as exc:
        if last_attempt():
            log.exception("background work failed for good")
            on_final_failure(exc)
        raise
