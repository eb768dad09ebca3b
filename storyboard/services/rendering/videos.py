"""A completed job's video and poster frame, read through the tenant wall, and the name a download gets."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from storyboard import errors
from storyboard.models import Blob, Campaign, Client, Job, User, db
from storyboard.services.core import blobs
from storyboard.services.core.blobs import Readout, Span
from storyboard.services.core.scoping import get_owned_with

SLUG_PART_CHARS = 40  # each of client and campaign (or product): the whole name stays well under 255 bytes
JOB_ID_CHARS = 8


def open_video(owner: User, job_id: str, span: Span, *, poster: bool = False) -> tuple[Job, Blob, Readout, str]:
    """The job, its video (or poster) blob, the body for the bytes `span(size, sha)` says the response sends,
    and the download's file name; NotFound until the job has completed with one. One query finds the job and
    its blob."""
    blob_id = Job.poster_blob_id if poster else Job.video_blob_id
    job, blob = get_owned_with(Job, job_id, owner, "Job not found", Blob, Blob.id == blob_id)
    missing = "Video thumbnail not available" if poster else "Video not available"
    if blob is None or job.status != "completed":
        raise errors.NotFound(missing)
    name = download_name(job, "-poster.jpg" if poster else ".mp4")
    body = blobs.readout(blob, span(blob.size_bytes, blob.sha256), missing)
    blobs.detached(job, blob)
    return job, blob, body, name


def download_name(job: Job, suffix: str) -> str:
    """`<client>-<campaign or product>-<first 8 of the job id><suffix>`, each part slugged (issue 12)."""
    client = db.session.get(Client, job.client_id) if job.client_id else None
    campaign = db.session.get(Campaign, job.campaign_id) if job.campaign_id else None
    subject = campaign.name if campaign and slug(campaign.name) else _product(job.request)
    parts = [slug(client.name if client else ""), slug(subject), slug(job.id)[:JOB_ID_CHARS]]
    return "-".join(p for p in parts if p) + suffix


def _product(request) -> str:
    basics = (request.get("ad_basics") or request.get("adBasics")) if isinstance(request, Mapping) else None
    return str(basics.get("product") or "") if isinstance(basics, Mapping) else ""


def slug(text, limit: int = SLUG_PART_CHARS) -> str:
    """Lower-case letters, digits and marks of any script, every other run of characters one "-", at most
    `limit` characters cut at a "-" when there is one (quotes, slashes and line breaks never survive)."""
    normal = unicodedata.normalize("NFKC", str(text or "")).lower()
    kept = "".join(c if unicodedata.category(c)[0] in "LNM" else "-" for c in normal)
    words = [w for w in kept.split("-") if w]
    out = ""
    for word in words:
        joined = f"{out}-{word}" if out else word
        if len(joined) > limit:
            return out or word[:limit]
        out = joined
    return out
