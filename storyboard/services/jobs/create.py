"""Creating a job: check the brief's references, store the job with its pending assets, start its storyboard."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from storyboard import errors, queue
from storyboard.models import WORKING, Campaign, Client, Job, User, db, new_id
from storyboard.services import webhooks
from storyboard.services.assets import attachments
from storyboard.services.catalog import campaigns, clients
from storyboard.services.core import costs, idempotency, waiting
from storyboard.services.core.transactions import unit_of_work
from storyboard.services.jobs import events, queries

SCOPE = "jobs.create"


def create_job(owner: User, brief: Mapping, *, key: str | None = None, wait: float = 0.0) -> tuple[Job, bool]:
    """Create the job (or find it again by Idempotency-Key) and wait up to `wait` s for its storyboard.

    Returns (job, finished); a job whose storyboard failed raises UpstreamFailed carrying the job as `data`.
    """
    job_id = idempotency.lookup(owner, SCOPE, key, brief)
    queued = True
    if job_id is None:
        job_id, queued = _insert(owner, brief, key)
    if wait <= 0 or not queued:
        # Prefer: respond-async answers 202 with the job as it is now; so does a create whose storyboard the
        # queue did not take (Redis down or slow): the job stays pending, the sweeper starts it, the client polls.
        return queries.get_job(owner, job_id), False
    return await_storyboard(owner, job_id, wait)


def _insert(owner: User, brief: Mapping, key: str | None) -> tuple[str, bool]:
    """Check every reference, then store job, assets and key in one commit and enqueue the storyboard;
    returns (job id, whether the queue took the storyboard)."""
    context = brief["context"]
    if brief.get("callback_url"):
        webhooks.validate_callback_url(brief["callback_url"])
    client = clients.get_client(owner, context["client_id"])
    campaign = campaigns.campaign_of_client(owner, context.get("campaign_id"), client.id)
    with unit_of_work():  # no job and no pending asset survives a failed create
        items = brief["creative"].get("assets") or []
        campaign_id = campaign.id if campaign else None
        asset_ids = attachments.attach(owner, items, client_id=client.id, campaign_id=campaign_id)
        job_id = _add_job(owner, brief, client, campaign, asset_ids)
        idempotency.remember(owner, SCOPE, key, brief, job_id)
    return job_id, queue.start("storyboard", job_id)


def _add_job(owner: User, brief: Mapping, client: Client, campaign: Campaign | None, asset_ids: list[str]) -> str:
    config = current_app.config
    audio = bool(brief.get("generate_audio"))
    job = Job(
        id=new_id(),
        user_id=owner.id,
        client_id=client.id,
        campaign_id=campaign.id if campaign else None,
        status="pending",
        progress=events.initial_progress(),
        request=dict(brief),
        asset_ids=asset_ids,
        generate_audio=audio,
        callback_url=brief.get("callback_url"),
        estimated_cost=costs.estimate(queries.brief_duration(brief, config), audio, config)["estimatedCost"],
    )
    db.session.add(job)
    events.record(job, "created", actor=events.user_actor(owner), to_status="pending", message="Job created")
    return job.id


def await_storyboard(owner: User, job_id: str, wait: float) -> tuple[Job, bool]:
    """The job after at most `wait` seconds: (job, finished), or UpstreamFailed when its storyboard failed."""
    job = waiting.wait_until(lambda: queries.get_job(owner, job_id), lambda j: j.status not in WORKING, wait)
    if job.status == "failed" and not job.scenes:
        raise errors.UpstreamFailed(job.error or "Failed to generate scenes", data=job)
    return job, job.status not in WORKING
