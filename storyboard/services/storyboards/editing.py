"""A job's scenes: list, read, edit, delete, regenerate one, rebalance durations, and their revisions (list and
restore)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from sqlalchemy import func, select

from storyboard import errors
from storyboard.models import Job, Scene, SceneRevision, User, db
from storyboard.models.job import duration_drift
from storyboard.services.assets import attachments
from storyboard.services.core.transactions import release_for_long_call
from storyboard.services.jobs import events, queries, states
from storyboard.services.storyboards import briefs, records, rules, writer

EDITABLE = "storyboard_review"


def list_scenes(owner: User, job_id: str) -> list[Scene]:
    return records.scenes_of(queries.get_job(owner, job_id))


def get_scene(owner: User, job_id: str, ref: str) -> Scene:
    """The caller's scene by number or id (404 for a foreign job or an unknown scene)."""
    return records.find(queries.get_job(owner, job_id), ref)


def _editable(owner: User, job_id: str, ref: str) -> tuple[Job, Scene]:
    """The caller's job, locked (see records.locked), and its scene; 409 unless the job is in review."""
    job = records.locked(queries.get_job(owner, job_id).id)
    scene = records.find(job, ref)
    if job.status != EDITABLE:
        raise errors.Conflict(f"Scenes cannot be changed when job status is '{job.status}'")
    return job, scene


def update_scene(owner: User, job_id: str, ref: str, changes: Mapping, *, version: int | None = None) -> Scene:
    """Edit a scene in review; 409 when `version` is stale or another edit won the race."""
    job, scene = _editable(owner, job_id, ref)
    fields = {k: v for k, v in changes.items() if k in records.FIELDS and v is not None}
    if not fields:
        raise errors.Unprocessable("No updatable fields supplied")
    attachments.check_owned(owner, fields.get("assets") or [])
    records.claim_version(scene, version)
    if "meta" in fields:
        fields["meta"] = dict(fields["meta"])
    records.apply(scene, fields)
    records.flag_voice_over(scene)
    return _commit_change(job, scene, "edited", events.user_actor(owner), None)


def delete_scene(owner: User, job_id: str, ref: str) -> dict:
    """Delete a scene in review; never below SCENES_PER_VIDEO_MIN scenes, nor the last one (409). Its revisions
    stay, the number is not reused."""
    job, scene = _editable(owner, job_id, ref)
    count = db.session.scalar(select(func.count()).select_from(Scene).where(Scene.job_id == job.id))
    if count <= 1:
        raise errors.Conflict("Cannot delete the last scene of a storyboard")
    minimum = briefs.scene_bounds()["lo"]
    if count <= minimum:
        raise errors.Conflict(
            f"Cannot delete scene {scene.scene_number}: a storyboard keeps at least {minimum} scenes "
            f"(SCENES_PER_VIDEO_MIN) and this one has {count}"
        )
    records.claim_version(scene, None)
    actor = events.user_actor(owner)
    records.add_revision(scene, "deleted", actor)
    events.record(job, "scene_deleted", actor=actor, data={"sceneId": scene.id, "sceneNumber": scene.scene_number})
    db.session.delete(scene)
    records.recount(job)
    job.version += 1
    db.session.commit()
    return {"message": "Scene deleted successfully"}


def regenerate_scene(owner: User, job_id: str, ref: str, *, feedback=None, constraints=None) -> Scene:
    """Rewrite one scene with the LLM (same id and number, metadata merged); on failure it stays as it was (502)."""
    return regenerate_scene_reporting(owner, job_id, ref, feedback=feedback, constraints=constraints)[0]


def regenerate_scene_reporting(
    owner: User, job_id: str, ref: str, *, feedback=None, constraints=None
) -> tuple[Scene, dict | None]:
    """`regenerate_scene`, and what became of the feedback (the writer's report; None without feedback)."""
    job = queries.get_job(owner, job_id)
    states.require_allowed("regenerate_scene", job.status)
    scene = records.find(job, ref)
    scene_id, version = scene.id, scene.version
    brief, provider = briefs.brief_for(job), briefs.provider()
    current = [records.to_draft(s) for s in records.scenes_of(job)]
    target = records.to_draft(scene)
    release_for_long_call()
    try:
        written = writer.rewrite_scene(provider, brief, target, current, feedback=feedback, constraints=constraints)
    except errors.StoryboardError as error:
        raise error.during("regenerate scene") from None
    job, scene = _editable(owner, job_id, scene_id)
    records.claim_version(scene, version)
    records.apply(scene, records.draft_fields(written.scenes[0]))
    scene = _commit_change(job, scene, "regenerated", events.ai_actor(provider.name), feedback)
    return scene, written.feedback


def list_revisions(owner: User, job_id: str, ref: str) -> list[SceneRevision]:
    scene = get_scene(owner, job_id, ref)
    query = select(SceneRevision).where(SceneRevision.scene_id == scene.id).order_by(SceneRevision.revision)
    return list(db.session.scalars(query))


def restore_revision(owner: User, job_id: str, ref: str, revision: int) -> Scene:
    """Bring back a scene's content from revision `revision` (kept as a new revision itself)."""
    job, scene = _editable(owner, job_id, ref)
    old = db.session.scalar(
        select(SceneRevision).where(SceneRevision.scene_id == scene.id, SceneRevision.revision == revision)
    )
    if old is None:
        raise errors.NotFound("Revision not found")
    records.claim_version(scene, None)
    records.apply(scene, records.from_snapshot(old.snapshot))
    return _commit_change(job, scene, "reverted", events.user_actor(owner), f"Restored revision {revision}")


def rebalance_durations(owner: User, job_id: str) -> list[Scene]:
    """Scale the scenes back to the brief's duration D, in proportion, one decimal, each 1-60 s (a revision per
    scene changed, one event); 409 outside review or when they already add up to D."""
    job = records.locked(queries.get_job(owner, job_id).id)
    states.require_allowed("rebalance_durations", job.status)
    drift = duration_drift(job, current_app.config["DEFAULT_VIDEO_DURATION"])
    if drift is None:
        raise errors.Conflict("The scenes already add up to the brief's duration; nothing to rebalance")
    (target, total), scenes = drift, records.scenes_of(job)
    actor = events.user_actor(owner)
    for scene, seconds in zip(scenes, rules.fit_durations([s.duration for s in scenes], target), strict=True):
        if seconds != scene.duration:
            records.claim_version(scene, None)
            scene.duration = seconds
            records.flag_voice_over(scene)  # a shorter scene may no longer fit its script: flagged, never cut
            records.add_revision(scene, "rebalanced", actor)
    message = f"Scene durations scaled from {total:g} s to the brief's {target:g} s"
    events.record(job, "durations_rebalanced", actor=actor, message=message, data={"from": total, "to": target})
    records.recount(job)
    job.version += 1
    db.session.commit()
    return records.scenes_of(job)


def _commit_change(job: Job, scene: Scene, kind: str, actor: str, feedback: str | None) -> Scene:
    records.add_revision(scene, kind, actor, feedback)
    data = {"sceneId": scene.id, "sceneNumber": scene.scene_number, "version": scene.version}
    events.record(job, f"scene_{kind}", actor=actor, message=feedback, data=data)
    records.recount(job)  # an edit, a rewrite or a revert may change the total duration
    job.version += 1
    db.session.commit()
    return scene
