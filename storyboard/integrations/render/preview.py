"""The frame a render shows at the middle of a scene, drawn by the render's own layers, as a JPEG preview.

The picture is what `compose` feeds ffmpeg (the still covered to the pan size and cropped where the pan is at
that frame, the video's frame at that time covered to the frame, or the title/end card), and over it the layers
`layers.scene_layers` draws (super, end card, caption) as opaque as they are at that frame. The middle frame is
never inside a scene's fades or dissolves: `plan_timeline` keeps those within a third of a scene.
"""

from __future__ import annotations

import functools
import importlib.metadata
import io
import logging
import math
import subprocess
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from storyboard import errors
from storyboard.integrations import ffmpeg, media

from . import layers
from .clips import Layer, pan_size, split_frames
from .runner import PROBE_TIMEOUT_SECONDS, failure, unavailable
from .spec import RenderMedia, RenderScene, RenderSpec, frame_size, plan_timeline

log = logging.getLogger(__name__)

PREVIEW_SIDE = 640
# Bump when what a frame shows changes in a way neither the inputs nor the packages' versions tell.
LAYER_VERSION = 1
# What a preview's look depends on besides its inputs: the drawing library and the fonts.
_PACKAGES = ("pillow", "manimgx-fonts", "justmytype-intl-cjk")
# As media._DEMUXERS: the video containers an upload may be.
_DEMUXERS = {"mp4": "mov", "mov": "mov", "webm": "matroska", "mkv": "matroska", "avi": "avi"}
_MOVING_SHOTS = ("wide", "establishing", "tracking", "aerial", "pan")  # as compose._MOVING_SHOTS


@functools.cache
def renderer_version() -> str:
    """This drawing code and the packages it draws with, for a preview's cache key."""
    versions = []
    for name in _PACKAGES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return ";".join([f"layers={LAYER_VERSION}", *versions])


def middle_frame(scenes: Sequence[RenderScene], index: int, fps: int) -> int:
    """The frame of the final video a scene's preview shows (counted from the video's first frame)."""
    plans = plan_timeline(scenes, fps)
    return sum(p.frames for p in plans[:index]) + plans[index].frames // 2


def preview_jpeg(
    scenes: Sequence[RenderScene], index: int, spec: RenderSpec, work: Path, max_side: int = PREVIEW_SIDE
) -> bytes:
    """JPEG (longest side `max_side`) of the frame the render shows at the middle of scene `index`; temporary
    files go to `work`. errors.UpstreamFailed when a medium cannot be read, as the render would fail."""
    size, plan = frame_size(spec.format, spec.resolution), plan_timeline(scenes, spec.fps)[index]
    at = plan.frames // 2
    frame = _picture(scenes, index, spec, at, plan.rendered, size, work).convert("RGBA")
    for layer in layers.scene_layers(scenes, index, spec, plan, size, work):
        frame = _laid_over(frame, layer, at)
    frame = frame.convert("RGB")
    frame.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()


def _picture(scenes, index: int, spec: RenderSpec, at: int, rendered: int, size, work: Path) -> Image.Image:
    scene, media_ = scenes[index], layers.pictures(scenes[index])
    if not media_:
        card = work / f"card-{index:02d}.png"
        layers.card_png(scenes, index, spec, size, card)
        return _own_png(card)
    shares = split_frames(rendered, len(media_))
    k = next(i for i in range(len(shares)) if at < sum(shares[: i + 1]))
    local = at - sum(shares[:k])
    if media_[k].type.lower() == "video":
        return _video_frame(media_[k], local / spec.fps, spec.fps, size)
    return _panned_still(media_[k].path, size, shares[k], local, _motion(scene, index) + k)


def _motion(scene: RenderScene, index: int) -> int:
    # compose._motion: wide shots travel sideways, closer shots drift vertically or diagonally, by scene.
    horizontal = any(word in (scene.shot_type or "").lower() for word in _MOVING_SHOTS)
    return (0 if horizontal else 2) + index % 2


def _pan_offset(frames: int, at: int, motion: int, room: tuple[int, int]) -> tuple[int, int]:
    """Where clips._pan's crop is at frame `at` of `frames`: an eased travel across `room` (spare pixels)."""
    p = (1 - math.cos(math.pi * at / max(frames - 1, 1))) / 2
    moves = ((p, 0.5), (1 - p, 0.5), (0.5, p), (p, 1 - p))
    fx, fy = moves[motion % len(moves)]
    return round(room[0] * fx), round(room[1] * fy)  # crop rounds its x and y (lrint)


def _panned_still(path: str, size: tuple[int, int], frames: int, at: int, motion: int) -> Image.Image:
    big = pan_size(size)
    covered = _decoded(path, big)
    x, y = _pan_offset(frames, at, motion, (big[0] - size[0], big[1] - size[1]))
    return covered.crop((x, y, x + size[0], y + size[1]))


def _decoded(source: str | io.BytesIO, size: tuple[int, int]) -> Image.Image:
    """An image (EXIF-rotated, alpha flattened on black, as overlays.cover_png) scaled and centre-cropped to
    `size`, decoded inside the process's decode budget."""
    try:
        with Image.open(source, formats=media.PIL_FORMATS) as img:
            img.draft("RGB", size)
            with media.DECODE_BUDGET.hold(media.decoded_bytes(img)):
                img = ImageOps.exif_transpose(img)
                if img.mode in ("RGBA", "LA", "P", "PA"):
                    img = Image.alpha_composite(Image.new("RGBA", img.size, (0, 0, 0, 255)), img.convert("RGBA"))
                return ImageOps.fit(img.convert("RGB"), size, Image.Resampling.LANCZOS)
    except errors.StoryboardError:
        raise
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        log.error("cannot prepare an image for a preview: %s", exc)
        raise failure("an image could not be decoded") from exc


def _video_frame(medium: RenderMedia, seconds: float, fps: int, size: tuple[int, int]) -> Image.Image:
    # The render holds a clip's last frame once it runs out (tpad), so a time past its end shows the last one.
    if medium.duration:
        seconds = min(seconds, max(0.0, medium.duration - 1 / fps))
    demuxer = _DEMUXERS.get(Path(medium.path).suffix.lower().lstrip("."), "")
    png = _grab(medium.path, seconds, demuxer) or _grab(medium.path, 0.0, demuxer)
    if not png:
        raise failure("no frame could be read from a video")
    return _decoded(io.BytesIO(png), size)


def _grab(path: str, seconds: float, demuxer: str) -> bytes | None:
    try:
        return ffmpeg.grab_frame(path, seconds, demuxer=demuxer, timeout=PROBE_TIMEOUT_SECONDS)
    except errors.UpstreamFailed as exc:
        raise unavailable(exc) from exc
    except (OSError, subprocess.SubprocessError) as exc:
        log.error("preview frame of %s failed: %r", path, exc)
        raise failure("no frame could be read from a video") from exc


def _own_png(path: Path) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGB")


def _laid_over(frame: Image.Image, layer: Layer, at: int) -> Image.Image:
    """The frame with `layer` over it, as opaque as its fade-in has made it by frame `at` (clips._layer)."""
    if at < layer.start:
        return frame
    with Image.open(layer.path) as img:
        top = img.convert("RGBA")
    if layer.fade:
        level = min(1.0, (at - layer.start) / layer.fade)
        top.putalpha(top.getchannel("A").point(lambda a: round(a * level)))
    return Image.alpha_composite(frame, top)
