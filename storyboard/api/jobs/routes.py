"""/api/v3/jobs: video jobs, their cost estimate, and their history."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from storyboard.api.auth import principal
from storyboard.api.base import Blueprint, set_list_meta
from storyboard.api.jobs.schemas import (
    CostEstimateSchema,
    DryRunSchema,
    JobEventArgsSchema,
    JobEventSchema,
    JobListArgsSchema,
    JobListItemSchema,
    JobSchema,
)
from storyboard.services import jobs

blp = Blueprint("jobs", __name__, url_prefix="/api/v3/jobs", description="Video jobs")


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


@blp.route("/<job_id>/events")
class JobEvents(MethodView):
    @blp.arguments(JobEventArgsSchema, location="query")
    @blp.response(200, JobEventSchema(many=True))
    def get(self, args, job_id):
        """The job's history after event `after` (status changes, scene changes, who and why)."""
        return jobs.list_events(principal(), job_id, after=args["after"], limit=args["limit"])
