"""A video job: the brief, its storyboard's lifecycle, cost, and the rendered video."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import IdMixin, TimestampMixin, db, utcnow

JOB_STATUSES = (
    "pending",
    "storyboard_processing",
    "storyboard_review",
    "in_progress",
    "rendering",
    "completed",
    "failed",
    "cancelled",
)
# The job's lifecycle (contract 4.5 with the brief's statuses): which actions each status allows. `failed` is
# terminal but for `retry` (issue 11), which goes back to `pending` (no storyboard yet: write it again) or to
# `in_progress` (an approved storyboard: render it again); `completed` and `cancelled` allow nothing.
REVIEW_ACTIONS = (
    "regenerate_scene",
    "regenerate_all_scenes",
    "reject_storyboard",
    "approve_storyboard",
    "revert_scene",
    "rebalance_durations",
    "cancel",
)
ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    "pending": ("cancel",),
    "storyboard_processing": ("cancel",),
    "storyboard_review": REVIEW_ACTIONS,
    "in_progress": ("cancel",),
    "rendering": ("cancel",),
    "completed": (),
    "failed": ("retry",),
    "cancelled": (),
}
# Listed in allowedActions only while the scenes' total differs from the brief's duration.
WHEN_DRIFTED = ("rebalance_durations",)
# Statuses in which the first storyboard is still being written.
WORKING = ("pending", "storyboard_processing")
# Statuses a render may run in (`rendering`: a retry after a worker died mid-render).
RENDERABLE = ("in_progress", "rendering")
# Old status names accepted by the list filter (decision 1).
STATUS_ALIASES = {
    "storyboard_ready": ("storyboard_review",),
    "video_processing": ("in_progress", "rendering"),
}


def allowed_actions(status: str, *, drifted: bool = False) -> list[str]:
    """The actions `status` allows; those that fix a duration drift only when `drifted`."""
    return [a for a in ALLOWED_ACTIONS.get(status, ()) if drifted or a not in WHEN_DRIFTED]


def brief_seconds(request: Any, default: float) -> float:
    """The brief's duration D (its stored `creative.video_specs.duration`), else `default` (contract 6.4)."""
    creative = request.get("creative") if isinstance(request, Mapping) else None
    specs = creative.get("video_specs") if isinstance(creative, Mapping) else None
    value = specs.get("duration") if isinstance(specs, Mapping) else None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if seconds > 0 else default


def duration_drift(job: Job, default: float) -> tuple[float, float] | None:
    """(D, the scenes' total) when they differ by a tenth of a second or more; None when they agree or the
    job has no scenes. Durations have one decimal, so a smaller difference is rounding."""
    actual = job.scenes_duration
    if actual is None:
        return None
    expected = brief_seconds(job.request, default)
    if round(float(actual) * 10) == round(expected * 10):
        return None
    return expected, round(float(actual), 1)


class Job(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_user_id_created_at", "user_id", "created_at"),
        Index("ix_jobs_status", "status"),
        # One per list filter (GET /jobs?client_id=&campaign_id=&status=), each ending in the list's order, so
        # a page reads 50 index entries instead of sorting every row of a client (issue 9).
        Index("ix_jobs_user_client_created", "user_id", "client_id", "created_at"),
        Index("ix_jobs_user_client_status_created", "user_id", "client_id", "status", "created_at"),
        Index("ix_jobs_user_campaign_created", "user_id", "campaign_id", "created_at"),
        Index("ix_jobs_user_status_created", "user_id", "status", "created_at"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="pending")
    progress: Mapped[dict | None]
    request: Mapped[dict]
    asset_ids: Mapped[list | None]
    generate_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    estimated_cost: Mapped[float] = mapped_column(Float)
    actual_cost: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    error_detail: Mapped[dict | None]
    feedback: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    video_blob_id: Mapped[str | None] = mapped_column(ForeignKey("asset_blobs.id"), index=True)
    poster_blob_id: Mapped[str | None] = mapped_column(ForeignKey("asset_blobs.id"), index=True)
    video_duration: Mapped[float | None] = mapped_column(Float)
    # What the rendered video's soundtrack carries (the renderer's report: voice, music, reason); null until a
    # render completes. wire.jobs turns it into the job's `audio` object (contract 4.8).
    audio: Mapped[dict | None]
    # The sum of the scenes' durations (one decimal; null without scenes), written in the transaction of every
    # scene change, so GET /jobs and the job list show a duration warning without summing scenes per row.
    scenes_duration: Mapped[float | None] = mapped_column(Float)
    # Bumped on every storyboard (re)generation so a late duplicate run can be recognised.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    approved_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    scenes: Mapped[list[Scene]] = relationship(  # noqa: F821
        "Scene", order_by="Scene.scene_number", viewonly=True
    )


class JobEvent(db.Model):
    """One line of a job's history: status changes, scene changes, who and why."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
