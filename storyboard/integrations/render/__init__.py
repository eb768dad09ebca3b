"""Compose an approved storyboard into an MP4 animatic with ffmpeg (Pillow draws all text)."""

from .compose import render_video
from .poster import poster_frame
from .runner import RenderCancelled
from .spec import RenderMedia, RenderResult, RenderScene, RenderSpec, frame_size

__all__ = [
    "RenderCancelled",
    "RenderMedia",
    "RenderResult",
    "RenderScene",
    "RenderSpec",
    "frame_size",
    "poster_frame",
    "render_video",
]
