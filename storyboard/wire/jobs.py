"""The job's JSON (contract 4.6) and the brief inside it (E-23/E-26): what the API answers and webhooks send."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, has_app_context
from marshmallow import validate

from storyboard.models import ASSET_TYPES, JOB_STATUSES, allowed_actions, iso_z
from storyboard.models.job import ALLOWED_ACTIONS, duration_drift
from storyboard.wire import links
from storyboard.wire.base import (
    Computed,
    DictDump,
    IsoDateTime,
    Schema,
    Trimmed,
    http_url,
    id_field,
    integer,
    json_field_cap,
    many,
    mapping,
    number,
    sometimes,
    text,
    texts,
    unchanged,
)
from storyboard.wire.scenes import SceneSchema, dump_scene

FORMATS = ("16:9", "9:16", "1:1")
# Every action name allowedActions may list.
JOB_ACTIONS = tuple(dict.fromkeys(action for actions in ALLOWED_ACTIONS.values() for action in actions))
RESOLUTIONS = ("480p", "720p", "1080p")
_text = validate.Length(min=1, max=2000)


class ContextSchema(Schema):
    clientId = id_field(attribute="client_id", required=True)
    campaignId = id_field(attribute="campaign_id", allow_none=True)
    userId = ma.fields.Raw(
        load_only=True,
        allow_none=True,
        validate=json_field_cap,
        metadata={"type": "string", "description": "Accepted and ignored: the caller owns the job"},
    )


class AdBasicsSchema(Schema):
    product = Trimmed(required=True, validate=_text)
    targetAudience = Trimmed(attribute="target_audience", required=True, validate=_text)
    keyMessage = Trimmed(attribute="key_message", required=True, validate=_text)
    callToAction = Trimmed(attribute="call_to_action", required=True, validate=validate.Length(min=1, max=300))


class VideoSpecsSchema(Schema):
    duration = ma.fields.Float(load_default=30.0, validate=validate.Range(min=5, max=120))
    format = ma.fields.String(load_default="16:9", validate=validate.OneOf(FORMATS))
    resolution = ma.fields.String(load_default="720p", validate=validate.OneOf(RESOLUTIONS))


class DirectionSchema(Schema):
    style = Trimmed(required=True, validate=validate.Length(min=1, max=500))
    tone = Trimmed(allow_none=True, validate=validate.Length(max=500))
    visualElements = ma.fields.List(
        Trimmed(validate=validate.Length(max=200)),
        attribute="visual_elements",
        allow_none=True,
        validate=validate.Length(max=30),
    )
    musicStyle = Trimmed(attribute="music_style", allow_none=True, validate=validate.Length(max=200))


class AssetInputSchema(Schema):
    url = ma.fields.String(allow_none=True, validate=validate.Length(max=2048))
    assetId = id_field(attribute="asset_id", allow_none=True)
    type = ma.fields.String(allow_none=True, validate=validate.OneOf(ASSET_TYPES))
    name = Trimmed(allow_none=True, validate=validate.Length(max=255))
    role = Trimmed(allow_none=True, validate=validate.Length(max=50))

    @ma.validates_schema
    def _one_source(self, data, **kwargs):
        if bool(data.get("url")) == bool(data.get("asset_id")):
            raise ma.ValidationError("Give exactly one of 'url' or 'assetId'")


class CreativeSchema(Schema):
    videoSpecs = ma.fields.Nested(
        VideoSpecsSchema, attribute="video_specs", load_default=lambda: VideoSpecsSchema().load({})
    )
    direction = ma.fields.Nested(DirectionSchema, required=True)
    assets = ma.fields.List(ma.fields.Nested(AssetInputSchema), load_default=list, validate=validate.Length(max=20))
    storyboard = ma.fields.Dict(allow_none=True, validate=json_field_cap)
    # The language the ad speaks (an IETF tag such as "de" or "ja-JP"); detected from the brief when absent.
    language = Trimmed(allow_none=True, validate=validate.Regexp(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"))


class AdvancedSchema(Schema):
    duration = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=3600))
    resolution = ma.fields.String(allow_none=True, validate=validate.Length(max=20))
    modelPreferences = ma.fields.List(
        ma.fields.String(validate=validate.Length(max=100)),
        attribute="model_preferences",
        allow_none=True,
        validate=validate.Length(max=20),
    )


class JobCreateSchema(Schema):
    context = ma.fields.Nested(ContextSchema, required=True)
    adBasics = ma.fields.Nested(AdBasicsSchema, attribute="ad_basics", required=True)
    creative = ma.fields.Nested(CreativeSchema, required=True)
    advanced = ma.fields.Nested(AdvancedSchema, allow_none=True)
    generateAudio = ma.fields.Boolean(attribute="generate_audio", load_default=False)
    callbackUrl = http_url(attribute="callback_url", allow_none=True)


_REPORTED = "once the job reported progress"


class ProgressSchema(Schema):
    current_stage = ma.fields.String(metadata={"description": "The job's status, or the stage inside it"})
    scenes_total = ma.fields.Integer()
    scenes_completed = ma.fields.Integer()
    current_scene = ma.fields.Integer(allow_none=True, metadata=sometimes("once the job reported progress"))
    estimated_completion_seconds = ma.fields.Float(
        allow_none=True, metadata=sometimes("once the job reported progress")
    )
    message = ma.fields.String(allow_none=True, metadata=sometimes("once the job reported progress"))
    percent = ma.fields.Integer(metadata={"description": "0 to 100"})


# The brief and the progress are JSON columns: their hand-written dumps read dicts by key, field for field.
dump_context = DictDump(ContextSchema, (("clientId", "client_id", text), ("campaignId", "campaign_id", text)))
dump_ad_basics = DictDump(
    AdBasicsSchema,
    (
        ("product", "product", text),
        ("targetAudience", "target_audience", text),
        ("keyMessage", "key_message", text),
        ("callToAction", "call_to_action", text),
    ),
)
dump_video_specs = DictDump(
    VideoSpecsSchema, (("duration", "duration", number), ("format", "format", text), ("resolution", "resolution", text))
)
dump_direction = DictDump(
    DirectionSchema,
    (
        ("style", "style", text),
        ("tone", "tone", text),
        ("visualElements", "visual_elements", texts),
        ("musicStyle", "music_style", text),
    ),
)
dump_asset_input = DictDump(
    AssetInputSchema,
    (
        ("url", "url", text),
        ("assetId", "asset_id", text),
        ("type", "type", text),
        ("name", "name", text),
        ("role", "role", text),
    ),
)
dump_creative = DictDump(
    CreativeSchema,
    (
        ("videoSpecs", "video_specs", dump_video_specs),
        ("direction", "direction", dump_direction),
        ("assets", "assets", many(dump_asset_input)),
        ("storyboard", "storyboard", mapping),
        ("language", "language", text),
    ),
)
dump_advanced = DictDump(
    AdvancedSchema,
    (
        ("duration", "duration", integer),
        ("resolution", "resolution", text),
        ("modelPreferences", "model_preferences", texts),
    ),
)
dump_brief = DictDump(
    JobCreateSchema,
    (
        ("context", "context", dump_context),
        ("adBasics", "ad_basics", dump_ad_basics),
        ("creative", "creative", dump_creative),
        ("advanced", "advanced", dump_advanced),
        ("generateAudio", "generate_audio", unchanged),
        ("callbackUrl", "callback_url", text),
    ),
)
dump_progress = DictDump(
    ProgressSchema,
    (
        ("current_stage", "current_stage", text),
        ("scenes_total", "scenes_total", integer),
        ("scenes_completed", "scenes_completed", integer),
        ("current_scene", "current_scene", integer),
        ("estimated_completion_seconds", "estimated_completion_seconds", number),
        ("message", "message", text),
        ("percent", "percent", integer),
    ),
)


def _progress_of(job) -> dict:
    """The stored progress over the four keys every progress has (a row written without initial_progress, as
    the original's, lacks some until a status change fills them in)."""
    base = {"current_stage": job.status, "scenes_total": 0, "scenes_completed": 0, "percent": 0}
    return {**base, **job.progress} if job.progress else base


_VOICE_KEYS = ("engine", "version", "language", "voice")
AUDIO_STATUSES = ("not_requested", "requested", "completed", "unavailable", "failed")
_RENDERED = "once a render completed"


class VoiceSchema(Schema):
    engine = ma.fields.String(allow_none=True)
    version = ma.fields.String(allow_none=True)
    language = ma.fields.String(allow_none=True, metadata={"description": "The voice's language tag"})
    voice = ma.fields.String(allow_none=True)


class AudioSchema(Schema):
    """What the video's soundtrack carries (contract 4.8): the render's report once it completed, else whether
    voice-over was asked for."""

    status = ma.fields.String(validate=validate.OneOf(AUDIO_STATUSES))
    requested = ma.fields.Boolean(metadata=sometimes("when the brief asked for voice-over (generateAudio)"))
    voice = ma.fields.Nested(VoiceSchema, allow_none=True, metadata=sometimes(_RENDERED, "null: nothing spoke"))
    music = ma.fields.Boolean(metadata=sometimes(_RENDERED))
    reason = ma.fields.String(allow_none=True, metadata=sometimes(_RENDERED, "Why something is missing"))
    error = ma.fields.String(metadata=sometimes("when status is failed"))


def _audio(job) -> dict:
    """Contract 4.8 (snake_case): what the video's soundtrack carries once a render completed (the render's
    report, `jobs.audio`), else whether voice-over was asked for."""
    requested = {"requested": True} if job.generate_audio else {}
    report = job.audio
    if not isinstance(report, dict):
        return {"status": "requested", **requested} if requested else {"status": "not_requested"}
    voice = report.get("voice")
    voice = {k: text(voice.get(k)) for k in _VOICE_KEYS} if isinstance(voice, dict) else None
    music, reason = report.get("music") is True, text(report.get("reason"))
    status = _audio_status(voice, music, reason)
    out = {"status": status, **requested, "voice": voice, "music": music, "reason": reason}
    if status == "failed":
        out["error"] = reason
    return out


def _audio_status(voice: dict | None, music: bool, reason: str | None) -> str:
    """ "completed" when the video speaks or plays music, or had nothing to say; "unavailable" without a voice
    engine; "failed" when speaking failed (the renderer's reasons, storyboard/integrations/render/voice.py)."""
    if voice or music or not reason:
        return "completed"
    if reason.startswith("engine unavailable"):
        return "unavailable"
    return "failed" if reason.startswith("synthesis failed") else "completed"


def _video_url(job) -> str | None:
    return f"/api/v3/jobs/{job.id}/video" if job.status == "completed" and job.video_blob_id else None


def _thumbnail_url(job) -> str | None:
    return f"/api/v3/jobs/{job.id}/video/thumbnail" if job.poster_blob_id else None


def _signed(path: str | None, job) -> str | None:
    """A media URL of the job signed for its owner (wire/links.py): a <video> opens it without credentials."""
    return links.signed(path, job.user_id) if path else None


def _drift(job) -> tuple[float, float] | None:
    default = current_app.config.get("DEFAULT_VIDEO_DURATION", 30.0) if has_app_context() else 30.0
    return duration_drift(job, float(default))


def _seconds(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


class Seconds(ma.fields.Float):
    """A duration in seconds: 30 for 30.0, 27.5 as it is (as the contract writes them)."""

    def _format_num(self, value):
        return _seconds(float(value))


class JobWarningSchema(Schema):
    code = ma.fields.String(metadata={"description": '"duration_mismatch": the scenes no longer add up to D'})
    message = ma.fields.String()
    expected = Seconds(metadata={"description": "the brief's duration D, in seconds"})
    actual = Seconds(metadata={"description": "what the scenes add up to, in seconds"})


class JobWarnings(ma.fields.List):
    """The job's warnings, worked out from the job (they are not stored)."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.Nested(JobWarningSchema), **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return _warnings(_drift(obj))


def _warnings(drift: tuple[float, float] | None) -> list[dict]:
    """What no longer matches the brief: the scenes' total against its duration (after edits or rewrites)."""
    if drift is None:
        return []
    expected, actual = drift
    message = f"Scenes add up to {actual:g} s; the brief asks for {expected:g} s"
    return [
        {
            "code": "duration_mismatch",
            "message": message,
            "expected": _seconds(expected),
            "actual": _seconds(actual),
        }
    ]


_dump_scenes = many(lambda scene: None if scene is None else dump_scene(scene))


def _job(job, *, with_scenes: bool) -> dict:
    drift = _drift(job)
    out = {
        "id": text(job.id),
        "status": text(job.status),
        "clientId": text(job.client_id),
        "campaignId": text(job.campaign_id),
        "progress": dump_progress(_progress_of(job)),
        "storyboard": None,
    }
    if with_scenes:
        out["scenes"] = _dump_scenes(job.scenes)
    video, thumbnail = _video_url(job), _thumbnail_url(job)
    out.update(
        audio=_audio(job),
        videoUrl=video,
        thumbnailUrl=thumbnail,
        signedVideoUrl=_signed(video, job),
        signedThumbnailUrl=_signed(thumbnail, job),
        error=text(job.error),
        errorDetail=mapping(job.error_detail),
        estimatedCost=number(job.estimated_cost),
        actualCost=number(job.actual_cost),
        assetIds=texts(job.asset_ids),
        feedback=text(job.feedback),
        callbackUrl=text(job.callback_url),
        allowedActions=allowed_actions(job.status, drifted=drift is not None),
        warnings=_warnings(drift),
        version=integer(job.version),
        approvedAt=iso_z(job.approved_at),
        request=dump_brief(job.request or {}),
        createdAt=iso_z(job.created_at),
        updatedAt=iso_z(job.updated_at),
    )
    return out


def dump_job(job) -> dict:
    """JobSchema's dump, written by hand: a job list costs no marshmallow walk (tests/wire prove them equal)."""
    return _job(job, with_scenes=True)


def dump_job_item(job) -> dict:
    """A job as a list item: the job without its scenes."""
    return _job(job, with_scenes=False)


ALWAYS_NULL = {"type": "object", "description": "Always null: the storyboard is `scenes`"}
VIDEO_URL = {"description": "The MP4 (GET /api/v3/jobs/{id}/video) once completed, else null"}
POSTER_URL = {"description": "The poster frame (GET /api/v3/jobs/{id}/video/thumbnail) once rendered, else null"}


class ErrorDetailSchema(Schema):
    """errorDetail: what a failure was (errors.Failure), every key present, null when unknown."""

    stage = ma.fields.String(allow_none=True, metadata={"description": "ingest, storyboard_llm, storyboard, render"})
    retryable = ma.fields.Boolean(metadata={"description": "Whether the same request may succeed later"})
    hint = ma.fields.String(allow_none=True, metadata={"description": "What to do about it"})
    provider = ma.fields.String(allow_none=True)
    model = ma.fields.String(allow_none=True)
    upstream_status = ma.fields.Integer(allow_none=True)
    upstream_message = ma.fields.String(allow_none=True)
    attempts = ma.fields.Integer(allow_none=True)
    asset_id = ma.fields.String(allow_none=True)
    status = ma.fields.Integer(allow_none=True, metadata={"description": "The HTTP status the failure answers"})
    problems = ma.fields.List(
        ma.fields.String(), allow_none=True, metadata=sometimes("when a reply was refused", "What was wrong with it")
    )


class JobSchema(Schema):
    id = ma.fields.String()
    status = ma.fields.String(validate=validate.OneOf(JOB_STATUSES))
    clientId = ma.fields.String(attribute="client_id")
    campaignId = ma.fields.String(attribute="campaign_id", allow_none=True)
    progress = Computed(lambda job: dump_progress.schema.dump(_progress_of(job)), ma.fields.Nested(ProgressSchema))
    storyboard = ma.fields.Constant(None, allow_none=True, metadata=ALWAYS_NULL)
    scenes = ma.fields.List(ma.fields.Nested(SceneSchema))
    audio = Computed(_audio, ma.fields.Nested(AudioSchema))
    videoUrl = Computed(_video_url, ma.fields.String(allow_none=True, metadata=VIDEO_URL), allow_none=True)
    thumbnailUrl = Computed(_thumbnail_url, ma.fields.String(allow_none=True, metadata=POSTER_URL), allow_none=True)
    # videoUrl and thumbnailUrl with ?exp=&sig=: usable without credentials until exp (SIGNED_URL_TTL_SECONDS).
    signedVideoUrl = links.link_field(lambda j: _signed(_video_url(j), j))
    signedThumbnailUrl = links.link_field(lambda j: _signed(_thumbnail_url(j), j))
    error = ma.fields.String(allow_none=True)
    errorDetail = ma.fields.Dict(
        attribute="error_detail",
        allow_none=True,
        metadata={"shape": ma.fields.Nested(ErrorDetailSchema, allow_none=True)},
    )
    estimatedCost = ma.fields.Float(attribute="estimated_cost")
    actualCost = ma.fields.Float(attribute="actual_cost", allow_none=True)
    assetIds = ma.fields.List(ma.fields.String(), attribute="asset_ids", allow_none=True)
    feedback = ma.fields.String(allow_none=True)
    callbackUrl = ma.fields.String(attribute="callback_url", allow_none=True)
    allowedActions = Computed(
        lambda j: allowed_actions(j.status, drifted=_drift(j) is not None),
        ma.fields.List(ma.fields.String(validate=validate.OneOf(JOB_ACTIONS))),
    )
    # [{code, message, expected, actual}]: "duration_mismatch" when the scenes' total is not the brief's duration.
    warnings = JobWarnings()
    version = ma.fields.Integer()
    approvedAt = IsoDateTime(attribute="approved_at", allow_none=True)
    # The brief as it was loaded (defaults filled in), in JobCreate's shape.
    request = Computed(lambda j: dump_brief.schema.dump(j.request or {}), ma.fields.Nested(JobCreateSchema))
    createdAt = IsoDateTime(attribute="created_at")
    updatedAt = IsoDateTime(attribute="updated_at")

    dump_one = staticmethod(dump_job)


_JOB = JobSchema()


def job_json(job) -> dict:
    """The job exactly as GET /api/v3/jobs/{id} shows it (webhook payloads carry this)."""
    return _JOB.dump(job)
