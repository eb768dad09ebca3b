"""A scene's JSON (contract 4.7), shared by the scene routes and the job's JSON."""

from __future__ import annotations

import marshmallow as ma

from storyboard.wire.base import IsoDateTime, Schema


class SceneSchema(Schema):
    id = ma.fields.String()
    jobId = ma.fields.String(attribute="job_id")
    sceneNumber = ma.fields.Integer(attribute="scene_number")
    duration = ma.fields.Float()
    description = ma.fields.String()
    script = ma.fields.String(allow_none=True)
    shotType = ma.fields.String(attribute="shot_type", allow_none=True)
    transition = ma.fields.String(allow_none=True)
    assets = ma.fields.List(ma.fields.String())
    metadata = ma.fields.Dict(attribute="meta")
    version = ma.fields.Integer()
    createdAt = IsoDateTime(attribute="created_at")
    updatedAt = IsoDateTime(attribute="updated_at")
