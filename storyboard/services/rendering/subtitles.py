"""A job's subtitles (WebVTT or SRT) from its storyboard: the cues the render muxes into the MP4."""

from __future__ import annotations

from storyboard.integrations.render import RenderScene
from storyboard.integrations.render import subtitles as cues
from storyboard.models import User
from storyboard.services.core.blobs import Readout, Span
from storyboard.services.rendering.inputs import spec_for
from storyboard.services.rendering.review import Document, document, download_name, reviewable_job

FORMATS = {
    "vtt": ("text/vtt; charset=utf-8", cues.webvtt),
    "srt": ("application/x-subrip; charset=utf-8", cues.srt),
}


def job_subtitles(owner: User, job_id: str, kind: str, span: Span) -> tuple[Document, Readout]:
    """The storyboard's scripts as `kind` ("vtt" or "srt") subtitles, timed as the render cuts its scenes;
    409 until the storyboard is written."""
    job = reviewable_job(owner, job_id, "Subtitles are")
    scenes = [
        RenderScene(s.scene_number, float(s.duration), "", s.script or "", (s.transition or "cut").lower(), "")
        for s in sorted(job.scenes, key=lambda s: s.scene_number)
    ]
    content_type, write = FORMATS[kind]
    text = write(cues.cues(scenes, spec_for(job).fps))
    return document(text.encode("utf-8"), content_type, download_name(job, f"subtitles.{kind}"), span)
