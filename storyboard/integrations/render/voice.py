"""Voice-over: espeak-ng speaks each scene's script, fitted to the scene, into one narration WAV."""

from __future__ import annotations

import array
import logging
import math
import shutil
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

RATE = 22050  # espeak-ng's native output: mono, 16-bit
LEAD_IN_SECONDS = 0.15  # a breath after the cut before the voice starts
TAIL_SECONDS = 0.2
NORMAL_WPM, MAX_WPM = 165, 420
FADE_SAMPLES = RATE // 25


def tts_command() -> str | None:
    """Path of espeak-ng (or classic espeak) when installed; voice-over is optional."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def _synthesize(tts: str, text: str, wpm: int, path: Path) -> int | None:
    """Speak `text` at `wpm` into `path`; the clip's length in samples, or None on failure."""
    cmd = [tts, "-v", "en", "-b", "1", "-s", str(wpm), "-w", str(path), "--stdin"]
    try:
        # Text goes through stdin, so scripts starting with "-" or holding quotes need no escaping.
        subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("speech synthesis failed, scene stays silent: %s", exc)
        return None
    pcm = read_pcm(path)
    return None if pcm is None else len(pcm)


def speak(tts: str, text: str, seconds: float, path: Path) -> bool:
    """Synthesize `text` fast enough to fit `seconds`; False when there is nothing usable to say."""
    words = len(text.split())
    budget = seconds - LEAD_IN_SECONDS - TAIL_SECONDS
    if not words or budget <= 0.3:
        return False
    wpm = min(MAX_WPM, max(NORMAL_WPM, math.ceil(words * 60 / budget)))
    samples = _synthesize(tts, text, wpm, path)
    if samples and samples > budget * RATE and wpm < MAX_WPM:
        # espeak's wpm is only roughly linear, so one corrective pass at the measured ratio.
        wpm = min(MAX_WPM, math.ceil(wpm * samples / (budget * RATE) * 1.05))
        samples = _synthesize(tts, text, wpm, path)
    return bool(samples)


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


def _fitted(clip: Path | None, samples: int) -> array.array:
    """The clip after a short lead-in, cut (with a fade) or padded with silence to `samples`."""
    out = array.array("h", bytes(2 * min(samples, round(LEAD_IN_SECONDS * RATE))))
    pcm = read_pcm(clip) if clip else None
    if pcm:
        room = samples - len(out)
        if len(pcm) > room:
            pcm = pcm[:room]
            for i in range(1, min(FADE_SAMPLES, len(pcm)) + 1):
                pcm[-i] = int(pcm[-i] * (i / FADE_SAMPLES))
        out.extend(pcm)
    out.extend(array.array("h", bytes(2 * (samples - len(out)))))
    return out


def sample_counts(frame_counts: Sequence[int], fps: int) -> list[int]:
    """Audio samples per scene, rounded at cumulative edges so audio and video end together."""
    edges, total = [0], 0
    for frames in frame_counts:
        total += frames
        edges.append(round(total * RATE / fps))
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def write_narration(clips: Sequence[Path | None], samples: Sequence[int], path: Path) -> None:
    """Join per-scene clips (None = silence) into one mono WAV exactly as long as the video."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        for clip, count in zip(clips, samples, strict=True):
            wav.writeframes(_fitted(clip, count).tobytes())
