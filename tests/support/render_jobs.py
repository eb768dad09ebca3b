"""Jobs ready to render: real media stored as blobs with Asset rows, and an in_progress job with Scene rows."""

from __future__ import annotations

import array
import math
import subprocess
from pathlib import Path

from PIL import Image, ImageStat

from storyboard.integrations.render.runner import ffmpeg_exe
from storyboard.models import Asset, Job, Scene, User, db
from storyboard.storage import get_store
from tests.support import factories
from tests.support.media_files import SAMPLES, MediaFiles

# (scene duration, script, shot type, transition); the media go to scenes 1 and 2, scene 3 is a title card.
SCENES = (
    (1.2, "Meet the Aurora bottle.", "wide", "cut"),
    (1.0, "It glows when you need a sip.", "close-up", "dissolve"),
    (1.1, "Order today!", "product", "fade"),
)
TOTAL_SECONDS = sum(s[0] for s in SCENES)


def store_asset(owner: User, client, media: MediaFiles, sample: str) -> Asset:
    """Store a generated sample file through the blob store and add a ready Asset row for it."""
    info = SAMPLES[sample]
    with open(media.path(sample), "rb") as stream:
        blob, _ = get_store().put_stream(stream, info.mime)
    asset = Asset(
        user_id=owner.id,
        client_id=client.id,
        name=info.filename,
        type=info.asset_type,
        format=info.format,
        content_type=info.mime,
        size=blob.size_bytes,
        width=info.width,
        height=info.height,
        duration=info.duration,
        blob_id=blob.id,
        status="ready",
    )
    db.session.add(asset)
    db.session.commit()
    return asset


def make_render_job(
    owner: User,
    client,
    scenes: list[dict],
    *,
    format: str = "16:9",
    resolution: str = "720p",
    status: str = "in_progress",
    **data,
) -> Job:
    """A job in `status` (approved by default) with the given Scene rows."""
    job = factories.make_job(owner, client, status=status, **data)
    job.request = {
        **job.request,
        "creative": {**job.request["creative"], "videoSpecs": {"format": format, "resolution": resolution}},
    }
    for number, scene in enumerate(scenes, start=1):
        db.session.add(Scene(job_id=job.id, scene_number=number, meta={}, **scene))
    db.session.commit()
    return job


def three_scene_job(
    owner: User,
    client,
    media: MediaFiles,
    *,
    format: str = "16:9",
    resolution: str = "720p",
    durations: tuple[float, ...] | None = None,
    **data,
) -> Job:
    """Scene 1 shows an image asset, scene 2 a video asset, scene 3 has no asset (a title card)."""
    image, video = store_asset(owner, client, media, "jpeg"), store_asset(owner, client, media, "mp4")
    assets = ([image.id], [video.id], [])
    scenes = [
        dict(
            duration=(durations or (d,) * 3)[i],
            description=f"Scene {i + 1}: the bottle",
            script=script,
            shot_type=shot,
            transition=transition,
            assets=assets[i],
        )
        for i, (d, script, shot, transition) in enumerate(SCENES)
    ]
    return make_render_job(owner, client, scenes, format=format, resolution=resolution, **data)


def reload_job(job_id: str) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id)


# --- looking inside a rendered file --------------------------------------------------------------


def _ffmpeg(*args: str) -> bytes:
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    return subprocess.run(cmd, capture_output=True, timeout=120, check=True).stdout


def frame_spread(path: Path, seconds: float, size: tuple[int, int]) -> float:
    """Largest per-channel standard deviation of the frame at `seconds` (a blank frame is about 0)."""
    raw = _ffmpeg(
        "-ss", f"{seconds:.3f}", "-i", str(path), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"
    )
    return max(ImageStat.Stat(Image.frombytes("RGB", size, raw)).stddev)


def audio_rms(path: Path) -> float:
    pcm = array.array(
        "h", _ffmpeg("-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le", "pipe:1")
    )
    return math.sqrt(sum(x * x for x in pcm) / max(1, len(pcm)))
