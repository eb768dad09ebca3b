"""ffmpeg for looking at one local file: the executable, what `ffmpeg -i` says, and one frame as a PNG."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass
from functools import cache

from storyboard import errors

log = logging.getLogger(__name__)

# Only a missing binary is mapped to errors here. OSError and subprocess.TimeoutExpired from running ffmpeg
# reach the caller, because upload checks and rendering answer them differently (no thumbnail, a failed render).
UNAVAILABLE = "the video encoder is not available"
INSTALL_HINT = "Install ffmpeg on the worker."  # for callers that attach hints to their failures

_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: (Video|Audio): (.*)$", re.MULTILINE)
# Codec tags such as "0x31637661" must not read as a size, hence the non-zero first digit and the look-behind.
_SIZE = re.compile(r"(?<!\w)([1-9]\d{0,4})x([1-9]\d{0,4})\b")


@dataclass(frozen=True)
class Probe:
    duration: float | None
    size: tuple[int, int] | None  # of the first real video stream
    has_video: bool
    has_audio: bool


@cache
def executable() -> str:
    """The ffmpeg binary imageio-ffmpeg finds; errors.UpstreamFailed (message UNAVAILABLE) when there is none."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        log.error("ffmpeg binary not found: %s", exc)
        raise errors.UpstreamFailed(UNAVAILABLE) from exc


def input_args(path: str, demuxer: str | None = None) -> list[str]:
    """The `-i` arguments reading `path` through the file protocol only, with `demuxer` forced when given."""
    # Forcing the demuxer and allowing only the file protocol keeps playlists and references inside a file
    # from making ffmpeg open URLs or other local files. Without a demuxer ffmpeg still picks one itself.
    forced = ["-f", demuxer] if demuxer else []
    return ["-protocol_whitelist", "file", *forced, "-i", "file:" + os.path.abspath(path)]


def probe(path: str, demuxer: str | None = None, *, timeout: float) -> Probe:
    """Duration, size and stream kinds read from `ffmpeg -i` stderr (no ffprobe ships with imageio-ffmpeg)."""
    cmd = [executable(), "-hide_banner", "-nostdin", *input_args(path, demuxer)]
    done = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout, check=False)
    stderr = done.stderr.decode("utf-8", errors="replace")
    facts = parse_probe(stderr)
    if facts.duration is None:
        log.info("no duration in ffmpeg -i of %s: %s", path, stderr[-2000:])
    return facts


def parse_probe(stderr: str) -> Probe:
    """The facts in the stream report `ffmpeg -i` prints; None or False for whatever it does not show."""
    duration = _DURATION.search(stderr)
    seconds = None
    if duration:
        hours, minutes, secs = duration.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    streams = _STREAM.findall(stderr)
    # Cover art in MP3/M4A shows up as a video stream marked "(attached pic)"; it is not a video track.
    videos = [desc for kind, desc in streams if kind == "Video" and "(attached pic)" not in desc]
    has_audio = any(kind == "Audio" for kind, _ in streams)
    size = next((tuple(map(int, m.groups())) for d in videos if (m := _SIZE.search(d))), None)
    return Probe(seconds, size, bool(videos), has_audio)


def grab_frame(path: str, seconds: float, *, demuxer: str, timeout: float, fit: int | None = None) -> bytes | None:
    """PNG of the frame at `seconds`, scaled by ffmpeg to fit a `fit`-pixel square when given.

    None when ffmpeg fails; b"" when it succeeds without a frame (a seek past the last one).
    """
    cmd = [executable(), "-hide_banner", "-loglevel", "error", "-nostdin", "-ss", f"{seconds:.3f}"]
    cmd += [*input_args(path, demuxer), "-frames:v", "1"]
    if fit:
        # Scaling here, not in Pillow, keeps the data crossing the pipe small.
        cmd += ["-vf", f"scale={fit}:{fit}:force_original_aspect_ratio=decrease"]
    cmd += ["-f", "image2pipe", "-c:v", "png", "pipe:1"]
    done = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout, check=False)
    if done.returncode != 0:
        log.info("ffmpeg frame grab of %s exited %s: %s", path, done.returncode, done.stderr[-2000:])
        return None
    return done.stdout
