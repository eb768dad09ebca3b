"""Per-client and per-campaign numbers: job numbers from the tallies (kept by triggers), the rest counted."""

from __future__ import annotations

from sqlalchemy import case, func, select

from storyboard.models import Asset, Campaign, JobTally, User, db
from storyboard.models.tally import MICROS
from storyboard.services.catalog.campaigns import get_campaign
from storyboard.services.catalog.clients import get_client


def _job_numbers(condition) -> dict:
    completed = JobTally.status == "completed"
    row = db.session.execute(
        select(
            func.coalesce(func.sum(JobTally.job_count), 0),
            func.coalesce(func.sum(case((completed, JobTally.job_count), else_=0)), 0),
            func.coalesce(func.sum(case((completed, JobTally.cost_micros), else_=0)), 0),
        ).where(condition)
    ).one()
    jobs, videos, micros = (int(value) for value in row)
    return {"jobCount": jobs, "videoCount": videos, "totalSpend": round(micros / MICROS, 4)}


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count(model.id)).where(condition)) or 0


def client_stats(owner: User, client_id: str) -> dict:
    client = get_client(owner, client_id)
    numbers = _job_numbers(JobTally.client_id == client.id)
    numbers["campaignCount"] = _count(Campaign, Campaign.client_id == client.id)
    numbers["assetCount"] = _count(Asset, Asset.client_id == client.id)
    return numbers


def campaign_stats(owner: User, campaign_id: str) -> dict:
    campaign = get_campaign(owner, campaign_id)
    numbers = _job_numbers(JobTally.campaign_id == campaign.id)
    numbers["assetCount"] = _count(Asset, Asset.campaign_id == campaign.id)
    videos = numbers["videoCount"]
    numbers["avgCost"] = round(numbers["totalSpend"] / videos, 4) if videos else 0.0
    return numbers
