"""poster_frame: a JPEG still from a rendered video, for thumbnails and previews."""

from __future__ import annotations

import io
import logging
import subprocess

from PIL import Image, UnidentifiedImageError

from storyboard import errors
from storyboard.integrations import ffmpeg

from .runner import PROBE_TIMEOUT_SECONDS, failure, probe, unavailable

log = logging.getLogger(__name__)


def _grab(video_path: str, seconds: float) -> bytes:
    try:
        # render_video writes MP4, which the mov demuxer reads.
        png = ffmpeg.grab_frame(video_path, seconds, demuxer="mov", timeout=PROBE_TIMEOUT_SECONDS)
    except errors.UpstreamFailed as exc:
        raise unavailable(exc) from exc
    except (OSError, subprocess.SubprocessError) as exc:
        log.error("poster frame of %s failed: %r", video_path, exc)
        raise failure("no frame could be read from the video") from exc
    if png is None:
        log.error("poster frame of %s failed: ffmpeg exited with an error", video_path)
        raise failure("no frame could be read from the video")
    return png


def poster_frame(video_path: str, max_side: int = 640) -> bytes:
    """JPEG of the frame about 1 s in (the middle for videos under 2 s), longest side <= max_side."""
    duration = probe(video_path).duration
    png = _grab(video_path, 1.0 if duration >= 2 else duration / 2)
    if not png:
        png = _grab(video_path, 0.0)  # seeking past a short stream's last keyframe can yield nothing
    try:
        with Image.open(io.BytesIO(png)) as image:
            image = image.convert("RGB")
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except (OSError, UnidentifiedImageError) as exc:
        log.error("poster frame of %s is not an image: %s", video_path, exc)
        raise failure("no frame could be read from the video") from exc
    return out.getvalue()
