"""A completed job's video and poster frame, read through the tenant wall."""

from __future__ import annotations

from storyboard import errors
from storyboard.models import Blob, Job, User
from storyboard.services.core import blobs
from storyboard.services.core.blobs import Readout, Span
from storyboard.services.core.scoping import get_owned_with


def open_video(owner: User, job_id: str, span: Span, *, poster: bool = False) -> tuple[Job, Blob, Readout]:
    """The job, its video (or poster) blob and the body for the bytes `span(size, sha)` says the response sends;
    NotFound until the job has completed with one. One query finds the job and its blob."""
    blob_id = Job.poster_blob_id if poster else Job.video_blob_id
    job, blob = get_owned_with(Job, job_id, owner, "Job not found", Blob, Blob.id == blob_id)
    missing = "Video thumbnail not available" if poster else "Video not available"
    if blob is None or job.status != "completed":
        raise errors.NotFound(missing)
    body = blobs.readout(blob, span(blob.size_bytes, blob.sha256), missing)
    blobs.detached(job, blob)
    return job, blob, body
