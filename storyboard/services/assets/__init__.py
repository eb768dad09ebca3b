"""Media assets: the library (reads, uploads, storing checked media, deletion), URL ingest as background
work, and a job's attachments (checked or created with the job, downloaded before its storyboard).

The layer above may call the functions re-exported here.
"""

from storyboard.services.assets.ingest import (
    BULK_MAX_ITEMS,
    create_from_url,
    create_many_from_urls,
    download_asset,
    mark_failed,
)
from storyboard.services.assets.library import delete_asset, get_asset, list_assets, open_blob, upload_asset

__all__ = [
    "BULK_MAX_ITEMS",
    "create_from_url",
    "create_many_from_urls",
    "delete_asset",
    "get_asset",
    "download_asset",
    "list_assets",
    "mark_failed",
    "open_blob",
    "upload_asset",
]
