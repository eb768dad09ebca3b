"""/api/v3/jobs: video jobs, their cost estimate, actions and history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask.views import MethodView

from storyboard import errors
from storyboard.api.base import Blueprint, set_list_meta
from storyboard.api.jobs.schemas import (
    CostEstimateSchema,
    DryRunSchema,
    JobActionResultSchema,
    JobActionSchema,
    JobCreateSchema,
    JobEventArgsSchema,
    JobEventSchema,
    JobListArgsSchema,
    JobListItemSchema,
    JobSchema,
)
from storyboard.api.prefer import created_status, idempotency_key, wait_seconds
from storyboard.api.principal import principal
from storyboard.api.streaming import binary_doc, body_span, serve_blob
from storyboard.services import actions, jobs, rendering
from storyboard.wire.jobs import job_json

blp = Blueprint("jobs", __name__, url_prefix="/api/v3/jobs", description="Video jobs")


@contextmanager
def failed_job_as_data() -> Iterator[None]:
    """A failure that carries its job (E-23's 502) answers with that job, dumped, as `data`."""
    try:
        yield
    except errors.StoryboardError as error:
        if error.data is not None and not isinstance(error.data, dict | list):
            error.data = job_json(error.data)
        raise


@blp.route("")
class Jobs(MethodView):
    @blp.arguments(JobListArgsSchema, location="query")
    @blp.response(200, JobListItemSchema(many=True))
    def get(self, args):
        """List jobs, newest first (filters: client_id, campaign_id, status)."""
        filters = {k: args.get(k) for k in ("client_id", "campaign_id", "status")}
        items, total = jobs.list_jobs(principal(), **filters, offset=args["offset"], limit=args["limit"])
        set_list_meta(total, args["offset"], args["limit"])
        return items

    @blp.arguments(JobCreateSchema)
    @blp.response(201, JobSchema)
    @blp.alt_response(202, schema=JobSchema, description="Still writing the storyboard: poll the job", success=True)
    def post(self, brief):
        """Create a job and write its storyboard (201 with scenes, 202 still working, 502 failed)."""
        with failed_job_as_data():
            job, finished = jobs.create_job(principal(), brief, key=idempotency_key(), wait=wait_seconds())
        return job, created_status(finished)


@blp.route("/dry-run")
class JobDryRun(MethodView):
    @blp.arguments(DryRunSchema)
    @blp.response(200, CostEstimateSchema)
    def post(self, brief):
        """Estimate the cost of a job without creating it."""
        return jobs.dry_run(brief, current_app.config)


@blp.route("/<job_id>")
class JobById(MethodView):
    @blp.response(200, JobSchema)
    def get(self, job_id):
        """Get a job with its scenes."""
        return jobs.get_job(principal(), job_id)


@blp.route("/<job_id>/actions")
class JobActions(MethodView):
    @blp.arguments(JobActionSchema)
    @blp.response(200, JobActionResultSchema)
    def post(self, body, job_id):
        """Act on a job: approve, reject, regenerate one or all scenes, revert a scene, or cancel."""
        action = body.pop("action")
        return actions.perform(principal(), job_id, action, body)


@blp.route("/<job_id>/events")
class JobEvents(MethodView):
    @blp.arguments(JobEventArgsSchema, location="query")
    @blp.response(200, JobEventSchema(many=True))
    def get(self, args, job_id):
        """The job's history after event `after` (status changes, scene changes, who and why)."""
        return jobs.list_events(principal(), job_id, after=args["after"], limit=args["limit"])


def _revalidated(document, body):
    """Serve a document made from the storyboard: it changes with every edit, so caches revalidate it (ETag)."""
    response = serve_blob(document, document.filename, None, body)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blp.route("/<job_id>/subtitles.vtt")
class JobSubtitlesVtt(MethodView):
    @blp.doc(**binary_doc("text/vtt", "WebVTT subtitles (UTF-8): each scene's script within its span"))
    def get(self, job_id):
        """The storyboard's voice-over as WebVTT subtitles, timed as the video cuts its scenes (from review on)."""
        return _revalidated(*rendering.job_subtitles(principal(), job_id, "vtt", body_span))


@blp.route("/<job_id>/subtitles.srt")
class JobSubtitlesSrt(MethodView):
    @blp.doc(**binary_doc("application/x-subrip", "SubRip subtitles (UTF-8): each scene's script within its span"))
    def get(self, job_id):
        """The storyboard's voice-over as SRT subtitles, timed as the video cuts its scenes (from review on)."""
        return _revalidated(*rendering.job_subtitles(principal(), job_id, "srt", body_span))


@blp.route("/<job_id>/storyboard.pdf")
class JobStoryboardSheet(MethodView):
    @blp.doc(**binary_doc("application/pdf", "The storyboard sheet: cover, one panel per scene, sign-off"))
    def get(self, job_id):
        """A printable storyboard sheet for client sign-off: the brief, a panel per scene, version and date."""
        return _revalidated(*rendering.storyboard_sheet(principal(), job_id, body_span))
