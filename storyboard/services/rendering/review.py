"""What the review routes share: which jobs have a storyboard to review, the documents they serve (bytes made
on request, not stored blobs), and the download names taken from the job's context."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from storyboard import errors
from storyboard.models import Campaign, Client, Job, User, db
from storyboard.services.core.blobs import Readout, Span
from storyboard.services.jobs import queries
from storyboard.services.rendering.videos import slug

# The storyboard can be reviewed once it is written: in review and every status after it, a failed or cancelled
# job only when it got that far (it has scenes).
REVIEWABLE = ("storyboard_review", "in_progress", "rendering", "completed")
ENDED = ("failed", "cancelled")


@dataclass(frozen=True)
class Document:
    """Bytes made for a response, described as `api.streaming.serve_blob` wants a blob (its ETag is `sha256`)."""

    sha256: str
    size_bytes: int
    content_type: str
    filename: str


def reviewable_job(owner: User, job_id: str, what: str) -> Job:
    """The caller's job (404 otherwise); 409 until its storyboard has been written."""
    job = queries.get_job(owner, job_id)
    if job.scenes and job.status in (*REVIEWABLE, *ENDED):
        return job
    raise errors.Conflict(
        f"{what} is available once the storyboard is ready for review (status storyboard_review); "
        f"this job's status is '{job.status}'"
    )


def document(data: bytes, content_type: str, filename: str, span: Span, etag: str | None = None):
    """(Document, Readout) serving `data`: the bytes [start, stop) that `span(size, etag)` asks for."""
    doc = Document(etag or hashlib.sha256(data).hexdigest(), len(data), content_type, filename)
    wanted = span(doc.size_bytes, doc.sha256)
    return doc, Readout(data=data[wanted[0] : wanted[1]]) if wanted else Readout()


def download_name(job: Job, suffix: str) -> str:
    """`<client>-<product>-<suffix>` (the campaign's name when the brief names no product), slugged as the
    video's download name is."""
    client = db.session.get(Client, job.client_id)
    campaign = db.session.get(Campaign, job.campaign_id) if job.campaign_id else None
    request = job.request if isinstance(job.request, dict) else {}
    basics = request.get("ad_basics") or request.get("adBasics") or {}
    subject = basics.get("product") or (campaign.name if campaign else "")
    parts = [slug(client.name if client else ""), slug(subject)]
    return "-".join([p for p in parts if p] + [suffix])
