"""A customer of the agency, with brand guidelines that steer storyboards."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import IdMixin, TimestampMixin, db


class Client(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "clients"
    __table_args__ = (Index("ix_clients_user_id_created_at", "user_id", "created_at"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    homepage: Mapped[str | None] = mapped_column(String(2048))
    brand_guidelines: Mapped[dict | None]
    meta: Mapped[dict | None] = mapped_column("metadata")
