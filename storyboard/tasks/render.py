"""Render task: an approved job's storyboard becomes its video (queue "render")."""

from __future__ import annotations

from storyboard import errors, metrics
from storyboard.services import rendering
from storyboard.tasks import guarded

CRASHED = errors.StoryboardError(
    "Rendering failed unexpectedly",
    failure=errors.Failure(
        stage="render",
        retryable=True,
        hint="Retry the job (action retry); if it repeats, contact support.",
    ),
)


def render_job(job_id: str) -> None:
    """Render job `job_id`; a crash on the last attempt marks it failed, earlier ones let RQ retry."""
    with metrics.render_timer():
        guarded(lambda: rendering.render_job(job_id), lambda _exc: rendering.fail(job_id, CRASHED))
