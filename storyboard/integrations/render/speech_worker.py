"""The voice engine in a short process of its own: libespeak-ng from the espeakng-loader wheel, through ctypes.

`python -m storyboard.integrations.render.speech_worker` reads one JSON request on stdin,
{"text", "language", "budget" (seconds the clip should fit), "out" (an absolute WAV path)}, speaks it into `out`
(mono 16-bit 22050 Hz) and prints one JSON report: engine, version, voice, name, language, samples, wpm, notes.
`--info` prints the engine and its version only. Exit codes: 0 done, 2 bad request, 3 no engine, 4 failed.

libespeak-ng is GPL-3.0-or-later and keeps global state (not thread-safe), so it is never loaded into the
service: one process per clip, which also confines a crash or a hang to that clip. So is pykakasi (GPL too),
which gives Japanese kanji their kana reading, since espeak-ng's Japanese voice reads kana only.
"""

from __future__ import annotations

import ctypes
import json
import math
import re
import resource
import sys
import wave

ENGINE = "espeak-ng"
DEFAULT_LANGUAGE = "en"
NORMAL_WPM, MAX_WPM = 165, 420
MAX_CLIP_SECONDS = 120.0
OK, BAD_REQUEST, UNAVAILABLE, FAILED = 0, 2, 3, 4

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8, _ENDPAUSE = 0x1, 0x1000
_RATE_PARAMETER = 1
_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
# CJK ideographs (and the iteration marks), which espeak-ng's Japanese voice names as "Chinese letter".
_KANJI = re.compile("[\u3005\u3006\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


class Failed(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),  # a priority byte, then the language; more pairs may follow
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def _library() -> tuple[ctypes.CDLL, int]:
    """The loaded library, initialised for synchronous synthesis; Failed(UNAVAILABLE) when it is missing."""
    try:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path().encode()
    except (ImportError, OSError, AttributeError) as exc:
        raise Failed(UNAVAILABLE, f"libespeak-ng could not be loaded ({exc.__class__.__name__}: {exc})") from exc
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Info.argtypes, lib.espeak_Info.restype = [ctypes.c_void_p], ctypes.c_char_p
    lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_Voice)]
    lib.espeak_GetCurrentVoice.restype = ctypes.POINTER(_Voice)
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
    if rate <= 0:
        raise Failed(UNAVAILABLE, f"espeak_Initialize failed ({rate})")
    return lib, rate


def _info(lib: ctypes.CDLL) -> dict:
    return {"engine": ENGINE, "version": (lib.espeak_Info(None) or b"").decode()}


def _candidates(language: str | None) -> list[str]:
    """The tag, then shorter and shorter prefixes of it ("zh-hant-tw", "zh-hant", "zh")."""
    tag = (language or "").strip().replace("_", "-").lower()
    if not _TAG.match(tag):
        return []
    parts = tag.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _select(lib: ctypes.CDLL, tag: str) -> _Voice | None:
    wanted = _Voice()
    wanted.languages = tag.encode()
    if lib.espeak_SetVoiceByProperties(ctypes.byref(wanted)) != 0:
        return None
    return lib.espeak_GetCurrentVoice().contents


def choose_voice(lib: ctypes.CDLL, language: str | None, notes: list[str]) -> _Voice:
    """The best espeak-ng voice for an IETF language tag; the English voice (and a note) when none fits."""
    for tag in _candidates(language or DEFAULT_LANGUAGE):
        if voice := _select(lib, tag):
            return voice
    notes.append(f"no {ENGINE} voice for language {language!r}: spoken with the English voice")
    voice = _select(lib, DEFAULT_LANGUAGE)
    if voice is None:
        raise Failed(FAILED, "the English voice is missing from espeak-ng-data")
    return voice


def readable(text: str, voice_language: str, notes: list[str]) -> str:
    """The text as the voice can read it: Japanese kanji turned into their kana reading."""
    if not voice_language.startswith("ja") or not _KANJI.search(text):
        return text
    try:
        import pykakasi
    except ImportError:
        notes.append("kanji were not spoken: pykakasi is not installed")
        return _KANJI.sub(" ", text)
    return "".join(part["hira"] for part in pykakasi.kakasi().convert(text))


def _synthesize(lib: ctypes.CDLL, text: str, wpm: int, cap: int) -> bytes:
    """16-bit mono PCM of `text` at `wpm`, stopped at `cap` samples."""
    chunks: list[bytes] = []
    held = [0]

    def on_audio(wav, count, events) -> int:
        if wav and count > 0:
            if held[0] + count > cap:
                return 1  # abort: longer than any clip may be
            chunks.append(ctypes.string_at(wav, count * 2))
            held[0] += count
        return 0

    callback = _Callback(on_audio)  # referenced until the synthesis is over
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetParameter(_RATE_PARAMETER, wpm, 0)
    buffer = text.encode("utf-8") + b"\0"
    err = lib.espeak_Synth(buffer, len(buffer), 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
    if err != 0:
        raise Failed(FAILED, f"espeak_Synth returned {err}")
    lib.espeak_Synchronize()
    return b"".join(chunks)


def fitted_speech(lib: ctypes.CDLL, text: str, budget: float, rate: int) -> tuple[bytes, int]:
    """Speak fast enough to fit `budget` seconds: a first guess from the word count, then one correction."""
    words = max(len(text.split()), 1)
    cap = round(min(MAX_CLIP_SECONDS, 4 * budget + 5) * rate)
    wpm = min(MAX_WPM, max(NORMAL_WPM, math.ceil(words * 60 / budget)))
    pcm = _synthesize(lib, text, wpm, cap)
    samples = len(pcm) // 2
    if samples > budget * rate and wpm < MAX_WPM:
        # espeak's wpm is only roughly linear, so one corrective pass at the measured ratio.
        wpm = min(MAX_WPM, math.ceil(wpm * samples / (budget * rate) * 1.05))
        pcm = _synthesize(lib, text, wpm, cap)
    return pcm, wpm


def _request() -> dict:
    try:
        request = json.loads(sys.stdin.buffer.read(1 << 20))
        text, budget, out = str(request["text"]), float(request["budget"]), str(request["out"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Failed(BAD_REQUEST, f"bad request: {exc}") from exc
    if not text.strip() or not 0 < budget <= MAX_CLIP_SECONDS or not out.startswith("/"):
        raise Failed(BAD_REQUEST, "bad request: empty text, budget out of range or a relative path")
    language = request.get("language")
    return {"text": text, "budget": budget, "out": out, "language": language if isinstance(language, str) else None}


def _write_wav(path: str, pcm: bytes, rate: int) -> None:
    with wave.open(path, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


def speak(request: dict) -> dict:
    """Do one request; the report the parent reads."""
    # Nothing this process writes (the WAV, its reports) may outgrow the longest clip.
    limit = int(MAX_CLIP_SECONDS * 22050 * 2) + (1 << 20)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    lib, rate = _library()
    notes: list[str] = []
    voice = choose_voice(lib, request["language"], notes)
    language = (voice.languages or b"\x05?")[1:].decode(errors="replace")
    pcm, wpm = fitted_speech(lib, readable(request["text"], language, notes), request["budget"], rate)
    if not pcm:
        raise Failed(FAILED, "the engine produced no audio")
    _write_wav(request["out"], pcm, rate)
    voice_id, name = (voice.identifier or b"").decode(), (voice.name or b"").decode(errors="replace")
    report = {**_info(lib), "voice": voice_id, "name": name, "language": language, "rate": rate}
    return {**report, "samples": len(pcm) // 2, "wpm": wpm, "notes": notes}


def _reply(report: dict) -> None:
    """The one JSON line the parent reads back (stdout is this worker's reply channel, not a log)."""
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    try:
        report = _info(_library()[0]) if argv[1:] == ["--info"] else speak(_request())
    except Failed as exc:
        _reply({"error": str(exc)})
        return exc.code
    except OSError as exc:
        _reply({"error": f"the clip could not be written ({exc.__class__.__name__})"})
        return FAILED
    _reply(report)
    return OK


if __name__ == "__main__":
    sys.exit(main(sys.argv))
