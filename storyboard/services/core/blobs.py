"""Blob lifetime: which blobs a deletion frees, and removing the ones nobody uses any more."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import exists, or_, select, union

from storyboard import errors
from storyboard.models import Asset, Blob, Job, db
from storyboard.services.core.transactions import end_read
from storyboard.storage import store_for

log = logging.getLogger(__name__)


def _asset_blob_ids(condition) -> set[str]:
    rows = db.session.execute(select(Asset.blob_id, Asset.thumbnail_blob_id).where(condition))
    return {blob_id for row in rows for blob_id in row if blob_id}


def _job_blob_ids(condition) -> set[str]:
    rows = db.session.execute(select(Job.video_blob_id, Job.poster_blob_id).where(condition))
    return {blob_id for row in rows for blob_id in row if blob_id}


def blob_ids_of_client(client_id: str) -> set[str]:
    return _asset_blob_ids(Asset.client_id == client_id) | _job_blob_ids(Job.client_id == client_id)


def blob_ids_of_campaign(campaign_id: str) -> set[str]:
    return _asset_blob_ids(Asset.campaign_id == campaign_id) | _job_blob_ids(Job.campaign_id == campaign_id)


def is_referenced(blob_id: str) -> bool:
    refs = union(
        select(Asset.id).where(or_(Asset.blob_id == blob_id, Asset.thumbnail_blob_id == blob_id)),
        select(Job.id).where(or_(Job.video_blob_id == blob_id, Job.poster_blob_id == blob_id)),
    ).subquery()
    return bool(db.session.scalar(select(exists(select(refs.c[0])))))


def delete_owner_of(row, blob_ids: set[str]) -> None:
    """Delete `row` (the database cascades to what hangs under it), then free `blob_ids` nobody uses now."""
    db.session.delete(row)
    db.session.commit()
    release(blob_ids)


def release(blob_ids: Iterable[str]) -> int:
    """Delete each blob that no asset or job references any more; returns how many went."""
    removed = 0
    for blob_id in set(blob_ids):
        if not blob_id or is_referenced(blob_id):
            continue
        blob = db.session.get(Blob, blob_id)
        if blob is None:
            continue
        sha, store = blob.sha256, store_for(blob)
        db.session.delete(blob)
        db.session.commit()
        store.delete_content(sha)
        removed += 1
    return removed


# A span up to this size is read inside the request's transaction (one query, no second connection, no separate
# existence check); longer ones stream after it. Bounds the memory of one request.
READ_NOW_BYTES = 2 * 1024 * 1024

# (size, sha256) -> the bytes [start, stop) a response will send, or None when it sends none.
Span = Callable[[int, str], "tuple[int, int] | None"]


@dataclass(frozen=True)
class Readout:
    """How a response gets the bytes `span` (start, stop) of a blob, decided while the request's transaction is
    open: `data` already read, an open `file` at `start` (sent with sendfile), or `stream` after the transaction;
    all None when the response has no body (HEAD, 304, 416). `redirect(content_type, disposition)` instead: a
    short-lived URL of the store's own where the client GETs the bytes (S3_PRESIGNED_REDIRECT)."""

    data: bytes | None = None
    file: BinaryIO | None = None
    stream: Callable[[], Iterator[bytes]] | None = None
    redirect: Callable[[str, str], str | None] | None = None


def readout(blob: Blob, span: tuple[int, int] | None, missing: str) -> Readout:
    """Prepare the response body for bytes [start, stop) of `blob`; NotFound(`missing`) when the store lacks them."""
    store = store_for(blob)
    if span is None or span[0] == span[1]:
        if not store.exists(blob):
            raise errors.NotFound(missing)
        return Readout()
    if current_app.config.get("S3_PRESIGNED_REDIRECT") and store.name == "s3":
        if not store.exists(blob):
            raise errors.NotFound(missing)
        ttl = int(current_app.config.get("S3_PRESIGNED_TTL_SECONDS", 300))
        return Readout(
            redirect=lambda ctype, disposition: store.presigned_get(
                blob, content_type=ctype, disposition=disposition, expires=ttl
            )
        )
    start, stop = span
    if (file := store.open_file(blob, start)) is not None:
        return Readout(file=file)
    if stop - start <= READ_NOW_BYTES:
        if (data := store.read_now(blob, start, stop - 1)) is None:
            raise errors.NotFound(missing)
        return Readout(data=data)
    if not store.exists(blob):
        raise errors.NotFound(missing)
    return Readout(stream=lambda: store.open_range(blob, start, stop - 1))


def detached(*rows):
    """Keep loaded rows readable and end the transaction, so a long download holds no lock or snapshot."""
    for row in rows:
        db.session.expunge(row)
    end_read()
    return rows
