"""POST /jobs/{id}/actions: approve, reject, regenerate one or all scenes, revert a scene, rebalance the scenes'
durations, retry a failed job, cancel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from storyboard import errors, queue
from storyboard.models import User, db, utcnow
from storyboard.services.jobs import events, queries, retry, states
from storyboard.services.storyboards import editing, generate


def perform(owner: User, job_id: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Run one action on the caller's job; 422 for an unknown action, 409 when the status does not allow it."""
    name = states.normalise_action(action or "")
    if name not in HANDLERS:
        raise errors.Unprocessable(f"Unknown action: {action}", detail=[_detail(action)])
    job = queries.get_job(owner, job_id)
    db.session.refresh(job, with_for_update=True)  # concurrent actions on one job take turns (Postgres)
    states.require_allowed(name, job.status)
    return HANDLERS[name](owner, job_id, _merged(params))


def _detail(action: str) -> dict:
    return {"loc": ["body", "action"], "msg": f"must be one of {', '.join(sorted(HANDLERS))}", "type": "value_error"}


def _merged(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters from the top level, overridden by those inside `payload`."""
    payload = params.get("payload") or {}
    if not isinstance(payload, Mapping):
        raise errors.Unprocessable("payload must be an object")
    return {**{k: v for k, v in params.items() if k != "payload" and v is not None}, **payload}


def _scene_ref(params: Mapping, action: str) -> str:
    ref = params.get("sceneId") or params.get("sceneNumber") or params.get("sceneIdx")
    if ref is None or isinstance(ref, bool) or not isinstance(ref, str | int):
        raise errors.Unprocessable(f"sceneId or sceneNumber is required in payload for {action.upper()} action")
    return str(ref)


def _text(params: Mapping, key: str, *, required_for: str | None = None) -> str | None:
    value = params.get(key)
    if value is not None and not isinstance(value, str):
        raise errors.Unprocessable(f"{key} must be a string")
    value = (value or "").strip()[:2000] or None
    if value is None and required_for:
        raise errors.Unprocessable(f"{key} is required for {required_for}")
    return value


def regenerate_scene(owner: User, job_id: str, params: Mapping) -> dict:
    constraints = params.get("constraints")
    if constraints is not None and not isinstance(constraints, Mapping):
        raise errors.Unprocessable("constraints must be an object")
    scene, report = editing.regenerate_scene_reporting(
        owner,
        job_id,
        _scene_ref(params, "regenerate_scene"),
        feedback=_text(params, "feedback"),
        constraints=constraints,
    )
    return _reported("Scene regenerated successfully", "Scene regenerated", report, scene=scene)


def regenerate_all(owner: User, job_id: str, params: Mapping) -> dict:
    feedback = _text(params, "feedback")
    done = generate.regenerate_all(owner, job_id, feedback=feedback, action="regenerate_all_scenes")
    return _reported("Scenes regenerated successfully", "Scenes regenerated", done.feedback, scenes=done.scenes)


def reject(owner: User, job_id: str, params: Mapping) -> dict:
    """Keep the feedback on the job, then rewrite the storyboard with it."""
    feedback = _text(params, "feedback", required_for="reject_storyboard")
    job = queries.get_job(owner, job_id)
    job.feedback = feedback
    events.record(job, "storyboard_rejected_by_user", actor=events.user_actor(owner), message=feedback)
    db.session.commit()
    done = generate.regenerate_all(owner, job_id, feedback=feedback, action="reject_storyboard")
    full = "Storyboard rejected; scenes regenerated with your feedback"
    return _reported(full, "Storyboard rejected; scenes regenerated", done.feedback, scenes=done.scenes)


def _reported(full: str, done: str, report: dict | None, **data: Any) -> dict:
    """The response of a rewrite: `full` when all the feedback was used, else `done` and what was not
    (`feedback.notApplied`); the writer's report, when there was feedback, as `feedback`."""
    if report is None:
        return {"message": full, **data}
    message = full
    if report.get("notApplied"):
        part = "part of the feedback needs" if report.get("applied") else "the feedback needs"
        message = f"{done}; {part} an AI model: see feedback.notApplied"
    return {"message": message, **data, "feedback": report}


def revert_scene(owner: User, job_id: str, params: Mapping) -> dict:
    revision = params.get("revision")
    if isinstance(revision, bool) or not isinstance(revision, int):
        raise errors.Unprocessable("revision (an integer) is required for revert_scene")
    scene = editing.restore_revision(owner, job_id, _scene_ref(params, "revert_scene"), revision)
    return {"message": f"Scene reverted to revision {revision}", "scene": scene}


def approve(owner: User, job_id: str, params: Mapping) -> dict:
    """Lock the storyboard and queue its rendering."""
    job = queries.get_job(owner, job_id)
    job.approved_at = utcnow()
    job.version += 1
    events.change_status(
        job, "in_progress", actor=events.user_actor(owner), reason="Approved; queued for rendering", percent=0
    )
    db.session.commit()
    queue.start("render", job_id)
    return {"message": "Storyboard approved, video rendering started", "job": job}


def rebalance(owner: User, job_id: str, params: Mapping) -> dict:
    """Scale the scenes back to the brief's duration after edits changed the total."""
    scenes = editing.rebalance_durations(owner, job_id)
    total = round(sum(s.duration for s in scenes), 1)
    return {"message": f"Scene durations rebalanced to {total:g} s", "scenes": scenes}


def retry_failed(owner: User, job_id: str, params: Mapping) -> dict:
    """Run again what a failed job failed at: its storyboard, or its render."""
    job, kind = retry.retry_job(owner, job_id)
    what = "the storyboard is being written again" if kind == "storyboard" else "video rendering started again"
    return {"message": f"Job retried: {what}", "job": job}


def cancel(owner: User, job_id: str, params: Mapping) -> dict:
    """Cancel; work still running for the job sees the status and discards its result."""
    job = queries.get_job(owner, job_id)
    job.version += 1
    events.change_status(
        job, "cancelled", actor=events.user_actor(owner), reason=_text(params, "reason") or "Cancelled by the user"
    )
    db.session.commit()
    return {"message": "Job cancelled successfully", "job": job}


HANDLERS: dict[str, Callable[[User, str, Mapping], dict]] = {
    "regenerate_scene": regenerate_scene,
    "regenerate_all_scenes": regenerate_all,
    "reject_storyboard": reject,
    "approve_storyboard": approve,
    "revert_scene": revert_scene,
    "rebalance_durations": rebalance,
    "retry": retry_failed,
    "cancel": cancel,
}
