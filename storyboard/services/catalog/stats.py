"""Per-client and per-campaign numbers, computed by SQL aggregation."""

from __future__ import annotations

from sqlalchemy import case, func, select

from storyboard.models import Asset, Campaign, Job, User, db
from storyboard.services.catalog.campaigns import get_campaign
from storyboard.services.catalog.clients import get_client


def _job_numbers(condition) -> dict:
    completed = Job.status == "completed"
    row = db.session.execute(
        select(
            func.count(Job.id),
            func.count(case((completed, 1))),
            func.coalesce(func.sum(case((completed, Job.actual_cost), else_=0.0)), 0.0),
        ).where(condition)
    ).one()
    jobs, videos, spend = row
    return {"jobCount": jobs, "videoCount": videos, "totalSpend": round(float(spend), 4)}


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count(model.id)).where(condition)) or 0


def client_stats(owner: User, client_id: str) -> dict:
    client = get_client(owner, client_id)
    numbers = _job_numbers(Job.client_id == client.id)
    numbers["campaignCount"] = _count(Campaign, Campaign.client_id == client.id)
    numbers["assetCount"] = _count(Asset, Asset.client_id == client.id)
    return numbers


def campaign_stats(owner: User, campaign_id: str) -> dict:
    campaign = get_campaign(owner, campaign_id)
    numbers = _job_numbers(Job.campaign_id == campaign.id)
    numbers["assetCount"] = _count(Asset, Asset.campaign_id == campaign.id)
    videos = numbers["videoCount"]
    numbers["avgCost"] = round(numbers["totalSpend"] / videos, 4) if videos else 0.0
    return numbers
