"""Blob stores, picked by BLOB_STORAGE_TYPE."""

from __future__ import annotations

from flask import current_app

from storyboard import errors
from storyboard.storage.base import BlobStore


def get_store() -> BlobStore:
    """The app's configured store (one instance per app)."""
    app = current_app._get_current_object()
    store = app.extensions.get("storyboard_blob_store")
    if store is None:
        store = app.extensions["storyboard_blob_store"] = _build(app.config)
    return store


def _build(config) -> BlobStore:
    kind = config.get("BLOB_STORAGE_TYPE", "filesystem")
    if kind == "filesystem":
        from storyboard.storage.filesystem import FilesystemStore

        return FilesystemStore(config["BLOB_STORAGE_DIR"])
    if kind == "postgres":
        if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgres"):
            raise errors.StoryboardError("BLOB_STORAGE_TYPE=postgres needs a PostgreSQL DATABASE_URL")
        from storyboard.storage.postgres import PostgresStore

        return PostgresStore()
    if kind == "s3":
        from storyboard.storage.s3 import S3BlobStore, make_client

        return S3BlobStore(make_client(config), config["S3_BUCKET_NAME"], config.get("S3_PREFIX", ""))
    raise errors.StoryboardError(f"Unknown BLOB_STORAGE_TYPE '{kind}'")


__all__ = ["BlobStore", "get_store"]
