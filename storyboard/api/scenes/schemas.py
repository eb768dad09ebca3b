"""Scene JSON shapes (contract 4.7), edits (E-29), regeneration (E-30) and revisions."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.api.fields import MAX_INT, IsoDateTime, Trimmed, id_field, json_field_cap
from storyboard.wire.scenes import SceneSchema

_duration = validate.Range(min=0, max=60, min_inclusive=False)


class SceneListSchema(Schema):
    scenes = ma.fields.List(ma.fields.Nested(SceneSchema))


class SceneUpdateSchema(Schema):
    """Missing or null keys leave a field unchanged; `version` (or If-Match) guards against lost updates."""

    description = Trimmed(allow_none=True, validate=validate.Length(min=1, max=2000))
    script = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))
    # The headline or super the frame shows; "" removes it.
    onScreenText = Trimmed(attribute="on_screen_text", allow_none=True, validate=validate.Length(max=200))
    shotType = Trimmed(attribute="shot_type", allow_none=True, validate=validate.Length(min=1, max=50))
    transition = Trimmed(allow_none=True, validate=validate.Length(min=1, max=50))
    duration = ma.fields.Float(allow_none=True, validate=_duration)
    assets = ma.fields.List(id_field(), allow_none=True, validate=validate.Length(max=20))
    metadata = ma.fields.Dict(attribute="meta", keys=ma.fields.String(), allow_none=True, validate=json_field_cap)
    version = ma.fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_INT))


class SceneRegenerateSchema(Schema):
    feedback = Trimmed(allow_none=True, validate=validate.Length(max=2000))
    constraints = ma.fields.Dict(keys=ma.fields.String(), allow_none=True, validate=json_field_cap)

    @ma.validates_schema
    def _duration(self, data, **kwargs):
        duration = (data.get("constraints") or {}).get("duration")
        if duration is None:
            return
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 < duration <= 60:
            raise ma.ValidationError({"constraints": {"duration": ["must be a number, 0 < duration <= 60"]}})


class SceneRevisionSchema(Schema):
    revision = ma.fields.Integer()
    kind = ma.fields.String()
    actor = ma.fields.String()
    feedback = ma.fields.String(allow_none=True)
    sceneId = ma.fields.String(attribute="scene_id")
    sceneNumber = ma.fields.Integer(attribute="scene_number")
    scene = ma.fields.Dict(attribute="snapshot")
    createdAt = IsoDateTime(attribute="created_at")
