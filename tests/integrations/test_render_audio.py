"""What a rendered video sounds like: the pip voice engine in the ad's language, and the job's music under it.

The music is a 15 kHz tone: the voice is 22050 Hz audio (nothing above 11 kHz), so a 12 kHz highpass of the
final mix hears the music alone.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import pytest

from storyboard.integrations.render import RenderMedia, RenderScene, RenderSpec, render_video, soundtrack, voice

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
ROOT = Path(__file__).resolve().parents[2]
MUSIC_BAND = "highpass=f=12000:poles=2,highpass=f=12000:poles=2,"
GERMAN = "Willkommen bei Trailblaze. Die Wanderung beginnt heute."
slow = pytest.mark.slow


def _ffmpeg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FFMPEG, "-hide_banner", "-nostdin", *args], capture_output=True, check=False, text=True)


def mean_volume(path: Path, start: float = 0.0, seconds: float = 3600.0, band: str = "") -> float:
    """volumedetect's mean volume (dB) of the audio from `start` for `seconds`, after the filters in `band`."""
    err = _ffmpeg(
        "-ss",
        f"{start}",
        "-t",
        f"{seconds}",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-af",
        band + "volumedetect",
        "-f",
        "null",
        "-",
    )
    found = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", err.stderr)
    assert found, err.stderr[-2000:]
    return float(found.group(1)) if found.group(1) != "-inf" else -math.inf


@pytest.fixture(scope="module")
def tone(tmp_path_factory) -> str:
    """Four seconds of a 15 kHz tone at half scale, as a WAV asset would be."""
    path = tmp_path_factory.mktemp("music") / "tone.wav"
    _ffmpeg("-f", "lavfi", "-i", "sine=f=15000:r=48000:d=4,volume=4", "-ac", "2", str(path))
    return str(path)


def spoken_scenes(script: str = GERMAN) -> list[RenderScene]:
    """Silence (2.5 s), then a spoken scene (3.5 s), then silence again (4 s) to the end."""
    return [
        RenderScene(1, 2.5, "Opening", "", "cut", "wide"),
        RenderScene(2, 3.5, "Talk", script, "cut", "close-up"),
        RenderScene(3, 4.0, "End", "", "cut", "product"),
    ]


def render(tmp_path: Path, scenes: list[RenderScene], **spec):
    out = tmp_path / "out" / "video.mp4"
    result = render_video(scenes, RenderSpec(resolution="240p", **spec), str(out), workdir=str(tmp_path / "work"))
    return out, result


# --- the engine, without a render -----------------------------------------------------------------


def test_engine_info_names_the_pip_engine_and_its_version():
    info = voice.engine_info()
    assert info["available"], info
    assert info["engine"] == "espeak-ng" and re.fullmatch(r"\d+\.\d+(\.\d+)?", info["version"])


@pytest.mark.parametrize(
    ("language", "identifier", "text"),
    [
        (None, "gmw/en", "Hello and welcome."),
        ("en-US", "gmw/en-US", "Hello and welcome."),
        ("de", "gmw/de", "Hallo und willkommen."),
        ("de-AT", "gmw/de", "Hallo und willkommen."),
        ("fr", "roa/fr", "Bonjour et bienvenue."),
        ("es", "roa/es", "Hola y bienvenidos."),
        ("pt-BR", "roa/pt-BR", "Olá e bem-vindos."),
        ("it", "roa/it", "Ciao e benvenuti."),
        ("ja-JP", "jpx/ja", "こんにちは、ようこそ。"),
        ("ar", "sem/ar", "مرحبا بكم"),
        ("sw", "bnt/sw", "Karibu sana."),
    ],
)
def test_the_voice_follows_the_language_tag(tmp_path, language, identifier, text):
    clip = tmp_path / "clip.wav"
    report = voice.synthesize(text, language, 3.0, clip)
    assert report["voice"] == identifier and report["engine"] == "espeak-ng"
    assert report["notes"] == []
    assert mean_volume(clip) > -40


def test_german_sounds_unlike_english_for_the_same_text(tmp_path):
    german = voice.synthesize(GERMAN, "de", 4.0, tmp_path / "de.wav")
    english = voice.synthesize(GERMAN, "en", 4.0, tmp_path / "en.wav")
    assert (german["voice"], english["voice"]) == ("gmw/de", "gmw/en")
    assert voice.read_pcm(tmp_path / "de.wav") != voice.read_pcm(tmp_path / "en.wav")


def test_an_unknown_language_is_spoken_in_english_and_says_so(tmp_path):
    report = voice.synthesize("Hello.", "tlh", 2.0, tmp_path / "clip.wav")
    assert report["voice"] == "gmw/en"
    assert report["notes"] == ["no espeak-ng voice for language 'tlh': spoken with the English voice"]


def test_japanese_kanji_are_spoken_as_their_kana_reading(tmp_path):
    # espeak-ng reads kana only; unconverted, each kanji would be said as "Chinese letter" in English.
    kanji = voice.synthesize("山へ行こう", "ja", 3.0, tmp_path / "kanji.wav")
    kana = voice.synthesize("やまへいこう", "ja", 3.0, tmp_path / "kana.wav")
    assert kanji["samples"] == kana["samples"]
    assert voice.read_pcm(tmp_path / "kanji.wav") == voice.read_pcm(tmp_path / "kana.wav")


def test_without_the_engine_library_the_narrator_says_why(tmp_path, monkeypatch):
    # A stand-in espeakng_loader ahead of the real one on the worker's path: the library cannot be loaded.
    fake = tmp_path / "site" / "espeakng_loader"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("def get_library_path():\n    return '/nonexistent/libespeak-ng.so'\n")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    narrator = voice.Narrator("de")
    assert not narrator.speak(GERMAN, 3.0, tmp_path / "one.wav")
    assert not narrator.speak(GERMAN, 3.0, tmp_path / "two.wav")
    spoken, reason = narrator.summary()
    assert spoken is None and reason.startswith("engine unavailable: libespeak-ng could not be loaded")


def test_narrator_reports_a_storyboard_without_script(tmp_path):
    narrator = voice.Narrator("de")
    assert not narrator.speak("  ", 3.0, tmp_path / "clip.wav")
    assert narrator.summary() == (None, "no script")


def test_narration_spans_are_where_the_clips_play(tmp_path):
    clip = tmp_path / "clip.wav"
    report = voice.synthesize("Hello.", "en", 2.0, clip)
    samples = [voice.RATE * 2, voice.RATE * 3]
    spans = voice.write_narration([None, clip], samples, tmp_path / "narration.wav")
    start = 2 + voice.LEAD_IN_SECONDS
    assert spans == [(pytest.approx(start, abs=1e-3), pytest.approx(start + report["samples"] / voice.RATE, abs=1e-3))]


def test_close_voice_spans_stay_ducked_between_them():
    gain = soundtrack.music_gain([(1.0, 2.0), (2.5, 3.0), (6.0, 7.0)])
    assert gain.count("clip(") == 2  # the first two spans are closer than MERGE_GAP_SECONDS: one window
    assert soundtrack.music_gain([]) == str(soundtrack.MUSIC_GAIN)


def test_an_unreadable_music_file_is_reported_and_no_music_is_made(tmp_path):
    garbage = tmp_path / "music.mp3"
    garbage.write_bytes(b"ID3" + b"\x13" * 4000)
    track = soundtrack.build(None, [], RenderMedia(str(garbage), "audio"), 5.0, (None, "voice-over not requested"))
    assert track.audio["music"] is False and "anullsrc" in " ".join(track.inputs)
    assert track.audio["reason"].startswith("voice-over not requested; no music: the music track")


# --- renders ----------------------------------------------------------------------------------------

_RENDER_IN_CHILD = """
import json, sys
from storyboard.integrations.render import RenderScene, RenderSpec, render_video
scenes = [RenderScene(1, 2.0, "Opening", "Fresh coffee in under a minute.", "cut", "wide"),
          RenderScene(2, 2.0, "End", "Order today.", "cut", "product")]
result = render_video(scenes, RenderSpec(resolution="240p"), sys.argv[1], workdir=sys.argv[2])
print(json.dumps({"voiced": result.has_audio_voice, "audio": result.audio}))
"""


@slow
def test_without_espeak_on_the_path_the_video_speaks(tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    assert shutil.which("espeak-ng", path=str(bare)) is None and shutil.which("espeak", path=str(bare)) is None
    out = tmp_path / "video.mp4"
    env = {"PATH": str(bare), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", _RENDER_IN_CHILD, str(out), str(tmp_path / "work")]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["voiced"]
    assert result["audio"] == {
        "voice": {
            "engine": "espeak-ng",
            "version": voice.engine_info()["version"],
            "language": "en-gb",
            "voice": "gmw/en",
        },
        "music": False,
        "reason": None,
    }
    assert mean_volume(out) > -40
    assert mean_volume(out, band=MUSIC_BAND) < -60  # no music: the band above the voice is empty


@slow
def test_music_is_ducked_under_a_german_voice_looped_and_faded(tmp_path, tone):
    out, result = render(tmp_path, spoken_scenes(), language="de", music=RenderMedia(tone, "audio"))
    assert result.has_audio_voice and result.duration == pytest.approx(10.0, abs=0.05)
    assert result.audio["voice"]["voice"] == "gmw/de" and result.audio["voice"]["language"] == "de"
    assert result.audio["music"] is True and result.audio["reason"] is None
    before = mean_volume(out, 0.3, 1.5, MUSIC_BAND)  # scene 1: music alone
    under = mean_volume(out, 3.0, 1.5, MUSIC_BAND)  # scene 2: the voice speaks
    after = mean_volume(out, 7.0, 1.5, MUSIC_BAND)  # scene 3: past the 4 s track, so looped
    tail = mean_volume(out, 9.6, 0.4, MUSIC_BAND)  # the last 0.4 s of the fade-out
    assert before > -30 and after > -30 and abs(before - after) < 2
    assert -45 < under < before - 10  # audible under the voice, about 14 dB down
    assert tail < after - 10
    assert mean_volume(out, 3.0, 1.5) > under + 5  # the voice is on top of the music there


@slow
def test_music_plays_alone_when_no_voice_was_asked_for(tmp_path, tone):
    out, result = render(tmp_path, spoken_scenes(), voice=False, music=RenderMedia(tone, "audio"))
    assert not result.has_audio_voice
    assert result.audio == {"voice": None, "music": True, "reason": "voice-over not requested"}
    assert mean_volume(out, 3.0, 1.5, MUSIC_BAND) == pytest.approx(mean_volume(out, 0.3, 1.5, MUSIC_BAND), abs=2)
