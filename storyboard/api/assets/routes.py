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
from storyboard.api.base import Blueprint, set_list_meta
from storyboard.api.fields import MessageSchema
from storyboard.api.prefer import created_status, idempotency_key, wait_seconds
from storyboard.api.principal import principal
from storyboard.api.streaming import ASSET_MEDIA_TYPES, binary_doc, body_span, safe_filename, serve_blob
from storyboard.services import assets

blp = Blueprint("assets", __name__, url_prefix="/api/v3/assets", description="Media assets")
_MISSING_FILE = {"loc": ["form", "file"], "msg": "Missing data for required field.", "type": "value_error"}


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
    asset, blob, body = assets.open_blob(principal(), asset_id, body_span, thumbnail=thumbnail)
    name = safe_filename(asset.name + ("_thumbnail" if thumbnail else ""), "jpg" if thumbnail else asset.format)
    return serve_blob(blob, name, blob.created_at, body)


@blp.route("/<asset_id>/data")
class AssetData(MethodView):
    @blp.doc(**binary_doc(ASSET_MEDIA_TYPES, "The asset's bytes, as its own type (Range supported)"))
    def get(self, asset_id):
        """Stream the asset's bytes (GET and HEAD; single Range; ETag)."""
        return _serve(asset_id, thumbnail=False)


@blp.route("/<asset_id>/thumbnail")
class AssetThumbnail(MethodView):
    @blp.doc(**binary_doc("image/jpeg", "JPEG thumbnail, max side 128 px"))
    def get(self, asset_id):
        """Stream the asset's JPEG thumbnail."""
        return _serve(asset_id, thumbnail=True)
