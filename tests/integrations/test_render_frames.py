"""What the frames show: on-screen text not notes, the end card, safe areas, and text in any script."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from storyboard.integrations import ffmpeg
from storyboard.integrations.render import (
    RenderMedia,
    RenderScene,
    RenderSpec,
    fonts,
    frame_size,
    render_video,
    typeset,
)
from storyboard.integrations.render.cards import title_card_png
from storyboard.integrations.render.overlays import caption_png
from storyboard.integrations.render.safe_areas import SAFE_AREAS, safe_box

slow = pytest.mark.slow
JAPANESE = "抹茶ラテ、はじめよう。今日は新しい一日です"
EMOJI = "Coffee ☕ and rockets 🚀"
LONG = "Every trail in the park, mapped and ready offline, so you never lose the path again on the way up"


# --- helpers -------------------------------------------------------------------------------------


def _picture(path: Path, colour=None) -> str:
    if colour is None:
        image = Image.effect_mandelbrot((320, 320), (-2.0, -1.2, 0.8, 1.2), 40).convert("RGB")
    else:
        image = Image.new("RGB", (320, 320), colour)
    image.save(path)
    return str(path)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> dict[str, RenderMedia]:
    root = tmp_path_factory.mktemp("frames-media")
    logo = Image.new("RGBA", (200, 80), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((4, 4, 76, 76), fill=(250, 250, 250, 255))
    logo.save(root / "logo.png")
    return {
        "picture": RenderMedia(_picture(root / "picture.png"), "image"),
        "black": RenderMedia(_picture(root / "black.png", (0, 0, 0)), "image"),
        "logo": RenderMedia(str(root / "logo.png"), "image"),
    }


def _render(tmp_path: Path, name: str, scenes: list[RenderScene], **spec) -> Path:
    out = tmp_path / f"{name}.mp4"
    settings = {"resolution": "240p", "voice": False, "brand_colors": ("#1D3557", "#E63946"), **spec}
    render_video(scenes, RenderSpec(**settings), str(out), workdir=str(tmp_path / "work"))
    return out


def _frame(path: Path, seconds: float) -> Image.Image:
    png = ffmpeg.grab_frame(str(path), seconds, demuxer="mov", timeout=60)
    assert png, f"no frame at {seconds}s"
    return Image.open(io.BytesIO(png)).convert("RGB")


def _last_frame(path: Path, size: tuple[int, int]) -> Image.Image:
    """The final frame, decoded from the last half second (a seek that close to the end finds none)."""
    args = [ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-sseof", "-0.5", "-i", str(path)]
    raw = subprocess.run([*args, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], capture_output=True, check=True)
    frame = size[0] * size[1] * 3
    assert len(raw.stdout) >= frame
    return Image.frombytes("RGB", size, raw.stdout[-frame:])


def _changed(a: Image.Image, b: Image.Image, threshold: int = 40) -> tuple[int, int, int, int] | None:
    """The bounding box of pixels that differ by more than `threshold` in any channel (codec noise is less)."""
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > threshold else 0)
    return diff.getbbox()


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _scene(number: int, seconds: float, *, media=(), text="", script="", description="notes") -> RenderScene:
    return RenderScene(number, seconds, description, script, "cut", "wide", tuple(media), text)


def _dejavu_only(monkeypatch) -> None:
    dejavu = fonts.chain()[-1]
    monkeypatch.setattr(fonts, "chain", lambda language=None: (dejavu,))


# --- fonts and typesetting (no ffmpeg) -----------------------------------------------------------


def test_the_chain_has_every_script_and_dejavu_last():
    names = [face.name for face in fonts.chain()]
    assert names[-1] == "DejaVu Sans"
    for needed in ("Latin", "Arabic", "Hebrew", "Devanagari", "Thai", "Japanese", "Korean", "Chinese", "emoji"):
        assert any(needed in name for name in names), needed


def test_every_face_has_its_licence_file():
    licences = fonts.licences()
    assert len(licences) >= 12
    for name, path in licences.items():
        assert path.is_file(), name
        assert "Open Font License" in path.read_text(errors="replace") or "DejaVu" in name


@pytest.mark.parametrize(
    "text",
    [JAPANESE, EMOJI, "你好，世界", "안녕하세요", "नमस्ते दुनिया", "สวัสดีชาวโลก", "مرحبا", "שלום", "Привет Γειά"],
)
def test_the_fallback_finds_a_font_for_every_character(text):
    assert fonts.missing(text) == []
    for run in typeset.runs(text):
        assert all(fonts.has(run.face, c) or c.isspace() or fonts.invisible(c) for c in run.text), run


def test_dejavu_alone_misses_japanese_and_the_rocket():
    dejavu = fonts.chain()[-1]
    assert [c for c in JAPANESE if not fonts.has(dejavu, c)]
    assert not fonts.has(dejavu, "🚀")


def test_the_ads_language_picks_whose_han_glyphs_come_first():
    first_cjk = {
        lang: next(f.name for f in fonts.chain(lang) if "Noto" in f.name and "ese" in f.name)
        for lang in ("ja", "zh-CN", "zh-TW")
    }
    assert first_cjk == {"ja": "Noto Japanese", "zh-CN": "Noto Simplified Chinese", "zh-TW": "Noto Traditional Chinese"}


def test_variable_cjk_fonts_are_set_at_regular_weight_not_thin():
    japanese = next(face for face in fonts.chain("ja") if face.name == "Noto Japanese")
    raw = ImageFont.truetype(str(japanese.path), 48)  # the font's own default: weight 100
    ink = []
    for font in (raw, fonts.truetype(japanese, 48)):
        image = Image.new("L", (200, 70))
        ImageDraw.Draw(image).text((4, 4), "抹茶山", font=font, fill=255)
        ink.append(sum(image.histogram()[k] * k for k in range(256)))
    assert ink[1] > 1.5 * ink[0]


@pytest.mark.parametrize("text", [JAPANESE, EMOJI])
def test_japanese_and_emoji_captions_differ_from_the_glyph_missing_rendering(tmp_path, monkeypatch, text):
    size = (640, 360)
    caption_png(text, size, tmp_path / "chain.png", language="ja")
    _dejavu_only(monkeypatch)
    caption_png(text, size, tmp_path / "dejavu.png", language="ja")
    chain, dejavu = (Image.open(tmp_path / f"{name}.png").convert("RGB") for name in ("chain", "dejavu"))
    changed = _changed(chain, dejavu)
    assert changed and _inside(changed, (0, size[1] // 2, size[0], size[1]))


def test_mixed_scripts_share_one_baseline_and_change_font_per_run():
    line = "Trailblaze 抹茶 ☕"
    faces = [run.face.name for run in typeset.runs(line)]
    assert faces == ["Noto Latin, Cyrillic, Greek", "Noto Japanese", "Noto emoji (monochrome)"]
    style = typeset.Style(30)
    assert typeset.measure(line, style) == pytest.approx(sum(w for _, w in typeset.layout(line, style, False)))


def test_arabic_reads_right_to_left_and_leads_its_paragraph():
    assert fonts.shaping()  # raqm: joined Arabic
    line = "مرحبا بالعالم Trailblaze"
    assert typeset.base_rtl(line)
    placed = [run for run, _ in typeset.layout(line, typeset.Style(30), True)]
    assert placed[0].text.strip() == "Trailblaze" and not placed[0].rtl  # leftmost: read last
    assert placed[-1].rtl and unicodedata.bidirectional(placed[-1].text[0]) == "AL"  # rightmost: read first
    ltr = [run for run, _ in typeset.layout("Trailblaze مرحبا", typeset.Style(30), False)]
    assert ltr[0].text.strip() == "Trailblaze"


def test_japanese_wraps_between_characters_with_kinsoku():
    style = typeset.Style(28, language="ja")
    lines = typeset.wrap(JAPANESE * 2, style, 200)
    assert len(lines) > 2 and all(typeset.measure(line, style) <= 200 for line in lines)
    assert "".join(lines) == JAPANESE * 2
    assert not any(line[0] in "、。" for line in lines)


def test_wrap_breaks_long_words_and_unspaced_thai_between_clusters():
    style = typeset.Style(20)
    lines = typeset.wrap("a" * 200 + " short words here", style, 300)
    assert all(typeset.measure(line, style) <= 300 for line in lines)
    assert "".join(lines).replace(" ", "") == "a" * 200 + "shortwordshere"
    thai = typeset.wrap("สวัสดีชาวโลก" * 6, style, 150)
    assert len(thai) > 1 and not any(unicodedata.category(line[0]).startswith("M") for line in thai)


def test_text_too_long_for_its_lines_ends_with_an_ellipsis():
    style, lines = typeset.fit(LONG * 4, 30, 300, 2)
    assert len(lines) == 2 and lines[-1].endswith("…") and typeset.measure(lines[-1], style) <= 300


def test_the_safe_area_table_keeps_vertical_video_clear_of_platform_ui():
    vertical = SAFE_AREAS["9:16"]
    assert vertical.bottom >= 0.20 and vertical.right >= 0.15
    for fmt in ("16:9", "1:1"):
        assert all(0.05 <= side <= 0.10 for side in vars(SAFE_AREAS[fmt]).values())
    assert safe_box("9:16", (720, 1280)) == safe_box("9x16", (720, 1280))
    assert safe_box("2:3", (720, 1080)).right <= 0.85 * 720  # a taller-than-4:5 format keeps the UI margins


def test_title_card_shows_its_text_inside_the_safe_area(tmp_path):
    size = (640, 360)
    title_card_png("Trail maps offline", None, ("#1D3557",), size, tmp_path / "a.png")
    title_card_png("Summit at dawn", None, ("#1D3557",), size, tmp_path / "b.png")
    a, b = (Image.open(tmp_path / f"{n}.png").convert("RGB") for n in "ab")
    box = safe_box("16:9", size)
    changed = _changed(a, b)
    assert changed and _inside(changed, (box.left, box.top, box.right, box.bottom))


# --- rendered frames -----------------------------------------------------------------------------


@slow
def test_the_description_never_changes_a_frame(pictures, tmp_path):
    def storyboard(notes: str) -> list[RenderScene]:
        return [
            _scene(1, 1.0, text="Trail maps offline", description=f"{notes} wide shot, framed for 16:9"),
            _scene(2, 1.0, media=[pictures["picture"]], text="Go further", script="Hike.", description=notes),
            _scene(3, 1.0, script="Download now.", description=f"End card: {notes} on brand colours #E63946"),
        ]

    a = _render(tmp_path, "a", storyboard("Crew notes: please less text"), call_to_action="Get Trailblaze")
    b = _render(tmp_path, "b", storyboard("Totally different production notes"), call_to_action="Get Trailblaze")
    for seconds in (0.5, 1.5, 2.5):
        assert _frame(a, seconds).tobytes() == _frame(b, seconds).tobytes(), seconds
    size = frame_size("16:9", "240p")
    assert _last_frame(a, size).tobytes() == _last_frame(b, size).tobytes()


@slow
def test_an_asset_less_scene_shows_its_on_screen_text(pictures, tmp_path):
    size = frame_size("16:9", "240p")
    last = _scene(2, 1.0, media=[pictures["picture"]])
    a = _render(tmp_path, "a", [_scene(1, 1.0, text="Trail maps offline"), last])
    b = _render(tmp_path, "b", [_scene(1, 1.0, text="Summit at dawn"), last])
    box = safe_box("16:9", size)
    changed = _changed(_frame(a, 0.5), _frame(b, 0.5))
    assert changed and _inside(changed, (box.left, box.top, box.right, box.bottom))


@slow
def test_the_last_frame_shows_the_call_to_action_over_the_last_picture(pictures, tmp_path):
    scenes = [_scene(1, 1.0, text="Trail maps"), _scene(2, 2.0, media=[pictures["picture"]], text="Go further")]
    a = _render(tmp_path, "a", scenes, call_to_action="Download Trailblaze")
    b = _render(tmp_path, "b", scenes, call_to_action="Join the club")
    assert _frame(a, 1.3).tobytes() == _frame(b, 1.3).tobytes()  # the picture and its super come first
    size = frame_size("16:9", "240p")
    box = safe_box("16:9", size)
    changed = _changed(_last_frame(a, size), _last_frame(b, size))
    assert changed and _inside(changed, (box.left, box.top, box.right, box.bottom))


@slow
def test_an_asset_less_last_scene_is_the_end_card_with_the_logo(pictures, tmp_path):
    scenes = [_scene(1, 1.0, media=[pictures["picture"]]), _scene(2, 1.0, text="Get it today")]
    with_logo = _render(tmp_path, "logo", scenes, logo=pictures["logo"])
    without = _render(tmp_path, "plain", scenes)
    other_cta = _render(tmp_path, "cta", [scenes[0], replace(scenes[1], on_screen_text="Start your trail")])
    size = frame_size("16:9", "240p")
    logo_area = _changed(_last_frame(with_logo, size), _last_frame(without, size))
    cta_area = _changed(_last_frame(without, size), _last_frame(other_cta, size))
    assert logo_area and cta_area  # the fallback CTA is the scene's on-screen text
    assert logo_area[1] < cta_area[1]  # the logo sits above the CTA


@slow
@pytest.mark.parametrize("fmt", ["9:16", "16:9", "1:1"])
def test_captions_and_supers_stay_inside_the_safe_area(pictures, tmp_path, fmt):
    size = frame_size(fmt, "240p")
    black = pictures["black"]
    scenes = [_scene(1, 1.0, media=[black], text=LONG, script=LONG * 2), _scene(2, 0.2, media=[black])]
    bare = [_scene(1, 1.0, media=[black]), scenes[1]]
    changed = _changed(
        _frame(_render(tmp_path, "text", scenes, format=fmt), 0.5),
        _frame(_render(tmp_path, "bare", bare, format=fmt), 0.5),
    )
    w, h = size
    assert changed, "nothing was drawn"
    margins = SAFE_AREAS[fmt]
    allowed = (w * margins.left, h * margins.top, w * (1 - margins.right), h * (1 - margins.bottom))
    assert _inside(changed, allowed), (changed, allowed)
    assert changed[3] > h * 0.6 and changed[1] < h * 0.3  # both the caption and the super were drawn


@slow
def test_a_japanese_caption_frame_differs_from_the_glyph_missing_one(pictures, tmp_path, monkeypatch):
    scenes = [_scene(1, 1.0, media=[pictures["black"]], script=JAPANESE)]
    assert fonts.missing(JAPANESE, "ja") == []
    chain = _frame(_render(tmp_path, "chain", scenes, language="ja"), 0.5)
    _dejavu_only(monkeypatch)
    dejavu = _frame(_render(tmp_path, "dejavu", scenes, language="ja"), 0.5)
    assert _changed(chain, dejavu)
