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
from storyboard.services.jobs import ACTION_ALIASES
from storyboard.wire.base import sometimes
from storyboard.wire.jobs import (  # noqa: F401  (the API's names for the shared shapes)
    FORMATS,
    JOB_ACTIONS,
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


# The names `action` takes: every action of the lifecycle, and the aliases of the original API.
ACTION_NAMES = (*JOB_ACTIONS, *sorted(set(ACTION_ALIASES) - set(JOB_ACTIONS)))
_SCENE = "The scene (regenerate_scene, revert_scene): by id, number or 1-based index"


class JobActionParamsSchema(Schema):
    """The parameters of an action, each for the actions that read it."""

    sceneId = ma.fields.String(metadata={"description": _SCENE})
    sceneNumber = ma.fields.Integer(metadata={"description": _SCENE})
    sceneIdx = ma.fields.Integer(metadata={"description": _SCENE})
    feedback = ma.fields.String(
        metadata={"description": "What to change (reject_storyboard, regenerate_scene, regenerate_all_scenes)"}
    )
    constraints = ma.fields.Dict(
        keys=ma.fields.String(), metadata={"description": 'regenerate_scene: e.g. {"duration": 6}'}
    )
    revision = ma.fields.Integer(metadata={"description": "revert_scene: the revision to go back to"})
    reason = ma.fields.String(metadata={"description": "cancel: why, kept in the job's history"})


def _param(name: str, validators: list) -> ma.fields.Raw:
    """A parameter at the top level, loosely loaded (the service checks it), documented as its typed field."""
    shape = JobActionParamsSchema._declared_fields[name]
    metadata = {"shape": shape, "description": shape.metadata.get("description")}
    return ma.fields.Raw(allow_none=True, validate=validators, metadata=metadata)


class JobActionSchema(Schema):
    """An action with its parameters inside `payload` or at the top level (both spellings of the original)."""

    action = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=60), metadata={"enum": list(ACTION_NAMES)}
    )
    payload = ma.fields.Dict(
        allow_none=True,
        validate=[json_field_cap, _payload_integers],
        metadata={
            "shape": ma.fields.Nested(JobActionParamsSchema, allow_none=True),
            "description": "The parameters, as an object (they may also be given at the top level)",
        },
    )
    sceneId = _param("sceneId", [json_field_cap])
    sceneNumber = _param("sceneNumber", [json_field_cap, stored_integer])
    sceneIdx = _param("sceneIdx", [json_field_cap, stored_integer])
    feedback = _param("feedback", [json_field_cap])
    constraints = _param("constraints", [json_field_cap])
    revision = _param("revision", [json_field_cap, stored_integer])
    reason = _param("reason", [json_field_cap])


class FeedbackReportSchema(Schema):
    """What became of the feedback given to a rewrite."""

    writer = ma.fields.String()
    model = ma.fields.String()
    applied = ma.fields.List(ma.fields.String(), metadata={"description": "What was done"})
    notApplied = ma.fields.String(allow_none=True, metadata={"description": "What needs an AI model, or null"})


class JobActionResultSchema(Schema):
    message = ma.fields.String(required=True)
    job = ma.fields.Nested(JobSchema, metadata=sometimes("after approve, retry and cancel"))
    scene = ma.fields.Nested(SceneSchema, metadata=sometimes("after regenerate_scene and revert_scene"))
    scenes = ma.fields.List(
        ma.fields.Nested(SceneSchema),
        metadata=sometimes("after regenerate_all_scenes, reject_storyboard and rebalance_durations"),
    )
    feedback = ma.fields.Nested(FeedbackReportSchema, metadata=sometimes("when a rewrite was given feedback"))
