"""Campaign JSON shapes (contract 4.2, E-09/E-10)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.api.fields import (
    IsoDateTime,
    ListArgsSchema,
    Trimmed,
    filter_alias,
    http_url,
    id_field,
    json_field_cap,
    name_field,
)
from storyboard.models import CAMPAIGN_STATUSES, iso_z
from storyboard.wire.base import mapping, text


def dump_campaign(campaign) -> dict:
    """CampaignSchema's dump, written by hand (tests/wire prove it equal to marshmallow's)."""
    return {
        "id": text(campaign.id),
        "clientId": text(campaign.client_id),
        "name": text(campaign.name),
        "goal": text(campaign.goal),
        "status": text(campaign.status),
        "productUrl": text(campaign.product_url),
        "brief": mapping(campaign.brief),
        "metadata": mapping(campaign.meta),
        "createdAt": iso_z(campaign.created_at),
        "updatedAt": iso_z(campaign.updated_at),
    }


class CampaignSchema(Schema):
    id = ma.fields.String(dump_only=True)
    clientId = ma.fields.String(attribute="client_id")
    name = ma.fields.String()
    goal = ma.fields.String()
    status = ma.fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES))
    productUrl = ma.fields.String(attribute="product_url", allow_none=True)
    brief = ma.fields.Dict(allow_none=True)
    metadata = ma.fields.Dict(attribute="meta", allow_none=True)
    createdAt = IsoDateTime(attribute="created_at", dump_only=True)
    updatedAt = IsoDateTime(attribute="updated_at", dump_only=True)

    dump_one = staticmethod(dump_campaign)


class CampaignUpdateSchema(Schema):
    name = name_field(allow_none=True)
    goal = Trimmed(allow_none=True, validate=validate.Length(min=1, max=5000))
    status = ma.fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES), allow_none=True)
    productUrl = http_url(attribute="product_url", allow_none=True)
    brief = ma.fields.Dict(allow_none=True, validate=json_field_cap)
    metadata = ma.fields.Dict(attribute="meta", allow_none=True, validate=json_field_cap)


class CampaignCreateSchema(CampaignUpdateSchema):
    clientId = id_field(attribute="client_id", required=True)
    name = name_field(required=True)
    goal = Trimmed(required=True, validate=validate.Length(min=1, max=5000))


class CampaignStatsSchema(Schema):
    videoCount = ma.fields.Integer()
    totalSpend = ma.fields.Float()
    avgCost = ma.fields.Float()
    jobCount = ma.fields.Integer()
    assetCount = ma.fields.Integer()


class CampaignListArgsSchema(ListArgsSchema):
    client_id = ma.fields.String(validate=validate.Length(max=64))
    clientId = filter_alias("client_id")
