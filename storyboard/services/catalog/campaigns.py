"""Campaigns of a client."""

from __future__ import annotations

from storyboard import errors
from storyboard.models import Campaign, User, db
from storyboard.services.catalog.clients import get_client
from storyboard.services.core import blobs
from storyboard.services.core.scoping import get_owned, owned_query, paginate, patch

UPDATABLE = ("name", "goal", "status", "product_url", "brief", "meta")


def create_campaign(owner: User, data: dict) -> Campaign:
    """Create a campaign under one of the caller's clients (404 for anyone else's)."""
    client = get_client(owner, data["client_id"])
    campaign = Campaign(
        user_id=owner.id,
        client_id=client.id,
        name=data["name"],
        goal=data["goal"],
        status=data.get("status") or "draft",
        product_url=data.get("product_url"),
        brief=data.get("brief"),
        meta=data.get("meta") or None,
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign


def get_campaign(owner: User, campaign_id: str) -> Campaign:
    return get_owned(Campaign, campaign_id, owner, "Campaign not found")


def list_campaigns(owner: User, *, client_id: str | None = None, offset: int, limit: int):
    query = owned_query(Campaign, owner)
    if client_id:
        query = query.where(Campaign.client_id == client_id)
    return paginate(query, [Campaign.created_at.desc(), Campaign.id], offset=offset, limit=limit)


def update_campaign(owner: User, campaign_id: str, data: dict) -> Campaign:
    campaign = get_campaign(owner, campaign_id)
    patch(campaign, data, UPDATABLE)
    db.session.commit()
    return campaign


def delete_campaign(owner: User, campaign_id: str) -> None:
    """Delete the campaign with its assets and jobs; blobs nobody else uses go too."""
    campaign = get_campaign(owner, campaign_id)
    blobs.delete_owner_of(campaign, blobs.blob_ids_of_campaign(campaign.id))


def campaign_of_client(owner: User, campaign_id: str | None, client_id: str) -> Campaign | None:
    """Resolve an optional campaign reference that must belong to the caller and to `client_id`."""
    if not campaign_id:
        return None
    campaign = get_campaign(owner, campaign_id)
    if campaign.client_id != client_id:
        raise errors.Unprocessable("Campaign does not belong to this client")
    return campaign
