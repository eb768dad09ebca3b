"""/api/v3/campaigns: campaigns of a client."""

from __future__ import annotations

from flask.views import MethodView

from storyboard.api.base import Blueprint, set_list_meta
from storyboard.api.campaigns.schemas import (
    CampaignCreateSchema,
    CampaignListArgsSchema,
    CampaignSchema,
    CampaignStatsSchema,
    CampaignUpdateSchema,
)
from storyboard.api.fields import MessageSchema
from storyboard.api.principal import principal
from storyboard.services import catalog

blp = Blueprint("campaigns", __name__, url_prefix="/api/v3/campaigns", description="Campaigns of a client")


@blp.route("")
class Campaigns(MethodView):
    @blp.arguments(CampaignListArgsSchema, location="query")
    @blp.response(200, CampaignSchema(many=True))
    def get(self, args):
        """List campaigns, newest first (filter: client_id)."""
        items, total = catalog.list_campaigns(
            principal(), client_id=args.get("client_id"), offset=args["offset"], limit=args["limit"]
        )
        set_list_meta(total, args["offset"], args["limit"])
        return items

    @blp.arguments(CampaignCreateSchema)
    @blp.response(201, CampaignSchema)
    def post(self, data):
        """Create a campaign for one of your clients."""
        return catalog.create_campaign(principal(), data)


@blp.route("/<campaign_id>")
class CampaignById(MethodView):
    @blp.response(200, CampaignSchema)
    def get(self, campaign_id):
        """Get one campaign."""
        return catalog.get_campaign(principal(), campaign_id)

    @blp.arguments(CampaignUpdateSchema)
    @blp.response(200, CampaignSchema)
    def put(self, data, campaign_id):
        """Update a campaign (only fields that are present and non-null change)."""
        return catalog.update_campaign(principal(), campaign_id, data)

    @blp.response(200, MessageSchema)
    def delete(self, campaign_id):
        """Delete a campaign with its assets and jobs."""
        catalog.delete_campaign(principal(), campaign_id)
        return {"message": "Campaign deleted successfully"}


@blp.route("/<campaign_id>/stats")
class CampaignStats(MethodView):
    @blp.response(200, CampaignStatsSchema)
    def get(self, campaign_id):
        """Job and video counts, spend and average cost of a campaign."""
        return catalog.campaign_stats(principal(), campaign_id)
