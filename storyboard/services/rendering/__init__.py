"""Rendering an approved storyboard to its video (`run`), what a render needs from the database (`inputs`),
and reading the video back (`videos`).

The layer above may call the functions re-exported here.
"""

from storyboard.services.rendering.run import fail, render_job
from storyboard.services.rendering.videos import open_video

__all__ = ["fail", "open_video", "render_job"]
