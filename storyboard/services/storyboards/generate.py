"""Storyboards against the LLM provider: a job's first storyboard, and rewriting all of it after feedback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from storyboard import errors
from storyboard.integrations.llm import SceneDraft
from storyboard.models import WORKING, Job, Scene, User, db, new_id
from storyboard.services.assets import attachments
from storyboard.services.core.transactions import abandon, release_for_long_call
from storyboard.services.jobs import events, queries, states
from storyboard.services.storyboards import briefs, records, writer

log = logging.getLogger(__name__)
REGENERATING = "regenerate scenes"
_CRASHED = errors.Failure(stage="storyboard", retryable=True, hint="see the server log; try again")


@dataclass
class Regenerated:
    """The rewritten scenes, and what became of the feedback (the writer's report; None without feedback)."""

    scenes: list[Scene]
    feedback: dict | None = None


def generate_storyboard(job_id: str) -> None:
    """Download the job's URL assets, ask the LLM, store every scene in one transaction; raises on failure."""
    generation = _claim(job_id)
    if generation is None:
        return
    attachments.ingest_for(job_id)
    job = db.session.get(Job, job_id)
    brief, provider = briefs.brief_for(job), briefs.provider()
    job.progress = {**(job.progress or {}), "percent": 30, "message": f"Writing the storyboard ({provider.name})"}
    db.session.commit()
    release_for_long_call()
    written = writer.write_storyboard(provider, brief, **briefs.scene_bounds())
    _store_first(job_id, generation, written, provider.name)


def _claim(job_id: str) -> int | None:
    """Take the job for this run (a later duplicate run takes it over); None when there is nothing to do."""
    job = db.session.get(Job, job_id)
    if job is None or job.status not in WORKING:
        abandon()
        return None
    generation = job.generation + 1
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.generation == job.generation).values(generation=generation)
    )
    if claimed.rowcount != 1:
        abandon()
        return None
    if job.status == "pending":
        events.change_status(
            job, "storyboard_processing", actor=events.SYSTEM, reason="Preparing the storyboard", percent=5
        )
    db.session.commit()
    return generation


def _store_first(job_id: str, generation: int, written: writer.Written, provider_name: str) -> None:
    job = records.locked(job_id)
    if job.generation != generation or job.status != "storyboard_processing":
        abandon()  # cancelled, or a newer run owns the job now
        log.info("Storyboard of job %s discarded (status %s, run %s)", job_id, job.status, generation)
        return
    actor = events.ai_actor(provider_name)
    for draft in written.scenes:
        scene = Scene(
            id=new_id(), job_id=job.id, scene_number=draft.scene_number, version=1, **records.draft_fields(draft)
        )
        db.session.add(scene)
        records.add_revision(scene, "generated", actor)
    records.recount(job)
    count = len(written.scenes)
    data = {"repairs": written.repairs, "attempts": written.attempts}
    events.record(job, "storyboard_generated", actor=actor, message=f"{count} scenes written", data=data)
    events.change_status(
        job,
        "storyboard_review",
        actor=actor,
        reason="Storyboard ready for review",
        percent=100,
        scenes_total=count,
        scenes_completed=count,
    )
    job.version += 1
    db.session.commit()


def fail_generation(job_id: str, error: BaseException) -> None:
    """End a job whose storyboard could not be written: `failed`, with `error` and a structured `errorDetail`."""
    abandon()
    job = db.session.get(Job, job_id)
    if job is None or job.status not in WORKING:
        return
    job.error, job.error_detail = failure_of(error, writer.GENERATING)
    events.change_status(job, "failed", actor=events.SYSTEM, reason=job.error)
    job.version += 1
    db.session.commit()


def failure_of(error: BaseException, doing: str) -> tuple[str, dict[str, Any]]:
    """The public message and the redacted structured detail (errorDetail) of a failure of `doing`."""
    if not isinstance(error, errors.StoryboardError):
        log.error("Storyboard work failed unexpectedly", exc_info=error)
        error = errors.StoryboardError("internal error", failure=_CRASHED)
    error, failure = error.during(doing), error.failure
    return error.message, failure.but(stage=failure.stage or "storyboard").as_detail()


def regenerate_all(owner: User, job_id: str, *, feedback: str | None, action: str) -> Regenerated:
    """Rewrite every scene (same count, ids kept by position) to the brief's duration D, whatever edits did to
    the total (contract 6.6); on failure the old scenes stay (502)."""
    job = queries.get_job(owner, job_id)
    states.require_allowed(action, job.status)
    scenes = records.scenes_of(job)
    if not scenes:
        raise errors.Conflict("The job has no scenes to regenerate")
    brief = briefs.brief_for(job)
    provider = briefs.provider()
    current, seen = [records.to_draft(s) for s in scenes], records.versions(scenes)
    release_for_long_call()
    try:
        written = writer.write_storyboard(
            provider,
            brief,
            **briefs.scene_bounds(),
            feedback=feedback,
            current=current,
            keep_count=len(scenes),
            doing=REGENERATING,
        )
    except errors.StoryboardError as error:
        raise error.during(REGENERATING) from None
    kind = "rejected" if action == "reject_storyboard" else "regenerated"
    stored = _replace_all(job_id, seen, written.scenes, events.ai_actor(provider.name), feedback, kind)
    return Regenerated(stored, written.feedback)


def _replace_all(job_id: str, seen: dict, drafts: Sequence[SceneDraft], actor: str, feedback, kind) -> list[Scene]:
    job = records.locked(job_id)
    scenes = records.scenes_of(job)
    if job.status != "storyboard_review" or set(records.versions(scenes)) != set(seen):
        abandon()
        raise errors.Conflict("The storyboard changed while it was being rewritten; reload and try again")
    # Ascending old numbers are compacted to 1..N in order, so each new number is free when it is taken.
    for index, (scene, draft) in enumerate(zip(scenes, drafts, strict=True)):
        records.claim_version(scene, seen[scene.id])
        scene.scene_number = index + 1
        db.session.flush()
        records.apply(scene, records.draft_fields(draft))
        records.add_revision(scene, kind, actor, feedback)
    records.recount(job)
    job.generation += 1
    job.version += 1
    events.record(job, f"storyboard_{kind}", actor=actor, message=feedback, data={"scenes": len(drafts)})
    db.session.commit()
    return records.scenes_of(job)
