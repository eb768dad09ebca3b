"""render_video and poster_frame against the real ffmpeg, with media generated in the test."""

from __future__ import annotations

import array
import io
import math
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image, ImageDraw, ImageStat

from storyboard import errors
from storyboard.integrations.render import (
    RenderCancelled,
    RenderMedia,
    RenderScene,
    RenderSpec,
    frame_size,
    poster_frame,
    render_video,
)
from storyboard.integrations.render import voice as render_voice
from storyboard.integrations.render.cards import title_card_png
from storyboard.integrations.render.overlays import caption_png
from storyboard.integrations.render.spec import plan_timeline

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SCRIPT = 'Say "hello": it\'s 50% off — café, naïve, Grüße; C:\\temp [x] {y} 100%'
slow = pytest.mark.slow


# --- media made in the test ----------------------------------------------------------------------


def _ffmpeg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FFMPEG, "-hide_banner", "-nostdin", *args], capture_output=True, check=False)


def make_image(path: Path, size: tuple[int, int], mode: str = "RGB") -> str:
    w, h = size
    img = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.effect_mandelbrot(size, (-2.0, -1.2, 0.8, 1.2), 40),
        ),
    )
    ImageDraw.Draw(img).rectangle((w // 4, h // 4, w // 2, h // 2), fill=(250, 200, 0))
    img.convert(mode).save(path)
    return str(path)


def make_video(path: Path, size: str = "320x240", seconds: float = 1.0) -> str:
    """A testsrc2 clip with no audio stream at all."""
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate=30:duration={seconds}",
        "-pix_fmt",
        "yuv420p",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(path),
    )
    return str(path)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("render-media")
    return {
        "portrait": make_image(root / "portrait.jpg", (300, 500)),
        "tiny": make_image(root / "tiny.png", (7, 5), "RGBA"),
        "video": make_video(root / "clip.mp4"),
        "short_video": make_video(root / "short.mp4", "160x90", 0.3),
        "garbage": _write(root / "garbage.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 4000),
    }


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def three_scenes(media: dict[str, str], transition: str = "cut", seconds: float = 1.2) -> list[RenderScene]:
    """An image scene, a video scene and a scene without media."""
    return [
        RenderScene(1, seconds, "Opening", SCRIPT, transition, "wide", (RenderMedia(media["portrait"], "image"),)),
        RenderScene(
            2,
            seconds,
            "Demo",
            "Second scene.",
            transition,
            "close-up",
            (RenderMedia(media["video"], "video"),),
        ),
        RenderScene(
            3, seconds + 0.3, "End card", "Order now!", transition, "product", (), "Visit us today: shop.example"
        ),
    ]


def render(media, tmp_path, *, scenes=None, **spec) -> tuple[Path, object]:
    out = tmp_path / "out" / "video.mp4"
    spec = {"resolution": "480p", "voice": False, **spec}
    result = render_video(scenes or three_scenes(media), RenderSpec(**spec), str(out), workdir=str(tmp_path))
    return out, result


# --- probing the output --------------------------------------------------------------------------


def probe(path: Path) -> tuple[int, int, float, bool]:
    """(width, height, duration, has_audio) parsed from `ffmpeg -i`, since there is no ffprobe."""
    err = _ffmpeg("-i", str(path)).stderr.decode()
    size = re.search(r"Video: .*?, (\d+)x(\d+)", err)
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", err).groups()
    return int(size.group(1)), int(size.group(2)), int(h) * 3600 + int(m) * 60 + float(s), "Audio:" in err


def frame_at(path: Path, seconds: float, size: tuple[int, int]) -> Image.Image:
    raw = _ffmpeg(
        "-ss",
        f"{seconds:.3f}",
        "-i",
        str(path),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
    ).stdout
    return Image.frombytes("RGB", size, raw)


def spread(image: Image.Image) -> float:
    return max(ImageStat.Stat(image).stddev)


def brightness(image: Image.Image) -> float:
    return sum(ImageStat.Stat(image).mean) / 3


def audio_rms(path: Path) -> float:
    pcm = array.array(
        "h",
        _ffmpeg("-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le", "pipe:1").stdout,
    )
    assert len(pcm) > 0
    return math.sqrt(sum(x * x for x in pcm) / len(pcm))


def assert_rendered(path: Path, size: tuple[int, int], seconds: float) -> None:
    width, height, duration, has_audio = probe(path)
    assert (width, height) == size
    assert duration == pytest.approx(seconds, abs=0.2)
    assert has_audio


# --- pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "res", "size"),
    [
        ("16:9", "720p", (1280, 720)),
        ("9:16", "720p", (720, 1280)),
        ("1:1", "720p", (720, 720)),
        ("16:9", "480p", (854, 480)),
        ("9:16", "1080p", (1080, 1920)),
        ("4:5", "1080p", (1080, 1350)),
    ],
)
def test_frame_size_is_even_and_oriented(fmt, res, size):
    assert frame_size(fmt, res) == size


@pytest.mark.parametrize(("fmt", "res"), [("16:0", "720p"), ("wide", "720p"), ("16:9", "huge"), ("1:1", "9p")])
def test_frame_size_rejects_unknown_values(fmt, res):
    with pytest.raises(errors.InvalidInput):
        frame_size(fmt, res)


def test_timeline_frames_add_up_to_the_storyboard():
    scenes = [RenderScene(i, d, "", "", "dissolve", "") for i, d in enumerate((3.3, 4.7, 2.25, 5.1), 1)]
    plans = plan_timeline(scenes, 25)
    assert sum(p.frames for p in plans) == round(15.35 * 25)
    assert [p.blend_out for p in plans[:-1]] == [p.blend_in for p in plans[1:]]
    assert plans[-1].blend_out == 0 and plans[-1].fade_out > 0


def test_timeline_rejects_a_zero_length_scene():
    with pytest.raises(errors.InvalidInput):
        plan_timeline([RenderScene(1, 0, "", "", "cut", "")], 25)


@pytest.mark.parametrize(("colour", "ink_is_dark"), [("#FFFFFF", True), ("#101820", False), ("nonsense", False)])
def test_title_card_text_contrasts_with_the_brand_colour(tmp_path, colour, ink_is_dark):
    path = tmp_path / "card.png"
    title_card_png("Fresh coffee, every morning", "Aurora", (colour,), (640, 360), path)
    with Image.open(path) as card:
        low, high = card.convert("L").getextrema()
    assert (low < 60) if ink_is_dark else (high > 200)


def test_blank_script_draws_no_caption(tmp_path):
    assert not caption_png("  \n ", (640, 360), tmp_path / "caption.png")
    assert not (tmp_path / "caption.png").exists()


# --- renders -------------------------------------------------------------------------------------


@slow
@pytest.mark.parametrize("fmt", ["16:9", "9:16", "1:1"])
def test_three_scene_render_in_each_aspect_ratio(media, tmp_path, fmt):
    out, result = render(media, tmp_path, format=fmt)
    size = frame_size(fmt, "480p")
    assert_rendered(out, size, 3.9)
    assert (result.width, result.height) == size and result.duration == pytest.approx(3.9, abs=0.2)
    for seconds in (0.6, 1.8, 3.2):  # the middle of each scene
        assert spread(frame_at(out, seconds, size)) > 12


@slow
def test_renders_at_720p(media, tmp_path):
    scenes = three_scenes(media, "dissolve", seconds=1.0)
    out, _ = render(media, tmp_path, scenes=scenes, resolution="720p", brand_colors=("#FFCC00", "#111111"))
    assert_rendered(out, (1280, 720), 3.3)
    assert spread(frame_at(out, 2.6, (1280, 720))) > 12


@slow
@pytest.mark.parametrize("transition", ["cut", "fade", "dissolve", "wipe", "something-else"])
def test_every_transition_keeps_the_total_duration(media, tmp_path, transition):
    out, _ = render(media, tmp_path, scenes=three_scenes(media, transition))
    assert_rendered(out, (854, 480), 3.9)


@slow
def test_fade_passes_through_black_and_dissolve_does_not(media, tmp_path):
    faded, _ = render(media, tmp_path / "fade", scenes=three_scenes(media, "fade"))
    mixed, _ = render(media, tmp_path / "mix", scenes=three_scenes(media, "dissolve"))
    boundary = 1.2 - 0.02  # the last frame of the first scene
    assert brightness(frame_at(faded, boundary, (854, 480))) < 25
    assert brightness(frame_at(mixed, boundary, (854, 480))) > 40


@slow
def test_odd_media_fill_the_frame(media, tmp_path):
    scenes = [
        RenderScene(1, 1.0, "tiny", "", "cut", "", (RenderMedia(media["tiny"], "image"),)),
        RenderScene(2, 1.5, "short clip", SCRIPT, "cut", "", (RenderMedia(media["short_video"], "video"),)),
        RenderScene(
            3,
            1.2,
            "two",
            "",
            "cut",
            "",
            (RenderMedia(media["video"], "video"), RenderMedia(media["portrait"], "image")),
        ),
    ]
    out, _ = render(media, tmp_path, scenes=scenes)
    assert_rendered(out, (854, 480), 3.7)
    # The 0.3 s clip holds its last frame instead of ending the scene early.
    assert spread(frame_at(out, 2.3, (854, 480))) > 12


@slow
def test_progress_is_reported_per_scene(media, tmp_path):
    seen = []
    render_video(
        three_scenes(media),
        RenderSpec(resolution="480p", voice=False),
        str(tmp_path / "v.mp4"),
        workdir=str(tmp_path),
        on_progress=lambda done, total, msg: seen.append((done, total)),
    )
    assert [done for done, _ in seen][:3] == [0, 1, 2] and seen[-1] == (3, 3)


@slow
def test_cancel_after_the_first_scene_stops_and_leaves_nothing(media, tmp_path):
    progress = []
    out = tmp_path / "out.mp4"
    with pytest.raises(RenderCancelled):
        render_video(
            three_scenes(media),
            RenderSpec(resolution="480p", voice=False),
            str(out),
            workdir=str(tmp_path),
            on_progress=lambda done, *_: progress.append(done),
            should_cancel=lambda: bool(progress) and progress[-1] >= 1,
        )
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


@slow
def test_broken_media_fails_with_a_safe_message(media, tmp_path):
    scenes = [RenderScene(1, 1.0, "bad", "", "cut", "", (RenderMedia(media["garbage"], "video"),))]
    with pytest.raises(errors.UpstreamFailed) as caught:
        render(media, tmp_path, scenes=scenes)
    assert caught.value.message.startswith("Rendering failed: ")
    assert "garbage" not in caught.value.message and "/" not in caught.value.message
    assert caught.value.failure.stage == "render" and caught.value.failure.retryable is False
    assert not (tmp_path / "out" / "video.mp4").exists()


@slow
def test_missing_image_fails_with_a_safe_message(media, tmp_path):
    scenes = [RenderScene(1, 1.0, "gone", "", "cut", "", (RenderMedia(str(tmp_path / "nope.png"), "image"),))]
    with pytest.raises(errors.UpstreamFailed, match="^Rendering failed: "):
        render(media, tmp_path, scenes=scenes)


@slow
def test_poster_frame_is_a_decodable_jpeg(media, tmp_path):
    out, _ = render(media, tmp_path)
    jpeg = poster_frame(str(out), max_side=320)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and max(image.size) == 320
        assert spread(image.convert("RGB")) > 12


@slow
def test_without_voice_the_audio_track_is_silent(media, tmp_path):
    out, result = render(media, tmp_path, voice=False)
    assert not result.has_audio_voice
    assert probe(out)[3] and audio_rms(out) == 0


@slow
@pytest.mark.skipif(render_voice.tts_command() is None, reason="espeak-ng/espeak is not installed")
def test_voice_over_is_audible_and_fits_the_scenes(media, tmp_path):
    out, result = render(media, tmp_path, voice=True)
    assert result.has_audio_voice
    assert audio_rms(out) > 100
    assert probe(out)[2] == pytest.approx(3.9, abs=0.2)


@slow
def test_voice_requested_without_espeak_on_the_path_still_speaks(media, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng/espeak to be found: the engine comes from pip
    out, result = render(media, tmp_path, voice=True)
    assert result.has_audio_voice
    assert audio_rms(out) > 100
