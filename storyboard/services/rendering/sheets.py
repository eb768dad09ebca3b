"""The storyboard sheet (PDF) a client signs off: the brief on a cover, one panel per scene with its preview
frame, and a sign-off block."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from storyboard.integrations.render import frame_size, preview
from storyboard.integrations.render.sheet import Panel, Sheet, storyboard_pdf
from storyboard.models import Campaign, Client, Job, User, db
from storyboard.services.core import scratch
from storyboard.services.core.blobs import Readout, Span
from storyboard.services.rendering.inputs import RenderInputs, gather
from storyboard.services.rendering.previews import frames, preview_key
from storyboard.services.rendering.review import Document, document, download_name, reviewable_job
from storyboard.services.rendering.run import WORKDIR_PREFIX, work_root

# One sheet drawn at a time per process: drawing is CPU work in Python (it holds the GIL), and a PDF viewer
# asks for one sheet in several Range requests at once, which then wait for the first drawing and share it.
_DRAWING = threading.Lock()
# The last sheets drawn, by the digest of what they show.
_RECENT: OrderedDict[str, bytes] = OrderedDict()
RECENT_SHEETS = 8


def storyboard_sheet(owner: User, job_id: str, span: Span) -> tuple[Document, Readout]:
    """The job's storyboard sheet as a PDF, its ETag the digest of what it shows (frames drawn when no kept
    preview matches); 409 until the storyboard is written."""
    job = reviewable_job(owner, job_id, "The storyboard sheet is")
    name = download_name(job, "storyboard.pdf")
    scene_ids, inputs = [s.id for s in job.scenes], gather(job)
    sheet = _sheet(job, inputs)
    keys = [preview_key(inputs, i, scene_id) for i, scene_id in enumerate(scene_ids)]
    facts = [preview.renderer_version(), repr(sheet), keys]
    key = hashlib.sha256(json.dumps(facts, default=str).encode()).hexdigest()
    with _DRAWING:
        pdf = _RECENT.get(key) or _drawn(sheet, key, frames(inputs, scene_ids))
        _RECENT.move_to_end(key)
    return document(pdf, "application/pdf", name, span, etag=key)


def _drawn(sheet: Sheet, key: str, shown: dict[int, tuple[str, bytes]]) -> bytes:
    panels = tuple(replace(panel, jpeg=shown[i][1]) for i, panel in enumerate(sheet.panels))
    with scratch.folder(WORKDIR_PREFIX, work_root()) as folder:
        pdf = storyboard_pdf(replace(sheet, panels=panels), Path(folder))
    _RECENT[key] = pdf
    while len(_RECENT) > RECENT_SHEETS:
        _RECENT.popitem(last=False)
    return pdf


def _sheet(job: Job, inputs: RenderInputs) -> Sheet:
    """What the sheet shows, its frames left out (`_drawn` adds them)."""
    scenes = list(job.scenes)
    client = db.session.get(Client, job.client_id)
    campaign = db.session.get(Campaign, job.campaign_id) if job.campaign_id else None
    request = job.request or {}
    basics = request.get("ad_basics") or request.get("adBasics") or {}
    width, height = frame_size(inputs.spec.format, inputs.spec.resolution)
    panels = tuple(
        Panel(s.scene_number, float(s.duration), s.shot_type or "", s.on_screen_text or "", s.script or "", b"",
              width / height)
        for s in scenes
    )  # fmt: skip
    return Sheet(
        client=client.name if client else "",
        campaign=campaign.name if campaign else None,
        product=str(basics.get("product") or ""),
        key_message=str(basics.get("key_message") or basics.get("keyMessage") or ""),
        call_to_action=str(basics.get("call_to_action") or basics.get("callToAction") or ""),
        version=job.version,
        dated=max(s.updated_at for s in scenes),
        video_format=inputs.spec.format,
        language=inputs.spec.language,
        panels=panels,
    )
