"""URL assets: the SSRF-safe download as background work, single and bulk creates, and failure records."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import select, update

from storyboard import errors, queue
from storyboard.integrations.fetch import Fetcher, FetchPolicy, FetchResult
from storyboard.models import Asset, User, db
from storyboard.services.assets.library import (
    apply_media,
    check_references,
    delete_assets,
    scratch_dir,
    store_file,
)
from storyboard.services.core import idempotency
from storyboard.services.core.transactions import UnitOfWork, abandon, end_read, unit_of_work
from storyboard.services.core.waiting import wait_until
from storyboard.storage.base import disk_space_errors

log = logging.getLogger(__name__)

DOWNLOADING = "download asset"  # the operation named in every ingest failure
BULK_MAX_ITEMS = 100  # URLs one bulk request may name (contract E-19)


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


def create_pending_from_url(owner: User, item: Mapping, *, client_id: str | None, campaign_id: str | None) -> Asset:
    """Add a pending asset for `item` ({url, type, name?, role?, tags?}) to the session, not committed;
    422 when the URL breaks the policy."""
    url, type = item["url"], item["type"]
    try:
        fetcher().check_url(url)
    except errors.StoryboardError as exc:
        raise exc.during(DOWNLOADING) from None
    asset = Asset(
        user_id=owner.id,
        client_id=client_id,
        campaign_id=campaign_id,
        type=type,
        role=item.get("role"),
        name=item.get("name") or "",
        tags=list(item.get("tags") or []),
        source_url=url,
        status="pending",
    )
    db.session.add(asset)
    db.session.flush()
    asset.name = asset.name or f"{type}-{asset.id[:8]}"
    return asset


def enqueue_ingest(asset_id: str) -> bool:
    """Start the download; False when the queue did not take it (the sweeper starts the pending asset later)."""
    return queue.start("ingest", asset_id)


def download_asset(asset_id: str) -> Asset | None:
    """Download, check and store a pending asset; it ends ready or failed (a repeat run is a no-op)."""
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != "pending":
        return asset
    url, declared = asset.source_url, asset.type
    end_read()  # no transaction stays open during the download
    with scratch_dir() as folder:
        path = os.path.join(folder, "download")
        try:
            fetched = _download(url, path)
            with unit_of_work() as work:
                stored = store_file(path, declared, work, fetched.sha256)
                return _finish_ready(asset_id, *stored, fetched.size, work)
        except errors.StoryboardError as exc:
            return mark_failed(asset_id, exc.during(DOWNLOADING))


def _download(url: str, path: str) -> FetchResult:
    with disk_space_errors(), open(path, "wb") as out:
        return fetcher().fetch_to(url, out)


def _finish_ready(asset_id, info, blob, thumb, size, work: UnitOfWork) -> Asset | None:
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != "pending":
        # Deleted or finished elsewhere while we downloaded: keep nothing of this run.
        work.cancel()
        return asset
    apply_media(asset, info, blob, thumb, size)
    return asset


def mark_failed(asset_id: str, exc: errors.StoryboardError) -> Asset | None:
    """Record why an ingest failed (status, public message, and the HTTP status it maps to)."""
    abandon()  # whatever the failed attempt left in the session
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != "pending":
        return asset
    for name, value in _failed(exc).items():
        setattr(asset, name, value)
    db.session.commit()
    return asset


def _failed(exc: errors.StoryboardError) -> dict:
    return {
        "status": "failed",
        "error": exc.message,
        "error_detail": exc.failure.but(stage="ingest", status=exc.status).as_detail(),
    }


def create_from_url(owner: User, data: dict, *, wait: float, key: str | None) -> tuple[Asset, bool]:
    """Create a URL asset and wait up to `wait` s for its download; returns (asset, finished).

    A download that fails while the caller waits answers its error and keeps nothing.
    """
    if (earlier := _replay(owner, "assets.from-url", key, data)) is not None:
        return earlier, earlier.status != "pending"
    client_id, campaign_id = check_references(owner, data.get("client_id"), data.get("campaign_id"))
    asset = create_pending_from_url(owner, data, client_id=client_id, campaign_id=campaign_id)
    idempotency.remember(owner, "assets.from-url", key, data, asset.id)
    db.session.commit()
    if not enqueue_ingest(asset.id):
        wait = 0  # nothing will happen until the sweeper starts it: answer at once
    asset = _wait(asset.id, wait)
    if asset.status == "pending" and wait > current_app.config["ASSET_DOWNLOAD_TIMEOUT_SECONDS"]:
        asset = _expire(asset.id)
    # Prefer: respond-async (wait 0) always answers 202 with the asset as it is now; the client polls.
    return asset, _settle(asset) if wait > 0 else False


def _replay(owner: User, scope: str, key: str | None, data: dict) -> Asset | None:
    asset_id = idempotency.lookup(owner, scope, key, data)
    return db.session.get(Asset, asset_id) if asset_id else None


def _wait(asset_id: str, seconds: float) -> Asset:
    return wait_until(lambda: db.session.get(Asset, asset_id), lambda a: a.status != "pending", seconds)


def _expire(asset_id: str) -> Asset:
    """The caller waited longer than the download deadline and the asset is still pending (its download ran
    late behind other work, or is still storing): it fails as timed out, so a caller who waits long enough
    always learns the outcome (the contract's 504). A run still going finds it failed or gone and keeps nothing;
    a run that finished first wins (the one conditional UPDATE decides)."""
    timed_out = errors.UpstreamTimeout("Download timed out").during(DOWNLOADING)
    pending = (Asset.id == asset_id) & (Asset.status == "pending")
    db.session.execute(update(Asset).where(pending).values(**_failed(timed_out)))
    db.session.commit()
    asset = db.session.get(Asset, asset_id, populate_existing=True)
    if asset is None:  # deleted by its owner while we waited
        raise errors.NotFound("Asset not found")
    return asset


def _settle(asset: Asset) -> bool:
    """After waiting: a failure is answered as an error and the asset is not kept."""
    if asset.status == "failed":
        error = _error_of(asset)
        delete_assets([asset.id])
        raise error
    return asset.status == "ready"


def _error_of(asset: Asset) -> errors.StoryboardError:
    failure = errors.Failure.from_detail(asset.error_detail)
    return errors.error_class(failure.status or 502).recorded(asset.error or "Failed to download asset", failure)


def create_many_from_urls(owner: User, data: dict, *, wait: float) -> dict:
    """Bulk ingest: per-item results in input order; failures never abort the batch. 422 with the contract's
    words for no item or too many."""
    _check_count(len(data["assets"]))
    client_id, campaign_id = check_references(owner, data.get("client_id"), data.get("campaign_id"))
    results: list[dict] = []
    for item in data["assets"]:
        try:
            asset = create_pending_from_url(owner, item, client_id=client_id, campaign_id=campaign_id)
            results.append({"asset_id": asset.id})
        except errors.StoryboardError as exc:
            results.append({"error": exc.message})
    db.session.commit()
    started = [enqueue_ingest(result["asset_id"]) for result in results if "asset_id" in result]
    # A download the queue did not take starts with the sweeper: no use waiting for it.
    return _bulk_outcome(results, wait if all(started) else 0)


def _check_count(count: int) -> None:
    if 1 <= count <= BULK_MAX_ITEMS:
        return
    message = "No assets provided" if count < 1 else f"Maximum {BULK_MAX_ITEMS} assets allowed per bulk upload"
    raise errors.Unprocessable(message, detail=[{"loc": ["json", "assets"], "msg": message, "type": "value_error"}])


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
