"""Scenes as rows, drafts and snapshots; revisions and the version check that stops lost updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update

from storyboard import errors
from storyboard.integrations.llm import SceneDraft
from storyboard.models import Job, Scene, SceneRevision, db
from storyboard.services.core.transactions import abandon
from storyboard.services.storyboards.rules import VOICE_OVER_WARNING, voice_over_warning

# Scene attribute ↔ contract key, for snapshots and edits.
FIELDS = {
    "duration": "duration",
    "description": "description",
    "script": "script",
    "on_screen_text": "onScreenText",
    "shot_type": "shotType",
    "transition": "transition",
    "assets": "assets",
    "meta": "metadata",
}


def find(job: Job, ref: str) -> Scene:
    """The job's scene by number ("2") or by id; 404 "Scene not found" otherwise."""
    query = select(Scene).where(Scene.job_id == job.id)
    if ref.isdigit() and len(ref) < 10:
        query = query.where(Scene.scene_number == int(ref))
    else:
        query = query.where(Scene.id == ref)
    scene = db.session.scalar(query)
    if scene is None:
        raise errors.NotFound("Scene not found")
    return scene


def draft_fields(draft: SceneDraft) -> dict[str, Any]:
    return {
        "duration": draft.duration,
        "description": draft.description,
        "script": draft.script,
        "on_screen_text": draft.on_screen_text,
        "shot_type": draft.shot_type,
        "transition": draft.transition,
        "assets": list(draft.assets),
        "meta": dict(draft.metadata),
    }


def to_draft(scene: Scene) -> SceneDraft:
    return SceneDraft(
        scene_number=scene.scene_number,
        duration=scene.duration,
        description=scene.description,
        script=scene.script or "",
        shot_type=scene.shot_type or "medium",
        transition=scene.transition or "cut",
        assets=list(scene.assets or []),
        metadata=dict(scene.meta or {}),
        on_screen_text=scene.on_screen_text or "",
    )


def snapshot(scene: Scene) -> dict[str, Any]:
    """The scene's content in the contract's shape (what a revision keeps)."""
    return {"sceneNumber": scene.scene_number, **{key: getattr(scene, attr) for attr, key in FIELDS.items()}}


def from_snapshot(data: Mapping) -> dict[str, Any]:
    return {attr: data[key] for attr, key in FIELDS.items() if key in data}


def apply(scene: Scene, fields: Mapping[str, Any]) -> None:
    for attr, value in fields.items():
        setattr(scene, attr, value)


def flag_voice_over(scene: Scene) -> None:
    """People's edits are never shortened: a script too long for its scene is flagged in metadata.warnings."""
    meta = dict(scene.meta or {})
    kept = [w for w in meta.get("warnings") or [] if not str(w).startswith(VOICE_OVER_WARNING)]
    warning = voice_over_warning(scene.script, scene.duration)
    kept += [warning] if warning else []
    if kept:
        meta["warnings"] = kept
    else:
        meta.pop("warnings", None)
    scene.meta = meta


def add_revision(scene: Scene, kind: str, actor: str, feedback: str | None = None) -> SceneRevision:
    """Keep the scene as it now is (the caller commits)."""
    latest = db.session.scalar(select(func.max(SceneRevision.revision)).where(SceneRevision.scene_id == scene.id))
    revision = SceneRevision(
        scene_id=scene.id,
        job_id=scene.job_id,
        scene_number=scene.scene_number,
        revision=(latest or 0) + 1,
        kind=kind,
        actor=actor,
        feedback=feedback,
        snapshot=snapshot(scene),
    )
    db.session.add(revision)
    return revision


def claim_version(scene: Scene, expected: int | None) -> None:
    """Bump the version only if it is still `expected` (409 for the loser of two concurrent changes)."""
    expected = scene.version if expected is None else expected
    number = scene.scene_number
    result = db.session.execute(
        update(Scene).where(Scene.id == scene.id, Scene.version == expected).values(version=expected + 1)
    )
    if result.rowcount != 1:
        abandon()
        raise errors.Conflict(
            f"Scene {number} was changed by someone else (you sent version {expected}); reload and retry"
        )
    scene.version = expected + 1


def locked(job_id: str) -> Job:
    """The job, reloaded under its row lock (Postgres): scene changes of one job take turns, so each one's
    `recount` sees the others' committed scenes; the lock is always taken before any scene row's."""
    query = select(Job).where(Job.id == job_id).with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def recount(job: Job) -> None:
    """Keep `job.scenes_duration` equal to the sum of its scenes, in the transaction of the change (the caller
    holds the job's lock and commits)."""
    db.session.flush()
    total = db.session.scalar(select(func.sum(Scene.duration)).where(Scene.job_id == job.id))
    job.scenes_duration = None if total is None else round(float(total), 1)


def scenes_of(job: Job) -> list[Scene]:
    return list(db.session.scalars(select(Scene).where(Scene.job_id == job.id).order_by(Scene.scene_number)))


def versions(scenes: Iterable[Scene]) -> dict[str, int]:
    return {scene.id: scene.version for scene in scenes}
