"""Assets: reads, uploads, storing checked media as blobs, serving and deletion (URL ingest: ingest.py)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from storyboard import errors
from storyboard.integrations.hashing import BackgroundSha256
from storyboard.integrations.media import MediaInfo, inspect_file, make_thumbnail
from storyboard.models import Asset, Blob, User, db, utcnow
from storyboard.services.catalog.campaigns import campaign_of_client, get_campaign
from storyboard.services.catalog.clients import get_client
from storyboard.services.core import blobs, scratch
from storyboard.services.core.blobs import Readout, Span
from storyboard.services.core.scoping import get_owned, get_owned_with, owned_query, paginate
from storyboard.services.core.transactions import UnitOfWork, unit_of_work
from storyboard.storage import get_store
from storyboard.storage.base import disk_space_errors

COPY_CHUNK = 1024 * 1024


SCRATCH_PREFIX = "ingest-"


def scratch_parent() -> str | None:
    """Where downloads and uploads are written before they are stored: on the blob store's disk when it has one,
    so that a checked file becomes its blob without a copy."""
    return get_store().scratch_parent()


def scratch_dir():
    """A private temp folder for one ingest or upload, removed whatever happens (or, if its process dies, by the
    next worker that starts or the next sweep)."""
    return scratch.folder(SCRATCH_PREFIX, scratch_parent())


# --- reads -----------------------------------------------------------------------------------------


def get_asset(owner: User, asset_id: str) -> Asset:
    return get_owned(Asset, asset_id, owner, "Asset not found")


def get_owned_assets(owner: User, ids: list[str]) -> list[Asset]:
    """The caller's assets with these ids, in order; NotFound("Asset not found: <id>") for any other."""
    found = {a.id: a for a in db.session.scalars(owned_query(Asset, owner).where(Asset.id.in_(set(ids))))}
    for asset_id in ids:
        if asset_id not in found:
            raise errors.NotFound(f"Asset not found: {asset_id}")
    return [found[i] for i in ids]


def list_assets(
    owner: User, *, client_id=None, campaign_id=None, asset_type=None, status=None, offset: int, limit: int
):
    query = owned_query(Asset, owner)
    for column, value in (
        (Asset.client_id, client_id),
        (Asset.campaign_id, campaign_id),
        (Asset.type, asset_type),
        (Asset.status, status),
    ):
        if value:
            query = query.where(column == value)
    return paginate(query, [Asset.uploaded_at.desc(), Asset.id], offset=offset, limit=limit)


def check_references(owner: User, client_id: str | None, campaign_id: str | None) -> tuple[str | None, str | None]:
    """Check optional client/campaign references belong to the caller (404 otherwise)."""
    if campaign_id and not client_id:
        return get_campaign(owner, campaign_id).client_id, campaign_id
    if client_id:
        get_client(owner, client_id)
        campaign_of_client(owner, campaign_id, client_id)
    return client_id, campaign_id


# --- storing bytes -----------------------------------------------------------------------------------


def store_file(
    path: str, declared_type: str, work: UnitOfWork, sha256: str | None = None
) -> tuple[MediaInfo, Blob, Blob | None]:
    """Inspect and store a local file and its thumbnail as part of `work` (no bytes stay if it fails). `sha256`
    is the digest of the file when the caller computed it while writing it. The thumbnail is made (mostly by an
    ffmpeg or Pillow that release the GIL) while the file is stored."""
    info = inspect_file(path, declared_type)
    store = get_store()
    with ThreadPoolExecutor(1, thread_name_prefix="thumbnail") as pool:
        thumbnail = pool.submit(make_thumbnail, path, info)
        try:
            blob, _ = store.put_file(path, info.mime, sha256, staged=work.discard_blob_on_failure)
        finally:
            thumb_bytes = thumbnail.result()  # never leave it reading a file about to be removed
    thumb = None
    if thumb_bytes:
        thumb, _ = store.put_bytes(thumb_bytes, "image/jpeg", staged=work.discard_blob_on_failure)
    return info, blob, thumb


def apply_media(asset: Asset, info: MediaInfo, blob: Blob, thumb: Blob | None, size: int) -> None:
    asset.type, asset.format, asset.content_type = info.asset_type, info.format, info.mime
    asset.width, asset.height, asset.duration = info.width, info.height, info.duration
    asset.size, asset.blob_id = size, blob.id
    asset.thumbnail_blob_id = thumb.id if thumb else None
    asset.status, asset.error, asset.error_detail = "ready", None, None


# --- uploads -------------------------------------------------------------------------------------------


def _save_upload(stream: BinaryIO, folder: str, cap: int) -> tuple[str, int, str]:
    """(path, size, sha256) of the upload written to `folder`; 413 past `cap` bytes."""
    path, size = os.path.join(folder, "upload"), 0
    with disk_space_errors(), open(path, "wb") as out, BackgroundSha256() as digest:
        while chunk := stream.read(COPY_CHUNK):
            size += len(chunk)
            if size > cap:
                raise errors.PayloadTooLarge(f"File too large (max {cap // (1024 * 1024)} MB)")
            digest.update(chunk)
            out.write(chunk)
    return path, size, digest.hexdigest()


def upload_asset(owner: User, stream: BinaryIO, filename: str, data: dict) -> Asset:
    """Store an uploaded file as a ready asset; on any failure nothing (row or blob) is kept."""
    client_id, campaign_id = check_references(owner, data.get("client_id"), data.get("campaign_id"))
    cap = current_app.config["MAX_ASSET_DOWNLOAD_SIZE_MB"] * 1024 * 1024
    with scratch_dir() as folder, unit_of_work() as work:
        path, size, sha256 = _save_upload(stream, folder, cap)
        info, blob, thumb = store_file(path, data.get("type") or _guess_type(path), work, sha256)
        asset = Asset(
            user_id=owner.id,
            client_id=client_id,
            campaign_id=campaign_id,
            name=data.get("name") or filename or "upload",
            tags=data.get("tags") or [],
            type="document",
        )
        apply_media(asset, info, blob, thumb, size)
        db.session.add(asset)
    return asset


def _guess_type(path: str) -> str:
    """The asset type the bytes say, for uploads that did not declare one."""
    from storyboard.integrations.media import sniff_type

    return sniff_type(path) or "document"


# --- serving and deleting ------------------------------------------------------------------------------------


def open_blob(owner: User, asset_id: str, span: Span, *, thumbnail: bool = False) -> tuple[Asset, Blob, Readout]:
    """The asset, the blob to serve (its bytes or its thumbnail) and the body for the bytes `span(size, sha)`
    says the response sends; 404 with the contract's messages. One query finds the asset and its blob."""
    blob_id = Asset.thumbnail_blob_id if thumbnail else Asset.blob_id
    asset, blob = get_owned_with(Asset, asset_id, owner, "Asset not found", Blob, Blob.id == blob_id)
    if blob is None:
        raise errors.NotFound("Thumbnail not available" if thumbnail else "Asset data not available")
    missing = "Thumbnail data not available" if thumbnail else "Asset data not available"
    body = blobs.readout(blob, span(blob.size_bytes, blob.sha256), missing)
    blobs.detached(asset, blob)
    return asset, blob, body


def delete_asset(owner: User, asset_id: str) -> None:
    """Delete the asset, drop it from scenes that use it, and free blobs nobody else uses."""
    delete_assets([get_asset(owner, asset_id).id])


def delete_assets(asset_ids: list[str]) -> None:
    """Delete these assets (any owner: callers have checked) and release their blobs."""
    if not asset_ids:
        return
    rows = db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids))).all()
    candidates = {b for a in rows for b in (a.blob_id, a.thumbnail_blob_id) if b}
    _forget_in_scenes(set(asset_ids), {a.user_id for a in rows})
    for asset in rows:
        db.session.delete(asset)
    db.session.commit()
    blobs.release(candidates)


def discard(asset_ids: list[str]) -> None:
    """Remove assets created for a job that failed before using them."""
    delete_assets(asset_ids)


def _forget_in_scenes(asset_ids: set[str], owner_ids: set[str]) -> None:
    from storyboard.models import Job, Scene

    query = select(Scene).join(Job, Job.id == Scene.job_id).where(Job.user_id.in_(owner_ids))
    scenes = db.session.scalars(query).all()
    for scene in scenes:
        if asset_ids & set(scene.assets or []):
            scene.assets = [a for a in scene.assets if a not in asset_ids]
            scene.updated_at = utcnow()
