"""Stored bytes, content-addressed by SHA-256: one row per distinct content, whichever store holds it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import IdMixin, db, utcnow


class Blob(IdMixin, db.Model):
    __tablename__ = "asset_blobs"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Which store holds the bytes ("filesystem", "postgres", "s3"); NULL: the configured one (rows from before
    # revision 0010). `flask blobs migrate` changes it once the bytes are in the other store and verified.
    store: Mapped[str | None] = mapped_column(String(20))


class BlobChunk(db.Model):
    """One fixed-size slice of a blob's bytes (`storage.postgres.CHUNK_BYTES`; the last one may be shorter).

    Only the postgres store fills this table (the filesystem store keeps files). The chunks of a blob are
    written before its row in the same transaction, hence the deferred foreign key; deleting the row deletes
    them. The column is STORAGE EXTERNAL on Postgres (media does not compress).
    """

    __tablename__ = "asset_blob_chunks"

    blob_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey("asset_blobs.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
