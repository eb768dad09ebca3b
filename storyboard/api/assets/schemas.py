"""Asset JSON shapes (contract 4.3, E-13..E-21)."""

from __future__ import annotations

import json

import marshmallow as ma
from marshmallow import validate

from storyboard.api.base import Schema
from storyboard.api.fields import IsoDateTime, ListArgsSchema, Trimmed, filter_alias, id_field
from storyboard.models import ASSET_STATUSES, ASSET_TYPES, iso_z
from storyboard.services.assets import BULK_MAX_ITEMS
from storyboard.wire import links
from storyboard.wire.base import Computed, integer, sometimes, text, texts

TYPE_FIELDS = {
    "image": {"width", "height"},
    "video": {"width", "height", "duration", "thumbnailUrl"},
    "audio": {"duration", "waveformUrl"},
    "document": {"pageCount", "thumbnailUrl"},
}
OPTIONAL = set().union(*TYPE_FIELDS.values()) - {"thumbnailUrl"}
_tags = ma.fields.List(Trimmed(validate=validate.Length(min=1, max=100)), validate=validate.Length(max=50))


def _data_url(asset) -> str:
    return f"/api/v3/assets/{asset.id}/data"


def _thumb_url(asset) -> str | None:
    return f"/api/v3/assets/{asset.id}/thumbnail" if asset.thumbnail_blob_id else None


def _signed(path: str | None, asset) -> str | None:
    """A URL of the asset signed for its owner (wire/links.py): an <img> or <video> opens it without credentials."""
    return links.signed(path, asset.user_id) if path else None


def _media(types: str, description: str) -> dict:
    return sometimes(f"for {types} assets", description)


# The media fields appear only for the types they describe (TYPE_FIELDS).
_PIXELS = _media("image and video", "Pixels, 0 when unknown")
_SECONDS = _media("video and audio", "Seconds, 0 when unknown")


def _only_type_fields(data: dict) -> dict:
    keep = TYPE_FIELDS.get(data.get("type"), set())
    return {k: v for k, v in data.items() if k not in OPTIONAL or k in keep}


def dump_asset(asset) -> dict:
    """AssetSchema's dump, written by hand: an asset list costs no marshmallow walk (tests/wire prove it)."""
    url, thumbnail = _data_url(asset), _thumb_url(asset)
    out = {
        "id": text(asset.id),
        "userId": text(asset.user_id),
        "clientId": text(asset.client_id),
        "campaignId": text(asset.campaign_id),
        "name": text(asset.name),
        "url": url,
        "size": integer(asset.size),
        "uploadedAt": iso_z(asset.uploaded_at),
        "tags": texts(asset.tags),
        "thumbnailBlobId": text(asset.thumbnail_blob_id),
        "thumbnailUrl": thumbnail,
        "signedUrl": _signed(url, asset),
        "signedThumbnailUrl": _signed(thumbnail, asset),
        "sourceUrl": text(asset.source_url),
        "type": text(asset.type),
        "format": text(asset.format),
        "contentType": text(asset.content_type),
        "width": asset.width or 0,
        "height": asset.height or 0,
        "duration": round(asset.duration or 0, 3),
        "waveformUrl": None,
        "pageCount": None,
        "role": text(asset.role),
        "status": text(asset.status),
        "error": text(asset.error),
    }
    return _only_type_fields(out)


class AssetSchema(Schema):
    id = ma.fields.String()
    userId = ma.fields.String(attribute="user_id")
    clientId = ma.fields.String(attribute="client_id", allow_none=True)
    campaignId = ma.fields.String(attribute="campaign_id", allow_none=True)
    name = ma.fields.String()
    url = Computed(_data_url, ma.fields.String(metadata={"description": "The bytes: GET /api/v3/assets/{id}/data"}))
    size = ma.fields.Integer(allow_none=True)
    uploadedAt = IsoDateTime(attribute="uploaded_at")
    tags = ma.fields.List(ma.fields.String(), allow_none=True)
    thumbnailBlobId = ma.fields.String(attribute="thumbnail_blob_id", allow_none=True)
    thumbnailUrl = Computed(_thumb_url, ma.fields.String(allow_none=True), allow_none=True)
    # url and thumbnailUrl with ?exp=&sig=: usable without credentials until exp (SIGNED_URL_TTL_SECONDS).
    signedUrl = links.link_field(lambda a: _signed(_data_url(a), a))
    signedThumbnailUrl = links.link_field(lambda a: _signed(_thumb_url(a), a))
    sourceUrl = ma.fields.String(attribute="source_url", allow_none=True)
    type = ma.fields.String(validate=validate.OneOf(ASSET_TYPES))
    format = ma.fields.String(allow_none=True)
    contentType = ma.fields.String(attribute="content_type", allow_none=True)
    width = Computed(lambda a: a.width or 0, ma.fields.Integer(metadata=_PIXELS))
    height = Computed(lambda a: a.height or 0, ma.fields.Integer(metadata=_PIXELS))
    duration = Computed(lambda a: round(a.duration or 0, 3), ma.fields.Float(metadata=_SECONDS))
    waveformUrl = ma.fields.Constant(None, allow_none=True, metadata={"type": "string", **_media("audio", "null")})
    pageCount = ma.fields.Constant(None, allow_none=True, metadata={"type": "integer", **_media("document", "null")})
    role = ma.fields.String(allow_none=True)
    status = ma.fields.String(validate=validate.OneOf(ASSET_STATUSES))
    error = ma.fields.String(allow_none=True)

    dump_one = staticmethod(dump_asset)

    @ma.post_dump
    def _type_fields(self, data, **kwargs):
        return _only_type_fields(data)


class AssetListArgsSchema(ListArgsSchema):
    client_id = ma.fields.String(validate=validate.Length(max=64))
    campaign_id = ma.fields.String(validate=validate.Length(max=64))
    asset_type = ma.fields.String(validate=validate.OneOf(ASSET_TYPES))
    status = ma.fields.String(validate=validate.OneOf(ASSET_STATUSES))
    clientId = filter_alias("client_id")
    campaignId = filter_alias("campaign_id")


class TagsField(ma.fields.Field):
    """Tags from a form: a JSON array string, or any other string as a one-element list."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            items = value
        else:
            try:
                items = json.loads(value)
            except (TypeError, ValueError):
                items = [value]
            items = items if isinstance(items, list) else [value]
        return _tags.deserialize([str(i) for i in items])


class UploadFormSchema(Schema):
    name = Trimmed(validate=validate.Length(min=1, max=255))
    type = ma.fields.String(validate=validate.OneOf(ASSET_TYPES))
    clientId = id_field(attribute="client_id")
    campaignId = id_field(attribute="campaign_id")
    tags = TagsField(metadata={"type": "string", "description": "JSON array of strings"})
    # Documented here so the multipart body is complete; the bytes are read from request.files.
    file = ma.fields.Raw(load_only=True, metadata={"type": "string", "format": "binary"})


class FromUrlSchema(Schema):
    name = Trimmed(required=True, validate=validate.Length(min=1, max=255))
    type = ma.fields.String(required=True, validate=validate.OneOf(ASSET_TYPES))
    url = ma.fields.String(required=True, validate=validate.Length(min=1, max=4096))
    clientId = id_field(attribute="client_id", allow_none=True)
    campaignId = id_field(attribute="campaign_id", allow_none=True)
    tags = ma.fields.List(
        Trimmed(validate=validate.Length(min=1, max=100)), allow_none=True, validate=validate.Length(max=50)
    )


class BulkItemSchema(Schema):
    name = Trimmed(validate=validate.Length(min=1, max=255), load_default=None)
    type = ma.fields.String(required=True, validate=validate.OneOf(ASSET_TYPES))
    url = ma.fields.String(required=True, validate=validate.Length(min=1, max=4096))
    tags = ma.fields.List(
        Trimmed(validate=validate.Length(min=1, max=100)), allow_none=True, validate=validate.Length(max=50)
    )


class BulkFromUrlsSchema(Schema):
    # The count is the service's rule, so its 422 says exactly the contract's words (E-19).
    assets = ma.fields.List(
        ma.fields.Nested(BulkItemSchema), required=True, metadata={"minItems": 1, "maxItems": BULK_MAX_ITEMS}
    )
    clientId = id_field(attribute="client_id", allow_none=True)
    campaignId = id_field(attribute="campaign_id", allow_none=True)


class BulkResultSchema(Schema):
    asset = ma.fields.Nested(AssetSchema, allow_none=True)
    success = ma.fields.Boolean()
    error = ma.fields.String(allow_none=True)


class BulkSummarySchema(Schema):
    total = ma.fields.Integer()
    successful = ma.fields.Integer()
    failed = ma.fields.Integer()


class BulkOutcomeSchema(Schema):
    results = ma.fields.List(ma.fields.Nested(BulkResultSchema))
    summary = ma.fields.Nested(BulkSummarySchema)
