"""A job's assets: checked or created with the job, downloaded before its storyboard, described to the LLM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from storyboard import errors
from storyboard.integrations.llm import AssetBrief
from storyboard.models import Asset, Job, User, db
from storyboard.services.assets import ingest, library


def check_owned(owner: User, asset_ids: Sequence[str]) -> None:
    """404 "Asset not found: <id>" for the first id that is not the caller's."""
    if asset_ids:
        library.get_owned_assets(owner, list(dict.fromkeys(asset_ids)))


def attach(owner: User, items: Sequence[Mapping], *, client_id: str, campaign_id: str | None) -> list[str]:
    """Asset ids in input order: existing ids checked first, then pending assets for URLs (not committed)."""
    check_owned(owner, [item["asset_id"] for item in items if item.get("asset_id")])
    ids = []
    for item in items:
        if item.get("asset_id"):
            ids.append(item["asset_id"])
            continue
        typed = {**item, "type": item.get("type") or "image"}
        ids.append(ingest.create_pending_from_url(owner, typed, client_id=client_id, campaign_id=campaign_id).id)
    return ids


def _items(job: Job) -> list[Mapping]:
    return list(((job.request or {}).get("creative") or {}).get("assets") or [])


def url_asset_ids(job: Job) -> list[str]:
    """The assets this job created from URLs (by position in the brief)."""
    return [aid for aid, item in zip(job.asset_ids or [], _items(job), strict=False) if item.get("url")]


def ingest_for(job_id: str) -> None:
    """Download the job's pending URL assets; on a failure remove every asset it created and raise."""
    job = db.session.get(Job, job_id)
    created = url_asset_ids(job)
    pending = db.session.scalars(select(Asset.id).where(Asset.id.in_(created), Asset.status == "pending")).all()
    db.session.commit()
    try:
        for asset_id in pending:
            asset = ingest.download_asset(asset_id)
            if asset.status != "ready":
                raise _download_failed(asset)
    except Exception:
        library.discard(created)
        _forget(job_id, created)
        raise


def _download_failed(asset: Asset) -> errors.StoryboardError:
    """The job fails with its asset's own message (which already says the download failed)."""
    failure = errors.Failure.from_detail(asset.error_detail)
    failure = failure.but(stage="ingest", asset_id=asset.id, hint=failure.hint or "check the asset URL")
    return errors.UpstreamFailed.recorded(asset.error or "Failed to download asset", failure)


def _forget(job_id: str, removed: Sequence[str]) -> None:
    job = db.session.get(Job, job_id)
    job.asset_ids = [aid for aid in job.asset_ids or [] if aid not in set(removed)]
    db.session.commit()


def briefs(job: Job) -> tuple[AssetBrief, ...]:
    """The job's ready assets as the LLM sees them; the brief's role for this job wins over the stored one."""
    ids = list(job.asset_ids or [])
    rows = db.session.scalars(
        select(Asset).where(Asset.id.in_(ids), Asset.user_id == job.user_id, Asset.status == "ready")
    ).all()
    by_id = {row.id: row for row in rows}
    roles = {aid: item.get("role") for aid, item in zip(ids, _items(job), strict=False)}
    return tuple(_brief(by_id[aid], roles.get(aid)) for aid in dict.fromkeys(ids) if aid in by_id)


def _brief(asset: Asset, role: str | None) -> AssetBrief:
    return AssetBrief(
        id=asset.id,
        type=asset.type,
        name=asset.name,
        role=role or asset.role,
        tags=tuple(str(t) for t in asset.tags or ()),
        width=asset.width,
        height=asset.height,
        duration=asset.duration,
    )
