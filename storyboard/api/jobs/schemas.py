"""Job JSON shapes: the brief (E-23/E-26), the job (4.6), cost estimates (4.9) and events."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.api.fields import (
    MAX_INT,
    IsoDateTime,
    ListArgsSchema,
    filter_alias,
    json_field_cap,
    stored_integer,
)
from storyboard.api.scenes.schemas import SceneSchema
from storyboard.models import JOB_STATUSES, STATUS_ALIASES
from storyboard.wire.jobs import (  # noqa: F401  (the API's names for the shared shapes)
    FORMATS,
    RESOLUTIONS,
    AdBasicsSchema,
    AdvancedSchema,
    AssetInputSchema,
    ContextSchema,
    CreativeSchema,
    DirectionSchema,
    JobCreateSchema,
    JobSchema,
    ProgressSchema,
    VideoSpecsSchema,
    dump_job_item,
)


class DryRunSchema(JobCreateSchema):
    context = ma.fields.Nested(ContextSchema, allow_none=True)


class CostEstimateSchema(Schema):
    estimatedCost = ma.fields.Float()
    currency = ma.fields.String()
    breakdown = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    validUntil = ma.fields.String()


class JobListItemSchema(JobSchema):
    class Meta(Schema.Meta):
        exclude = ("scenes",)

    dump_one = staticmethod(dump_job_item)


class JobListArgsSchema(ListArgsSchema):
    client_id = ma.fields.String(validate=validate.Length(max=64))
    campaign_id = ma.fields.String(validate=validate.Length(max=64))
    status = ma.fields.String(validate=validate.OneOf(JOB_STATUSES + tuple(STATUS_ALIASES)))
    clientId = filter_alias("client_id")
    campaignId = filter_alias("campaign_id")


class JobEventSchema(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    fromStatus = ma.fields.String(attribute="from_status", allow_none=True)
    toStatus = ma.fields.String(attribute="to_status", allow_none=True)
    actor = ma.fields.String(allow_none=True)
    message = ma.fields.String(allow_none=True)
    data = ma.fields.Dict(allow_none=True)
    createdAt = IsoDateTime(attribute="created_at")


class JobEventArgsSchema(Schema):
    after = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_INT))
    limit = ma.fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


_INTEGER_PARAMS = ("sceneNumber", "sceneIdx", "revision")


def _payload_integers(payload) -> None:
    """The integer parameters inside `payload` are bounded as those at the top level."""
    if isinstance(payload, dict):
        for name in _INTEGER_PARAMS:
            stored_integer(payload.get(name))


class JobActionSchema(Schema):
    """An action with its parameters inside `payload` or at the top level (both spellings of the original)."""

    action = ma.fields.String(required=True, validate=validate.Length(min=1, max=60))
    payload = ma.fields.Dict(allow_none=True, validate=[json_field_cap, _payload_integers])
    sceneId = ma.fields.Raw(allow_none=True, validate=json_field_cap)
    sceneNumber = ma.fields.Raw(allow_none=True, validate=[json_field_cap, stored_integer])
    sceneIdx = ma.fields.Raw(allow_none=True, validate=[json_field_cap, stored_integer])
    feedback = ma.fields.Raw(allow_none=True, validate=json_field_cap)
    constraints = ma.fields.Raw(allow_none=True, validate=json_field_cap)
    revision = ma.fields.Raw(allow_none=True, validate=[json_field_cap, stored_integer])
    reason = ma.fields.Raw(allow_none=True, validate=json_field_cap)


class JobActionResultSchema(Schema):
    message = ma.fields.String(required=True)
    job = ma.fields.Nested(JobSchema)
    scene = ma.fields.Nested(SceneSchema)
    scenes = ma.fields.List(ma.fields.Nested(SceneSchema))
    # Only when feedback was given to a rewrite: the writer's own report of it.
    feedback = ma.fields.Dict(
        metadata={
            "description": "What became of the feedback: writer, model, applied (what was done), "
            "notApplied (what needs an AI model, or null)"
        }
    )
