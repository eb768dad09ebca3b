"""Render inputs and outputs, frame sizes, and the frame-exact timeline of a storyboard."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from storyboard import errors


@dataclass(frozen=True)
class RenderMedia:
    path: str
    type: str  # image | video; other types (audio) are ignored
    width: int | None = None
    height: int | None = None
    duration: float | None = None


@dataclass(frozen=True)
class RenderScene:
    number: int
    duration: float
    description: str
    script: str
    transition: str  # how this scene hands over to the next: cut | fade | dissolve (| wipe)
    shot_type: str
    media: tuple[RenderMedia, ...] = ()
    on_screen_text: str = ""  # the headline or super the frame shows; the description never appears


@dataclass(frozen=True)
class RenderSpec:
    format: str = "16:9"
    resolution: str = "720p"
    fps: int = 25
    brand_colors: tuple[str, ...] = ()
    title: str | None = None
    voice: bool = True
    call_to_action: str | None = None  # shown on the end card (the last scene)
    logo: RenderMedia | None = None  # the client's logo (an image asset with role or tag logo / brand_logo)
    music: RenderMedia | None = None  # an audio asset with role or tag music, mixed under the voice-over
    language: str | None = None  # the ad's language (IETF tag): picks the voice and the text direction


@dataclass(frozen=True)
class RenderResult:
    path: str
    width: int
    height: int
    duration: float
    has_audio_voice: bool
    # What the soundtrack carries, for job.audio: {"voice": {...} or None, "music": bool, "reason": str | None}
    audio: dict | None = None


@dataclass(frozen=True)
class ScenePlan:
    """How many frames a scene owns on the final timeline and how its edges are treated."""

    frames: int
    fade_in: int = 0  # frames fading up from black at the start
    fade_out: int = 0  # frames fading down to black at the end
    blend_in: int = 0  # leading frames mixed with the previous scene's tail
    blend_out: int = 0  # frames rendered past the end, mixed with the next scene's head
    blend_kind: str = "fade"  # xfade transition used for blend_out

    @property
    def rendered(self) -> int:
        return self.frames + self.blend_out


FADE_SIDE_SECONDS = 0.3  # fade through black: this long down, then this long up
BLEND_SECONDS = 0.5
# xfade's own "dissolve" is a grainy pixel dissolve; a film dissolve is a cross-fade.
BLENDS = {"dissolve": "fade", "crossfade": "fade", "wipe": "wipeleft"}
_RESOLUTION = re.compile(r"^\s*(\d{3,4})\s*p?\s*$", re.IGNORECASE)
_FORMAT = re.compile(r"^\s*(\d{1,2})\s*[:x/]\s*(\d{1,2})\s*$")


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def frame_size(format: str, resolution: str) -> tuple[int, int]:
    """Width and height (both even) for an aspect ratio like "9:16" and a resolution like "720p"."""
    res, fmt = _RESOLUTION.match(resolution or ""), _FORMAT.match(format or "")
    if not res or not fmt or "0" in (fmt.group(1), fmt.group(2)):
        raise errors.InvalidInput(f"Unsupported video format {format!r} / resolution {resolution!r}")
    short, (w, h) = int(res.group(1)), (int(fmt.group(1)), int(fmt.group(2)))
    if not 144 <= short <= 2160:
        raise errors.InvalidInput(f"Unsupported resolution {resolution!r}")
    if w >= h:
        return _even(short * w / h), _even(short)
    return _even(short), _even(short * h / w)


def _frame_counts(durations: Sequence[float], fps: int) -> list[int]:
    # Rounding cumulative edges (not each scene) keeps the total within half a frame.
    edges = [round(t * fps) for t in itertools.accumulate(durations, initial=0.0)]
    return [max(b - a, 1) for a, b in itertools.pairwise(edges)]


def _boundary(kind: str, here: int, following: int | None, fps: int) -> tuple[int, int]:
    """(fade frames, blend frames) at the boundary after a scene of `here` frames."""
    shorter = min(here, following) if following else here
    if kind == "fade" or (kind in BLENDS and following is None):
        return min(round(FADE_SIDE_SECONDS * fps), shorter // 4), 0
    if kind in BLENDS:
        frames = min(round(BLEND_SECONDS * fps), shorter // 3)
        return (0, frames) if frames >= 2 else (0, 0)
    return 0, 0


def plan_timeline(scenes: Sequence[RenderScene], fps: int) -> list[ScenePlan]:
    """Frame counts and transitions per scene; the counts sum to the storyboard's duration."""
    if not scenes or fps <= 0 or any(not s.duration or s.duration <= 0 for s in scenes):
        raise errors.InvalidInput("Every scene needs a positive duration")
    counts = _frame_counts([float(s.duration) for s in scenes], fps)
    kinds = [(s.transition or "cut").strip().lower() for s in scenes]
    edges = [_boundary(k, n, nxt, fps) for k, n, nxt in zip(kinds, counts, counts[1:] + [None], strict=True)]
    plans = []
    for i, (frames, (fade, blend)) in enumerate(zip(counts, edges, strict=True)):
        before = edges[i - 1] if i else (0, 0)
        kind = BLENDS.get(kinds[i], "fade")
        plans.append(ScenePlan(frames, before[0], fade, before[1], blend, kind))
    return plans
