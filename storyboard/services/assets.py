"""Assets: uploads, URL ingest (background downloads), reads, serving and deletion."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from storyboard import errors, queue
from storyboard.integrations.fetch import Fetcher, FetchPolicy
from storyboard.integrations.media import MediaInfo, inspect_file, make_thumbnail
from storyboard.models import Asset, Blob, User, db, utcnow
from storyboard.services import blobs, idempotency
from storyboard.services.campaigns import campaign_of_client
from storyboard.services.clients import get_client
from storyboard.services.scoping import get_owned, owned_query, paginate
from storyboard.services.waiting import wait_until
from storyboard.storage import get_store

log = logging.getLogger(__name__)

DOWNLOAD_PREFIX = "Failed to download asset: "
COPY_CHUNK = 1024 * 1024


def fetcher() -> Fetcher:
    cfg = current_app.config
    return Fetcher(
        FetchPolicy(
            max_bytes=cfg["MAX_ASSET_DOWNLOAD_SIZE_MB"] * 1024 * 1024,
            deadline_seconds=cfg["ASSET_DOWNLOAD_TIMEOUT_SECONDS"],
            allowed_domains=tuple(d for d in cfg["ALLOWED_ASSET_DOMAINS"] if d != "*"),
            allowed_ports=tuple(cfg["ASSET_ALLOWED_PORTS"]),
            allow_private=bool(cfg["ASSET_FETCH_ALLOW_PRIVATE"]),
        )
    )


@contextmanager
def scratch_dir():
    """A private temp folder for one ingest, removed whatever happens."""
    path = tempfile.mkdtemp(prefix="ingest-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


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


def _references(owner: User, client_id: str | None, campaign_id: str | None) -> tuple[str | None, str | None]:
    """Check optional client/campaign references belong to the caller (404 otherwise)."""
    if campaign_id and not client_id:
        from storyboard.services.campaigns import get_campaign

        return get_campaign(owner, campaign_id).client_id, campaign_id
    if client_id:
        get_client(owner, client_id)
        campaign_of_client(owner, campaign_id, client_id)
    return client_id, campaign_id


# --- storing bytes -----------------------------------------------------------------------------------


def _store_file(path: str, declared_type: str) -> tuple[MediaInfo, Blob, Blob | None, list[str]]:
    """Inspect and store a local file and its thumbnail; returns the shas written for this call."""
    info = inspect_file(path, declared_type)
    thumb_bytes = make_thumbnail(path, info)
    store, written = get_store(), []
    with open(path, "rb") as fh:
        blob, created = store.put_stream(fh, info.mime)
    written += [blob.sha256] if created else []
    thumb = None
    if thumb_bytes:
        thumb, created = store.put_bytes(thumb_bytes, "image/jpeg")
        written += [thumb.sha256] if created else []
    return info, blob, thumb, written


def _apply(asset: Asset, info: MediaInfo, blob: Blob, thumb: Blob | None, size: int) -> None:
    asset.type, asset.format, asset.content_type = info.asset_type, info.format, info.mime
    asset.width, asset.height, asset.duration = info.width, info.height, info.duration
    asset.size, asset.blob_id = size, blob.id
    asset.thumbnail_blob_id = thumb.id if thumb else None
    asset.status, asset.error, asset.error_detail = "ready", None, None


def _rollback_written(written: list[str]) -> None:
    db.session.rollback()
    store = get_store()
    for sha in written:
        store.discard_uncommitted(sha)


# --- uploads -------------------------------------------------------------------------------------------


def _save_upload(stream: BinaryIO, folder: str, cap: int) -> tuple[str, int]:
    path, size = os.path.join(folder, "upload"), 0
    with open(path, "wb") as out:
        while chunk := stream.read(COPY_CHUNK):
            size += len(chunk)
            if size > cap:
                raise errors.PayloadTooLarge(f"File too large (max {cap // (1024 * 1024)} MB)")
            out.write(chunk)
    return path, size


def upload_asset(owner: User, stream: BinaryIO, filename: str, data: dict) -> Asset:
    """Store an uploaded file as a ready asset; on any failure nothing (row or blob) is kept."""
    client_id, campaign_id = _references(owner, data.get("client_id"), data.get("campaign_id"))
    cap = current_app.config["MAX_ASSET_DOWNLOAD_SIZE_MB"] * 1024 * 1024
    written: list[str] = []
    with scratch_dir() as folder:
        path, size = _save_upload(stream, folder, cap)
        try:
            info, blob, thumb, written = _store_file(path, data.get("type") or _guess_type(path))
            asset = Asset(
                user_id=owner.id,
                client_id=client_id,
                campaign_id=campaign_id,
                name=data.get("name") or filename or "upload",
                tags=data.get("tags") or [],
                type="document",
            )
            _apply(asset, info, blob, thumb, size)
            db.session.add(asset)
            db.session.commit()
        except Exception:
            _rollback_written(written)
            raise
    return asset


def _guess_type(path: str) -> str:
    """The asset type the bytes say, for uploads that did not declare one."""
    from storyboard.integrations.media import sniff_type

    return sniff_type(path) or "document"


# --- URL ingest ------------------------------------------------------------------------------------------


def create_pending_from_url(
    owner: User,
    *,
    url: str,
    type: str,
    name: str | None,
    client_id: str | None,
    campaign_id: str | None,
    role: str | None = None,
    tags=None,
) -> Asset:
    """Add a pending URL asset to the session (not committed); 422 when the URL breaks the policy."""
    try:
        fetcher().check_url(url)
    except errors.StoryboardError as exc:
        raise exc.with_prefix(DOWNLOAD_PREFIX) from None
    asset = Asset(
        user_id=owner.id,
        client_id=client_id,
        campaign_id=campaign_id,
        type=type,
        role=role,
        name=name or "",
        tags=list(tags or []),
        source_url=url,
        status="pending",
    )
    db.session.add(asset)
    db.session.flush()
    asset.name = asset.name or f"{type}-{asset.id[:8]}"
    return asset


def enqueue_ingest(asset_id: str) -> None:
    queue.enqueue("storyboard.tasks.ingest.download_asset", asset_id, queue="ingest", job_id=f"ingest-{asset_id}")


def ingest(asset_id: str) -> Asset | None:
    """Download, check and store a pending asset; it ends ready or failed (a repeat run is a no-op)."""
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != "pending":
        return asset
    url, declared = asset.source_url, asset.type
    # Close the transaction before the long network call: no DB session is held while downloading.
    db.session.commit()
    written: list[str] = []
    with scratch_dir() as folder:
        try:
            size = _download(url, os.path.join(folder, "download"))
            info, blob, thumb, written = _store_file(os.path.join(folder, "download"), declared)
            return _finish_ready(asset_id, info, blob, thumb, size, written)
        except errors.StoryboardError as exc:
            _rollback_written(written)
            return mark_failed(asset_id, exc.with_prefix(DOWNLOAD_PREFIX))


def _download(url: str, path: str) -> int:
    with open(path, "wb") as out:
        return fetcher().fetch_to(url, out).size


def _finish_ready(asset_id, info, blob, thumb, size, written) -> Asset | None:
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != "pending":
        # Deleted or finished elsewhere while we downloaded: keep nothing of this run.
        _rollback_written(written)
        return asset
    _apply(asset, info, blob, thumb, size)
    db.session.commit()
    return asset


def mark_failed(asset_id: str, exc: errors.StoryboardError) -> Asset | None:
    """Record why an ingest failed (status, public message, and the HTTP status it maps to)."""
    db.session.rollback()
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != "pending":
        return asset
    asset.status, asset.error = "failed", exc.message
    asset.error_detail = {"stage": "ingest", "status": exc.status, **exc.info}
    db.session.commit()
    return asset


def create_from_url(owner: User, data: dict, *, wait: float, key: str | None) -> tuple[Asset, bool]:
    """Create a URL asset and wait up to `wait` s for its download; returns (asset, finished).

    A download that fails while the caller waits answers its error and keeps nothing.
    """
    if (earlier := _replay(owner, "assets.from-url", key, data)) is not None:
        return earlier, earlier.status != "pending"
    client_id, campaign_id = _references(owner, data.get("client_id"), data.get("campaign_id"))
    asset = create_pending_from_url(
        owner,
        url=data["url"],
        type=data["type"],
        name=data.get("name"),
        client_id=client_id,
        campaign_id=campaign_id,
        tags=data.get("tags"),
    )
    idempotency.remember(owner, "assets.from-url", key, data, asset.id)
    db.session.commit()
    enqueue_ingest(asset.id)
    asset = _wait(asset.id, wait)
    return asset, _settle(asset) if wait > 0 else asset.status != "pending"


def _replay(owner: User, scope: str, key: str | None, data: dict) -> Asset | None:
    asset_id = idempotency.lookup(owner, scope, key, data)
    return db.session.get(Asset, asset_id) if asset_id else None


def _wait(asset_id: str, seconds: float) -> Asset:
    return wait_until(lambda: db.session.get(Asset, asset_id), lambda a: a.status != "pending", seconds)


def _settle(asset: Asset) -> bool:
    """After waiting: a failure is answered as an error and the asset is not kept."""
    if asset.status == "failed":
        error = _error_of(asset)
        delete_assets([asset.id])
        raise error
    return asset.status == "ready"


def _error_of(asset: Asset) -> errors.StoryboardError:
    status = (asset.error_detail or {}).get("status", 502)
    return errors.for_status(status, asset.error or "Failed to download asset", info=asset.error_detail)


def create_many_from_urls(owner: User, data: dict, *, wait: float) -> dict:
    """Bulk ingest: per-item results in input order; failures never abort the batch."""
    client_id, campaign_id = _references(owner, data.get("client_id"), data.get("campaign_id"))
    results: list[dict] = []
    for item in data["assets"]:
        try:
            asset = create_pending_from_url(
                owner,
                url=item["url"],
                type=item["type"],
                name=item.get("name"),
                client_id=client_id,
                campaign_id=campaign_id,
                tags=item.get("tags"),
            )
            results.append({"asset_id": asset.id})
        except errors.StoryboardError as exc:
            results.append({"error": exc.message})
    db.session.commit()
    for result in results:
        if "asset_id" in result:
            enqueue_ingest(result["asset_id"])
    return _bulk_outcome(results, wait)


def _bulk_outcome(results: list[dict], wait: float) -> dict:
    ids = [r["asset_id"] for r in results if "asset_id" in r]
    wait_until(lambda: _pending_count(ids), lambda n: n == 0, wait)
    out, failed_ids = [], []
    for result in results:
        asset = db.session.get(Asset, result["asset_id"]) if "asset_id" in result else None
        if asset is not None and asset.status == "failed":
            failed_ids.append(asset.id)
            out.append({"asset": None, "success": False, "error": asset.error})
        elif asset is not None:
            out.append({"asset": asset, "success": True, "error": None})
        else:
            out.append({"asset": None, "success": False, "error": result["error"]})
    delete_assets(failed_ids)
    ok = sum(1 for r in out if r["success"])
    return {"results": out, "summary": {"total": len(out), "successful": ok, "failed": len(out) - ok}}


def _pending_count(ids: list[str]) -> int:
    if not ids:
        return 0
    return len(db.session.scalars(select(Asset.id).where(Asset.id.in_(ids), Asset.status == "pending")).all())


# --- serving and deleting ------------------------------------------------------------------------------------


def open_blob(owner: User, asset_id: str, *, thumbnail: bool = False) -> tuple[Asset, Blob]:
    """The asset and the blob to serve (its bytes or its thumbnail); 404 with the contract's messages."""
    asset = get_asset(owner, asset_id)
    blob_id = asset.thumbnail_blob_id if thumbnail else asset.blob_id
    if not blob_id:
        raise errors.NotFound("Thumbnail not available" if thumbnail else "Asset data not available")
    blob = db.session.get(Blob, blob_id)
    if blob is None or not get_store().exists(blob):
        raise errors.NotFound("Thumbnail data not available" if thumbnail else "Asset data not available")
    return blobs.detached(asset, blob)


def read_range(blob: Blob, start: int, end: int):
    return get_store().open_range(blob, start, end)


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
