"""Run ffmpeg as a cancellable child process and map its failures to errors.UpstreamFailed once."""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storyboard import errors
from storyboard.integrations import ffmpeg

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
STEP_TIMEOUT_SECONDS = 900
PROBE_TIMEOUT_SECONDS = 60  # also a poster frame grab
_HINT = "Check that every scene's media file is a readable image or video, then render again."
_REASONS = (
    ("No space left", "out of disk space"),
    ("Invalid data found", "a media file could not be decoded"),
    ("does not contain any stream", "a media file has no usable stream"),
    ("matches no streams", "a media file has no usable stream"),
    ("No such file", "a media file is missing"),
    ("Cannot allocate memory", "out of memory"),
)


class RenderCancelled(Exception):
    """should_cancel() asked to stop; the child process was killed and partial output removed."""


def failure(reason: str, hint: str = _HINT) -> errors.UpstreamFailed:
    """The one shape every render failure takes: a short safe reason, details only in the log."""
    return errors.UpstreamFailed(
        f"Rendering failed: {reason}", failure=errors.Failure(stage="render", retryable=False, hint=hint)
    )


def unavailable(exc: errors.UpstreamFailed) -> errors.UpstreamFailed:
    """ffmpeg.executable()'s "no binary" error as a render failure."""
    return failure(exc.message, ffmpeg.INSTALL_HINT)


def ffmpeg_exe() -> str:
    try:
        return ffmpeg.executable()
    except errors.UpstreamFailed as exc:
        raise unavailable(exc) from exc


def _reason(stderr: str) -> str:
    return next((reason for needle, reason in _REASONS if needle in stderr), "the encoder reported an error")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait(proc: subprocess.Popen, should_cancel: Callable[[], bool], step: str) -> int:
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while (code := proc.poll()) is None:
        if should_cancel():
            _stop(proc)
            raise RenderCancelled(step)
        if time.monotonic() > deadline:
            _stop(proc)
            log.error("ffmpeg step %s timed out after %ss", step, STEP_TIMEOUT_SECONDS)
            raise failure("the encoder took too long", "Shorten the storyboard or lower the resolution.")
        time.sleep(POLL_SECONDS)
    return code


def run(args: list[str], *, logdir: Path, step: str, should_cancel: Callable[[], bool]) -> None:
    """Run ffmpeg with `args`, polling should_cancel; stderr goes to a log file, not to callers."""
    logfile = logdir / f"ffmpeg-{step}.log"
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    with open(logfile, "wb") as err:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        except OSError as exc:
            log.error("could not start ffmpeg: %s", exc)
            raise failure("the video encoder could not start") from exc
        code = _wait(proc, should_cancel, step)
    if code != 0:
        stderr = logfile.read_text(errors="replace")[-4000:]
        log.error("ffmpeg step %s exited %s: %s\ncommand: %s", step, code, stderr, cmd)
        raise failure(_reason(stderr))


@dataclass(frozen=True)
class Probe:
    duration: float
    width: int
    height: int
    has_audio: bool


def probe(path: str) -> Probe:
    """Duration, size (0x0 without video) and audio presence; a render failure when the file will not do."""
    if not os.path.isfile(path):
        raise failure("a media file is missing")
    try:
        facts = ffmpeg.probe(path, timeout=PROBE_TIMEOUT_SECONDS)
    except errors.UpstreamFailed as exc:
        raise unavailable(exc) from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("probing %s failed: %s", path, exc)
        raise failure("a media file could not be read") from exc
    if facts.duration is None:
        log.error("no duration in probe of %s", path)
        raise failure("a media file could not be decoded")
    width, height = facts.size or (0, 0)
    return Probe(facts.duration, width, height, facts.has_audio)
