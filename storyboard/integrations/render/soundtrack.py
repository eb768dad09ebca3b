"""The soundtrack of the final join: the voice-over, the job's music under it (ducked and faded), or silence."""

from __future__ import annotations

import logging
import math
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storyboard import errors
from storyboard.integrations import ffmpeg

from . import runner
from .spec import RenderMedia

log = logging.getLogger(__name__)

MUSIC_GAIN = 0.5  # -6 dB: a bed under the voice, not over it
DUCKED = 0.2  # a further -14 dB while the voice speaks
RAMP_SECONDS = 0.25  # the music dips this long before the voice starts and rises this long after it stops
MERGE_GAP_SECONDS = 1.0  # shorter pauses between clips stay ducked: no pumping between scenes
FADE_OUT_SECONDS = 2.0
MIN_MUSIC_SECONDS = 0.5
# The audio formats an asset can have (integrations/media.py), by the extension its copy is given.
_DEMUXERS = {".mp3": "mp3", ".wav": "wav", ".ogg": "ogg", ".aac": "aac", ".m4a": "mov", ".mp4": "mov"}
_STEREO = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
# Video is stream-copied (every scene already has the same encoder settings); only audio is encoded.
_CODECS = ["-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2"]


@dataclass(frozen=True)
class Soundtrack:
    inputs: list[str]  # ffmpeg inputs that follow the video (input 0)
    output: list[str]  # filter graph, maps and codecs
    voiced: bool
    audio: dict  # RenderResult.audio: {"voice": {...} or None, "music": bool, "reason": str or None}


def _merged(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    windows: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if windows and start - windows[-1][1] < MERGE_GAP_SECONDS:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def music_gain(spans: Sequence[tuple[float, float]]) -> str:
    """The music's volume as an ffmpeg expression of t: MUSIC_GAIN, times DUCKED around each voice span."""
    r = RAMP_SECONDS
    # Merged windows are further apart than two ramps, so at most one term is non-zero at any t.
    terms = [f"clip(min((t-{a - r:.3f})/{r},({b + r:.3f}-t)/{r}),0,1)" for a, b in _merged(spans)]
    if not terms:
        return f"{MUSIC_GAIN}"
    return f"{MUSIC_GAIN}*(1-{1 - DUCKED:.2f}*({'+'.join(terms)}))"


def _demuxer(path: str) -> str | None:
    return _DEMUXERS.get(Path(path).suffix.lower())


def _music_seconds(music: RenderMedia) -> tuple[float | None, str | None]:
    """How long one play of the track is, or why it cannot be used."""
    if not os.path.isfile(music.path):
        return None, "the music track is missing"
    try:
        facts = ffmpeg.probe(music.path, _demuxer(music.path), timeout=runner.PROBE_TIMEOUT_SECONDS)
    except errors.UpstreamFailed as exc:
        raise runner.unavailable(exc) from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("probing the music track %s failed: %s", music.path, exc)
        return None, "the music track could not be read"
    if not facts.has_audio or not facts.duration:
        return None, "the music track has no audio that could be decoded"
    if facts.duration < MIN_MUSIC_SECONDS:
        return None, "the music track is too short to loop"
    return facts.duration, None


def _music_input(music: RenderMedia, track_seconds: float, seconds: float) -> list[str]:
    # A finite loop count (never -1): a track that decodes to nothing cannot loop forever.
    loops = max(0, math.ceil(seconds / track_seconds) - 1)
    looping = ["-stream_loop", str(loops)] if loops else []
    return [*looping, *ffmpeg.input_args(music.path, _demuxer(music.path))]


def _bed(index: int, spans: Sequence[tuple[float, float]], seconds: float) -> str:
    """The music cut or padded to the video, ducked under the voice and faded out at the end."""
    fade = min(FADE_OUT_SECONDS, seconds / 2)
    return (
        f"[{index}:a:0]asetpts=PTS-STARTPTS,{_STEREO},atrim=end={seconds:.4f},apad=whole_dur={seconds:.4f},"
        f"volume='{music_gain(spans)}':eval=frame,afade=t=out:st={seconds - fade:.4f}:d={fade:.4f}"
    )


def _with_music(narration: Path | None, spans, music: RenderMedia, track: float, seconds: float):
    music_in = _music_input(music, track, seconds)
    if narration is None:
        graph = f"{_bed(1, (), seconds)}[aout]"
        return music_in, graph
    graph = (
        f"{_bed(2, spans, seconds)}[bed];[1:a:0]{_STEREO}[vo];[bed][vo]amix=inputs=2:duration=first:normalize=0[aout]"
    )
    return ["-i", str(narration), *music_in], graph


def build(
    narration: Path | None,
    spans: Sequence[tuple[float, float]],
    music: RenderMedia | None,
    seconds: float,
    voice: tuple[dict | None, str | None],
) -> Soundtrack:
    """The join's audio: `narration` (None: no voice) with its voice `spans`, and `music` when usable.

    `voice` is what spoke and why there is no voice (or what differs from what was asked).
    """
    spoken, reason = voice
    track, music_problem = _music_seconds(music) if music else (None, None)
    reasons = [r for r in (reason, music_problem and f"no music: {music_problem}") if r]
    audio = {"voice": spoken if narration else None, "music": track is not None, "reason": "; ".join(reasons) or None}
    maps = ["-map", "0:v:0"]
    if track is not None:
        inputs, graph = _with_music(narration, spans, music, track, seconds)
        return Soundtrack(inputs, ["-filter_complex", graph, *maps, "-map", "[aout]", *_CODECS], bool(narration), audio)
    if narration is not None:
        return Soundtrack(["-i", str(narration)], [*maps, "-map", "1:a:0", *_CODECS], True, audio)
    silence = ["-f", "lavfi", "-t", f"{seconds:.4f}", "-i", "anullsrc=r=48000:cl=stereo"]
    return Soundtrack(silence, [*maps, "-map", "1:a:0", *_CODECS], False, audio)
