"""Stored bytes, content-addressed by SHA-256: one row per distinct content, whichever store holds it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from .base import IdMixin, db, utcnow


class Blob(IdMixin, db.Model):
    __tablename__ = "asset_blobs"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    # Only the postgres store fills this column; it is never loaded with the row.
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
