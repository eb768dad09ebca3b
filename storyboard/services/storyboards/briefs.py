"""What the storyboard writer is told about a job: the brief, the brand, the campaign and the assets."""

from __future__ import annotations

from flask import current_app

from storyboard.integrations.llm import Brief, LLMProvider, get_provider
from storyboard.models import Campaign, Client, Job, db
from storyboard.services.assets import attachments
from storyboard.services.jobs import queries


def brief_for(job: Job, *, duration: float | None = None) -> Brief:
    """The Brief for this job's stored request, with its client's guidelines and campaign goal."""
    request = job.request or {}
    ad = request.get("ad_basics") or {}
    creative = request.get("creative") or {}
    direction = creative.get("direction") or {}
    client = db.session.get(Client, job.client_id)
    campaign = db.session.get(Campaign, job.campaign_id) if job.campaign_id else None
    return Brief(
        product=ad.get("product") or "",
        target_audience=ad.get("target_audience") or "",
        key_message=ad.get("key_message") or "",
        call_to_action=ad.get("call_to_action") or "",
        style=direction.get("style") or "",
        tone=direction.get("tone"),
        visual_elements=tuple(direction.get("visual_elements") or ()),
        music_style=direction.get("music_style"),
        duration=duration or queries.brief_duration(request, current_app.config),
        format=(creative.get("video_specs") or {}).get("format") or "16:9",
        client_name=client.name if client else None,
        brand=client.brand_guidelines if client else None,
        campaign_name=campaign.name if campaign else None,
        campaign_goal=campaign.goal if campaign else None,
        assets=attachments.briefs(job),
        language=creative.get("language"),
    )


def provider() -> LLMProvider:
    """The configured LLM provider, built from settings at call time."""
    return get_provider(current_app.config)


def scene_bounds() -> dict[str, int]:
    config = current_app.config
    return {"lo": int(config["SCENES_PER_VIDEO_MIN"]), "hi": int(config["SCENES_PER_VIDEO_MAX"])}
