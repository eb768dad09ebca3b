"""Storyboard scenes of a job, and every revision each scene went through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import IdMixin, TimestampMixin, db, utcnow


class Scene(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "job_scenes"
    __table_args__ = (UniqueConstraint("job_id", "scene_number", name="uq_job_scenes_job_id_scene_number"),)

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    scene_number: Mapped[int] = mapped_column(Integer)
    duration: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    script: Mapped[str | None] = mapped_column(Text)
    # The headline or super the frame shows (may be empty); the description is for the crew and never shown.
    on_screen_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    shot_type: Mapped[str | None] = mapped_column(String(50))
    transition: Mapped[str | None] = mapped_column(String(50))
    assets: Mapped[list]
    meta: Mapped[dict] = mapped_column("metadata")
    version: Mapped[int] = mapped_column(Integer, default=1)


class SceneRevision(IdMixin, db.Model):
    """A snapshot of a scene after a generation, regeneration, edit, delete or revert."""

    __tablename__ = "scene_revisions"
    __table_args__ = (UniqueConstraint("scene_id", "revision", name="uq_scene_revisions_scene_id_revision"),)

    scene_id: Mapped[str] = mapped_column(String(36), index=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    scene_number: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    feedback: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
