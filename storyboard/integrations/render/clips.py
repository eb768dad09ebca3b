"""The ffmpeg arguments that render one scene, and the dissolve between two scenes, as H.264 files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .spec import ScenePlan

# Same encoder settings for every file so they can be joined by stream copy. No B-frames: they
# give each MP4 an edit list and reordered timestamps, which make copied cuts drift by a frame.
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-bf", "0", "-pix_fmt", "yuv420p"]
PAN_MARGIN = 1.10  # stills are prepared this much larger than the frame, leaving room to pan


@dataclass(frozen=True)
class Visual:
    kind: str  # still (pans), card (static), video
    path: str
    frames: int


@dataclass(frozen=True)
class Layer:
    """A full-frame RGBA PNG laid over the scene from frame `start`, fading in over `fade` frames."""

    path: Path
    start: int = 0
    fade: int = 0


def split_frames(total: int, parts: int) -> list[int]:
    """Share `total` frames between `parts` media as evenly as whole frames allow."""
    edges = [round(total * i / parts) for i in range(parts + 1)]
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def pan_size(size: tuple[int, int]) -> tuple[int, int]:
    return tuple(round(side * PAN_MARGIN / 2) * 2 for side in size)


def _pan(frames: int, motion: int) -> tuple[str, str]:
    """crop x/y expressions for a slow eased pan; `motion` picks the direction."""
    p = f"(1-cos(PI*n/{max(frames - 1, 1)}))/2"
    moves = (
        (f"(iw-ow)*{p}", "(ih-oh)/2"),
        (f"(iw-ow)*(1-{p})", "(ih-oh)/2"),
        ("(iw-ow)/2", f"(ih-oh)*{p}"),
        (f"(iw-ow)*{p}", f"(ih-oh)*(1-{p})"),
    )
    return moves[motion % len(moves)]


def _chain(index: int, visual: Visual, size: tuple[int, int], fps: int, motion: int) -> str:
    w, h, n = *size, visual.frames
    if visual.kind == "video":
        # Clone the last frame for as long as the scene could need, then cut to the exact count.
        return (
            f"[{index}:v]setpts=PTS-STARTPTS,fps={fps},scale={w}:{h}:force_original_aspect_ratio=increase,"
            f"crop={w}:{h},setsar=1,tpad=stop_mode=clone:stop_duration={n / fps + 1:.3f},"
            f"trim=end_frame={n},setpts=PTS-STARTPTS,format=yuv420p"
        )
    held = f"[{index}:v]loop=loop={n - 1}:size=1:start=0,setpts=N/{fps}/TB"
    if visual.kind == "card":
        return f"{held},setsar=1,format=yuv420p"
    x, y = _pan(n, motion)
    return f"{held},crop={w}:{h}:x='{x}':y='{y}',setsar=1,format=yuv420p"


def _input(visual: Visual, fps: int) -> list[str]:
    if visual.kind == "video":
        # Reading only what the scene shows keeps long source clips cheap.
        return ["-t", f"{visual.frames / fps + 0.5:.3f}", "-i", visual.path]
    return ["-i", visual.path]


def _edges(plan: ScenePlan) -> str:
    fades = []
    if plan.fade_in:
        fades.append(f"fade=t=in:s=0:n={plan.fade_in}")
    if plan.fade_out:
        fades.append(f"fade=t=out:s={plan.frames - plan.fade_out}:n={plan.fade_out}")
    return ",".join(fades) or "null"


def _keyframes(plan: ScenePlan) -> list[str]:
    # Keyframes where the join cuts in (after the dissolve head) and out (before the tail), so the
    # concat demuxer can trim by stream copy at exact frames.
    cuts = [n for n in (plan.blend_in, plan.frames) if 0 < n < plan.rendered]
    return ["-force_key_frames", "expr:" + "+".join(f"eq(n,{n})" for n in cuts)] if cuts else []


def _layer(index: int, layer: Layer, frames: int, fps: int, below: str, out: str) -> str:
    if not layer.start and not layer.fade:
        return f"[{below}][{index}:v]overlay=0:0,format=yuv420p[{out}]"  # a still input repeats its one frame
    held = f"[{index}:v]format=rgba,loop=loop={frames - 1}:size=1:start=0,setpts=N/{fps}/TB"
    fade = f",fade=t=in:s={layer.start}:n={max(layer.fade, 1)}:alpha=1" if layer.fade else ""
    enable = f":enable='gte(n,{layer.start})'" if layer.start else ""
    return f"{held}{fade}[l{index}];[{below}][l{index}]overlay=0:0{enable},format=yuv420p[{out}]"


def scene_args(
    visuals: list[Visual],
    layers: list[Layer],
    plan: ScenePlan,
    size: tuple[int, int],
    fps: int,
    motion: int,
    out: Path,
) -> list[str]:
    """ffmpeg arguments rendering one scene, dissolve tail included, with `layers` over it in order, to `out`."""
    inputs = [arg for visual in visuals for arg in _input(visual, fps)]
    graph = [f"{_chain(i, v, size, fps, motion + i)}[v{i}]" for i, v in enumerate(visuals)]
    labels = "".join(f"[v{i}]" for i in range(len(visuals)))
    graph.append(f"{labels}concat=n={len(visuals)}:v=1:a=0[cat]")
    last = "cat"
    for k, layer in enumerate(layers):
        inputs += ["-i", str(layer.path)]
        graph.append(_layer(len(visuals) + k, layer, plan.rendered, fps, last, f"o{k}"))
        last = f"o{k}"
    graph.append(f"[{last}]{_edges(plan)}[out]")
    encode = ["-map", "[out]", *X264, *_keyframes(plan), "-r", str(fps), "-an", "-frames:v", str(plan.rendered)]
    return [*inputs, "-filter_complex", ";".join(graph), *encode, str(out)]


def blend_args(before: Path, after: Path, start: int, frames: int, kind: str, fps: int, out: Path) -> list[str]:
    """The dissolve: frames past `start` of one scene mixed into the first `frames` of the next."""
    seconds = f"{frames / fps:.4f}"
    graph = (
        f"[0:v]trim=end_frame={frames},setpts=PTS-STARTPTS,settb=AVTB[a];"
        f"[1:v]trim=end_frame={frames},setpts=PTS-STARTPTS,settb=AVTB[b];"
        f"[a][b]xfade=transition={kind}:duration={seconds}:offset=0,format=yuv420p[x]"
    )
    return [
        "-ss",
        f"{start / fps:.4f}",
        "-i",
        str(before),
        "-i",
        str(after),
        "-filter_complex",
        graph,
        "-map",
        "[x]",
        *X264,
        "-r",
        str(fps),
        "-an",
        "-frames:v",
        str(frames),
        str(out),
    ]
