"""Voice-over: each scene's script spoken in the ad's language, fitted to the scene, joined into one WAV.

The engine (libespeak-ng from the espeakng-loader wheel) runs in `speech_worker`, one short process per clip:
it is GPL-licensed and not thread-safe, so it never loads into the service. No espeak-ng on the PATH is needed.
"""

from __future__ import annotations

import array
import json
import logging
import os
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

RATE = 22050  # espeak-ng's native output: mono, 16-bit
LEAD_IN_SECONDS = 0.15  # a breath after the cut before the voice starts
TAIL_SECONDS = 0.2
FADE_SAMPLES = RATE // 25
WORKER = "storyboard.integrations.render.speech_worker"
WORKER_TIMEOUT_SECONDS = 60
MAX_CLIP_SECONDS = 120.0  # the worker refuses longer budgets; the clip is cut to its scene anyway
_REPORT_BYTES = 64 * 1024
_PROJECT_ROOT = Path(__file__).resolve().parents[3]  # where `-m storyboard...` is found
_UNAVAILABLE = 3  # the worker's exit code when the library cannot be loaded


class SpeechFailed(Exception):
    """A clip could not be spoken; `unavailable` when no clip can be (the engine is missing)."""

    def __init__(self, reason: str, *, unavailable: bool = False):
        super().__init__(reason)
        self.reason, self.unavailable = reason, unavailable


def _worker_env() -> dict[str, str]:
    # The worker needs no settings or secrets of the service: a small environment, the caller's PATH.
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C.UTF-8"}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def _run_worker(args: list[str], request: dict | None) -> dict:
    """The worker's JSON report; SpeechFailed when it fails, hangs or answers nonsense."""
    cmd = [sys.executable, "-m", WORKER, *args]
    payload = json.dumps(request).encode() if request is not None else b""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=_PROJECT_ROOT, env=_worker_env()
            )
        except OSError as exc:
            raise SpeechFailed(f"the speech process could not start ({exc})", unavailable=True) from exc
        try:
            proc.communicate(payload, timeout=WORKER_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.wait()
            raise SpeechFailed(f"speech synthesis took longer than {WORKER_TIMEOUT_SECONDS} s") from exc
        out.seek(0)
        err.seek(0)
        report, stderr = out.read(_REPORT_BYTES), err.read(_REPORT_BYTES).decode(errors="replace")
    return _report(proc.returncode, report, stderr)


def _report(code: int, raw: bytes, stderr: str) -> dict:
    try:
        report = json.loads(raw)
    except ValueError:
        report = None
    if code == 0 and isinstance(report, dict) and "error" not in report:
        return report
    reason = report.get("error") if isinstance(report, dict) else None
    log.warning("speech worker exited %s: %s %s", code, reason or raw[-500:], stderr[-2000:])
    raise SpeechFailed(reason or f"the speech process exited {code}", unavailable=code == _UNAVAILABLE)


@cache
def engine_info() -> dict:
    """Which voice engine renders use and its version, checked once per process (for start-up and readiness).

    {"available": True, "engine": "espeak-ng", "version": "1.52.0", "package": "espeakng-loader"} or
    {"available": False, "engine": "espeak-ng", "version": None, "reason": "..."}.
    """
    try:
        report = _run_worker(["--info"], None)
    except SpeechFailed as exc:
        return {"available": False, "engine": "espeak-ng", "version": None, "reason": exc.reason}
    return {"available": True, "engine": report["engine"], "version": report["version"], "package": "espeakng-loader"}


def tts_command() -> str | None:
    """A label of the voice engine ("espeak-ng 1.52.0"), None without one (for the render bench and tests)."""
    info = engine_info()
    return f"{info['engine']} {info['version']}" if info["available"] else None


def synthesize(text: str, language: str | None, budget: float, path: Path) -> dict:
    """Speak `text` into `path` in a worker, fast enough to fit `budget` seconds; the worker's report."""
    request = {"text": text, "language": language, "budget": min(budget, MAX_CLIP_SECONDS), "out": str(path)}
    report = _run_worker([], request)
    limit = 44 + 2 * RATE * MAX_CLIP_SECONDS
    if not path.is_file() or path.stat().st_size > limit:
        raise SpeechFailed("the speech process wrote no usable clip")
    return report


@dataclass
class Narrator:
    """Speaks one render's scenes in one language and remembers what spoke, or why nothing did."""

    language: str | None
    spoken: dict | None = None  # the first clip's engine, version, language and voice
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unavailable: str | None = None
    asked: int = 0  # clips with words to say
    too_short: int = 0  # of those, scenes too short to say anything

    def speak(self, text: str, seconds: float, path: Path) -> bool:
        """Synthesize `text` to fit `seconds`; False when there is nothing usable to say."""
        budget = seconds - LEAD_IN_SECONDS - TAIL_SECONDS
        if not text.split():
            return False
        self.asked += 1
        if budget <= 0.3:
            self.too_short += 1
            return False
        if self.unavailable:
            return False
        try:
            report = synthesize(text, self.language, budget, path)
        except SpeechFailed as exc:
            log.warning("speech synthesis failed, scene stays silent: %s", exc.reason)
            if exc.unavailable:
                self.unavailable = exc.reason
            self.failures.append(exc.reason)
            return False
        if read_pcm(path) is None:
            self.failures.append("the speech clip was unreadable")
            return False
        self.spoken = self.spoken or {k: report[k] for k in ("engine", "version", "language", "voice")}
        self.notes += [note for note in report.get("notes", []) if note not in self.notes]
        return True

    def summary(self) -> tuple[dict | None, str | None]:
        """(what spoke, or None; why there is no voice or what differs from what was asked, or None)."""
        if self.unavailable:
            return None, f"engine unavailable: {self.unavailable}"
        if not self.spoken:
            if not self.asked:
                return None, "no script"
            if self.failures:
                return None, f"synthesis failed: {self.failures[0]}"
            return None, "the scenes are too short to speak their script"
        problems = list(self.notes)
        if self.failures:
            problems.append(f"{len(self.failures)} of {self.asked} scripts were not spoken: {self.failures[0]}")
        return dict(self.spoken), "; ".join(problems) or None


def read_pcm(path: Path) -> array.array | None:
    try:
        with wave.open(str(path), "rb") as wav:
            if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, RATE):
                log.warning("unexpected speech format in %s", path.name)
                return None
            return array.array("h", wav.readframes(wav.getnframes()))
    except (OSError, EOFError, wave.Error) as exc:
        log.warning("unreadable speech clip %s: %s", path.name, exc)
        return None


def _fitted(clip: Path | None, samples: int) -> tuple[array.array, int]:
    """The clip after a short lead-in, cut (with a fade) or padded with silence to `samples`; and its length."""
    out = array.array("h", bytes(2 * min(samples, round(LEAD_IN_SECONDS * RATE))))
    pcm = read_pcm(clip) if clip else None
    spoken = 0
    if pcm:
        room = samples - len(out)
        if len(pcm) > room:
            pcm = pcm[:room]
            for i in range(1, min(FADE_SAMPLES, len(pcm)) + 1):
                pcm[-i] = int(pcm[-i] * (i / FADE_SAMPLES))
        out.extend(pcm)
        spoken = len(pcm)
    out.extend(array.array("h", bytes(2 * (samples - len(out)))))
    return out, spoken


def sample_counts(frame_counts: Sequence[int], fps: int) -> list[int]:
    """Audio samples per scene, rounded at cumulative edges so audio and video end together."""
    edges, total = [0], 0
    for frames in frame_counts:
        total += frames
        edges.append(round(total * RATE / fps))
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def write_narration(clips: Sequence[Path | None], samples: Sequence[int], path: Path) -> list[tuple[float, float]]:
    """Join per-scene clips (None = silence) into one mono WAV exactly as long as the video.

    Returns when the voice speaks: (start, end) seconds of each clip on the video's timeline.
    """
    spans, start = [], 0
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        for clip, count in zip(clips, samples, strict=True):
            pcm, spoken = _fitted(clip, count)
            wav.writeframes(pcm.tobytes())
            if spoken:
                begin = start + min(count, round(LEAD_IN_SECONDS * RATE))
                spans.append((begin / RATE, (begin + spoken) / RATE))
            start += count
    return spans
