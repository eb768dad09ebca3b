"""Background downloads of URL assets."""

from __future__ import annotations

from storyboard import errors
from storyboard.services import assets
from storyboard.tasks import guarded


def download_asset(asset_id: str) -> None:
    """Download, check and store one pending asset (it ends ready or failed)."""
    guarded(
        lambda: assets.download_asset(asset_id),
        lambda exc: assets.mark_failed(asset_id, errors.StoryboardError("Failed to process the asset")),
    )
