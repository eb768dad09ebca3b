"""A completed job's video and poster frame, read through the tenant wall."""

from __future__ import annotations

from storyboard import errors
from storyboard.models import Blob, Job, User, db
from storyboard.services.core import blobs
from storyboard.services.jobs.queries import get_job


def open_video(owner: User, job_id: str, *, poster: bool = False) -> tuple[Job, Blob]:
    """The job and its video (or poster) blob; NotFound until the job has completed with one."""
    job = get_job(owner, job_id)
    blob_id = job.poster_blob_id if poster else job.video_blob_id
    blob = db.session.get(Blob, blob_id) if blob_id and job.status == "completed" else None
    if blob is None:
        raise errors.NotFound("Video thumbnail not available" if poster else "Video not available")
    return blobs.detached(job, blob)
