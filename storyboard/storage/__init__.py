"""Blob stores: new bytes go to the one BLOB_STORAGE_TYPE names; each row says which store holds its bytes.

`asset_blobs.store` names the store of each blob ("filesystem", "postgres", "s3"; NULL for rows written before
revision 0010, which live in the configured store). Reads go through `store_for(blob)`, so while `flask blobs
migrate` moves bytes from one store to another, every blob stays readable from wherever its row says it is.
"""

from __future__ import annotations

from flask import current_app

from storyboard import errors
from storyboard.storage.base import BlobStore

KINDS = ("filesystem", "postgres", "s3")


def get_store() -> BlobStore:
    """The app's configured store, where new blobs are written (one instance per app)."""
    app = current_app._get_current_object()
    store = app.extensions.get("storyboard_blob_store")
    if store is None:
        store = app.extensions["storyboard_blob_store"] = _build(app.config)
    return store


def store_named(kind: str) -> BlobStore:
    """The store of that kind, built from the app's settings (the configured one is `get_store()`)."""
    configured = get_store()
    if kind == configured.name:
        return configured
    app = current_app._get_current_object()
    others = app.extensions.setdefault("storyboard_blob_stores", {})
    if kind not in others:
        others[kind] = _build(app.config, kind)
    return others[kind]


def store_for(blob) -> BlobStore:
    """The store holding this blob's bytes."""
    return get_store() if blob.store is None else store_named(blob.store)


def _build(config, kind: str | None = None) -> BlobStore:
    kind = kind or config.get("BLOB_STORAGE_TYPE", "filesystem")
    if kind == "filesystem":
        from storyboard.storage.filesystem import FilesystemStore

        return FilesystemStore(config["BLOB_STORAGE_DIR"])
    if kind == "postgres":
        if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgres"):
            raise errors.StoryboardError("The postgres blob store needs a PostgreSQL DATABASE_URL")
        from storyboard.storage.postgres import PostgresStore

        return PostgresStore()
    if kind == "s3":
        if not config.get("S3_BUCKET_NAME"):
            raise errors.StoryboardError("The s3 blob store needs S3_BUCKET_NAME (and S3_ENDPOINT_URL off AWS)")
        from storyboard.storage.s3 import S3BlobStore, make_client

        return S3BlobStore(make_client(config), config["S3_BUCKET_NAME"], config.get("S3_PREFIX", ""))
    raise errors.StoryboardError(f"Unknown blob store '{kind}' (one of {', '.join(KINDS)})")


__all__ = ["KINDS", "BlobStore", "get_store", "store_for", "store_named"]
