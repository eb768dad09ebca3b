"""A scene's JSON (contract 4.7), shared by the scene routes and the job's JSON."""

from __future__ import annotations

import marshmallow as ma

from storyboard.models import iso_z
from storyboard.wire.base import IsoDateTime, Schema, integer, mapping, number, text, texts


def dump_scene(scene) -> dict:
    """SceneSchema's dump, written by hand: a job's scenes cost no marshmallow walk (tests/wire prove it)."""
    return {
        "id": text(scene.id),
        "jobId": text(scene.job_id),
        "sceneNumber": integer(scene.scene_number),
        "duration": number(scene.duration),
        "description": text(scene.description),
        "script": text(scene.script),
        "onScreenText": text(scene.on_screen_text),
        "shotType": text(scene.shot_type),
        "transition": text(scene.transition),
        "assets": texts(scene.assets),
        "metadata": mapping(scene.meta),
        "version": integer(scene.version),
        "createdAt": iso_z(scene.created_at),
        "updatedAt": iso_z(scene.updated_at),
    }


class SceneSchema(Schema):
    id = ma.fields.String()
    jobId = ma.fields.String(attribute="job_id")
    sceneNumber = ma.fields.Integer(attribute="scene_number")
    duration = ma.fields.Float()
    description = ma.fields.String()
    script = ma.fields.String(allow_none=True)
    # The headline or super the frame shows, "" for none; the description never appears in a frame.
    onScreenText = ma.fields.String(attribute="on_screen_text")
    shotType = ma.fields.String(attribute="shot_type", allow_none=True)
    transition = ma.fields.String(allow_none=True)
    assets = ma.fields.List(ma.fields.String())
    metadata = ma.fields.Dict(attribute="meta")
    version = ma.fields.Integer()
    createdAt = IsoDateTime(attribute="created_at")
    updatedAt = IsoDateTime(attribute="updated_at")

    dump_one = staticmethod(dump_scene)
