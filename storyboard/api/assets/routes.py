"""/api/v3/assets: uploads, downloads from URLs, and the bytes themselves."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from storyboard import errors
from storyboard.api.assets.schemas import (
    AssetListArgsSchema,
    AssetSchema,
    BulkFromUrlsSchema,
    BulkOutcomeSchema,
    FromUrlSchema,
    UploadFormSchema,
)
from storyboard.api.auth import principal
from storyboard.api.base import Blueprint, set_list_meta
from storyboard.api.fields import MessageSchema
from storyboard.api.prefer import created_status, idempotency_key, wait_seconds
from storyboard.api.streaming import safe_filename, serve_blob
from storyboard.services import assets, core

blp = Blueprint("assets", __name__, url_prefix="/api/v3/assets", description="Media assets")
_MISSING_FILE = {"loc": ["form", "file"], "msg": "Missing data for required field.", "type": "value_error"}
BINARY = {"type": "string", "format": "binary"}


def binary_responses(blp_, description: str):
    """Document a binary route: 200/206 bytes of any type, 304 and 416 without a body."""

    def decorate(func):
        func = blp_.response(200, BINARY, content_type="*/*", description=description)(func)
        func = blp_.alt_response(206, schema=BINARY, content_type="*/*", description="Partial content")(func)
        func = blp_.alt_response(304, description="Not modified")(func)
        return blp_.alt_response(416, description="Range not satisfiable")(func)

    return decorate


@blp.route("")
class Assets(MethodView):
    @blp.arguments(AssetListArgsSchema, location="query")
    @blp.response(200, AssetSchema(many=True))
    def get(self, args):
        """List assets, newest first (filters: client_id, campaign_id, asset_type, status)."""
        filters = {k: args.get(k) for k in ("client_id", "campaign_id", "asset_type", "status")}
        items, total = assets.list_assets(principal(), **filters, offset=args["offset"], limit=args["limit"])
        set_list_meta(total, args["offset"], args["limit"])
        return items

    @blp.arguments(UploadFormSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, AssetSchema)
    def post(self, form):
        """Upload a file (multipart `file`; name, type, clientId, campaignId, tags as form fields or query)."""
        meta = {**UploadFormSchema().load(request.args.to_dict()), **form}
        upload = request.files.get("file")
        if upload is None:
            raise errors.Unprocessable("Field 'file' is required", detail=[_MISSING_FILE])
        return assets.upload_asset(principal(), upload.stream, upload.filename or "", meta)


@blp.route("/from-url")
class AssetFromUrl(MethodView):
    @blp.arguments(FromUrlSchema)
    @blp.response(201, AssetSchema)
    @blp.alt_response(202, schema=AssetSchema, description="Still downloading (Prefer: respond-async)")
    def post(self, data):
        """Download a URL into a new asset (waits for it unless `Prefer: respond-async`)."""
        asset, finished = assets.create_from_url(principal(), data, wait=wait_seconds(), key=idempotency_key())
        return asset, created_status(finished)


@blp.route("/from-urls")
class AssetsFromUrls(MethodView):
    @blp.arguments(BulkFromUrlsSchema)
    @blp.response(200, BulkOutcomeSchema)
    def post(self, data):
        """Download up to 100 URLs; results come back in input order."""
        return assets.create_many_from_urls(principal(), data, wait=wait_seconds())


@blp.route("/<asset_id>")
class AssetById(MethodView):
    @blp.response(200, AssetSchema)
    def get(self, asset_id):
        """Get one asset."""
        return assets.get_asset(principal(), asset_id)

    @blp.response(200, MessageSchema)
    def delete(self, asset_id):
        """Delete an asset and the blobs nobody else uses."""
        assets.delete_asset(principal(), asset_id)
        return {"message": "Asset deleted successfully"}


def _serve(asset_id: str, thumbnail: bool):
    asset, blob = assets.open_blob(principal(), asset_id, thumbnail=thumbnail)
    name = safe_filename(asset.name + ("_thumbnail" if thumbnail else ""), "jpg" if thumbnail else asset.format)
    return serve_blob(blob, name, blob.created_at, core.read_range)


@blp.route("/<asset_id>/data")
class AssetData(MethodView):
    @binary_responses(blp, "The asset's bytes (Range supported)")
    def get(self, asset_id):
        """Stream the asset's bytes (GET and HEAD; single Range; ETag)."""
        return _serve(asset_id, thumbnail=False)


@blp.route("/<asset_id>/thumbnail")
class AssetThumbnail(MethodView):
    @binary_responses(blp, "JPEG thumbnail, max side 128 px")
    def get(self, asset_id):
        """Stream the asset's JPEG thumbnail."""
        return _serve(asset_id, thumbnail=True)
