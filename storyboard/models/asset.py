"""A media asset (image, video, audio, document) owned by a user, stored as a blob."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import IdMixin, db, utcnow

ASSET_TYPES = ("image", "video", "audio", "document")
ASSET_STATUSES = ("pending", "ready", "failed")


class Asset(IdMixin, db.Model):
    __tablename__ = "assets"
    __table_args__ = (
        Index("ix_assets_user_id_uploaded_at", "user_id", "uploaded_at"),
        Index("ix_assets_blob_id", "blob_id"),
        Index("ix_assets_thumbnail_blob_id", "thumbnail_blob_id"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(20))
    format: Mapped[str | None] = mapped_column(String(10))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list | None]
    role: Mapped[str | None] = mapped_column(String(50))
    blob_id: Mapped[str | None] = mapped_column(ForeignKey("asset_blobs.id"))
    thumbnail_blob_id: Mapped[str | None] = mapped_column(ForeignKey("asset_blobs.id"))
    source_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="ready")
    error: Mapped[str | None] = mapped_column(Text)
    error_detail: Mapped[dict | None]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
