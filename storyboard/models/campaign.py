"""A campaign of one client: a goal, a brief, and the jobs made for it."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import IdMixin, TimestampMixin, db

CAMPAIGN_STATUSES = ("draft", "active", "archived")


class Campaign(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'active', 'archived')", name="status"),
        Index("ix_campaigns_user_id_created_at", "user_id", "created_at"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    product_url: Mapped[str | None] = mapped_column(String(2048))
    brief: Mapped[dict | None]
    meta: Mapped[dict | None] = mapped_column("metadata")
