"""Rendering an approved storyboard to its video (`run`), what a render needs from the database (`inputs`),
reading the video back (`videos`), and what a client reviews before approval, drawn as the render would:
scene previews (`previews`), the storyboard sheet (`sheets`) and subtitles (`subtitles`).

The layer above may call the functions re-exported here.
"""

from storyboard.services.rendering.previews import scene_preview
from storyboard.services.rendering.run import fail, render_job
from storyboard.services.rendering.sheets import storyboard_sheet
from storyboard.services.rendering.subtitles import job_subtitles
from storyboard.services.rendering.videos import open_video

__all__ = ["fail", "job_subtitles", "open_video", "render_job", "scene_preview", "storyboard_sheet"]
