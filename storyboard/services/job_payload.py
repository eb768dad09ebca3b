"""The job as the API shows it (contract 4.6), as a plain dict for webhooks (services never import api)."""

from __future__ import annotations

from datetime import UTC, datetime

from storyboard.models import Job, Scene
from storyboard.services import job_states

PROGRESS_KEYS = (
    "current_stage",
    "scenes_total",
    "scenes_completed",
    "current_scene",
    "estimated_completion_seconds",
    "message",
    "percent",
)


def iso_z(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camelize(value):
    """The stored brief (snake_case, as loaded) in the API's camelCase, as the job's `request` echo shows it."""
    if isinstance(value, dict):
        return {_camel(k): camelize(v) for k, v in value.items() if k != "userId"}
    if isinstance(value, list):
        return [camelize(v) for v in value]
    return value


def _progress(job: Job) -> dict:
    raw = job.progress or {"current_stage": job.status, "scenes_total": 0, "scenes_completed": 0, "percent": 0}
    return {key: raw[key] for key in PROGRESS_KEYS if key in raw}


def scene_payload(scene: Scene) -> dict:
    return {
        "id": scene.id,
        "jobId": scene.job_id,
        "sceneNumber": scene.scene_number,
        "duration": scene.duration,
        "description": scene.description,
        "script": scene.script,
        "shotType": scene.shot_type,
        "transition": scene.transition,
        "assets": list(scene.assets or []),
        "metadata": dict(scene.meta or {}),
        "version": scene.version,
        "createdAt": iso_z(scene.created_at),
        "updatedAt": iso_z(scene.updated_at),
    }


def job_payload(job: Job) -> dict:
    """The job's JSON, field for field as GET /api/v3/jobs/{id} answers."""
    done = job.status == "completed" and job.video_blob_id
    return {
        "id": job.id,
        "status": job.status,
        "clientId": job.client_id,
        "campaignId": job.campaign_id,
        "progress": _progress(job),
        "storyboard": None,
        "scenes": [scene_payload(scene) for scene in job.scenes],
        "audio": {"status": "unavailable", "requested": True} if job.generate_audio else {"status": "not_requested"},
        "videoUrl": f"/api/v3/jobs/{job.id}/video" if done else None,
        "thumbnailUrl": f"/api/v3/jobs/{job.id}/video/thumbnail" if job.poster_blob_id else None,
        "error": job.error,
        "errorDetail": job.error_detail,
        "estimatedCost": job.estimated_cost,
        "actualCost": job.actual_cost,
        "assetIds": job.asset_ids,
        "feedback": job.feedback,
        "callbackUrl": job.callback_url,
        "allowedActions": job_states.allowed_actions(job.status),
        "version": job.version,
        "approvedAt": iso_z(job.approved_at),
        "request": camelize(job.request or {}),
        "createdAt": iso_z(job.created_at),
        "updatedAt": iso_z(job.updated_at),
    }
