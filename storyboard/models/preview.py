"""The cached preview frame of a scene: the JPEG the render shows at the scene's middle (issue 12)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, utcnow


class ScenePreview(db.Model):
    """One per scene, replaced when anything the frame shows changes: `key` is the digest of those inputs (the
    scene, its media's blobs, its place on the timeline, the job's format and brand, the drawing code's version)
    and the preview's ETag. The bytes live here, not in the blob store, so they go with their scene."""

    __tablename__ = "scene_previews"

    scene_id: Mapped[str] = mapped_column(ForeignKey("job_scenes.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
