"""Pillow-drawn frames: captions, title cards and cover-cropped stills (no ffmpeg text escaping)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from .runner import failure

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
DEFAULT_PALETTE = ("#1F2A44", "#F2B134")  # deep navy card, warm amber accent
CAPTION_BAND = (0, 0, 0, 150)
MAX_CAPTION_LINES = 4
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> Font:
    """The shipped DejaVu Sans (wide Unicode coverage); Pillow's built-in font if it is missing."""
    try:
        return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)
    except OSError:
        log.warning("bundled font missing from %s, using Pillow's default", FONT_DIR)
        return ImageFont.load_default(size=size)


def _split_long(word: str, fnt: Font, width: int) -> list[str]:
    # Words wider than a line (URLs, unspaced scripts such as Chinese) break between characters.
    parts, current = [], ""
    for char in word:
        if current and fnt.getlength(current + char) > width:
            parts.append(current)
            current = ""
        current += char
    return parts + [current] if current else parts


def wrap(text: str, fnt: Font, width: int) -> list[str]:
    """Greedy word wrap measured in pixels."""
    lines: list[str] = []
    for word in " ".join(text.split()).split(" "):
        for piece in _split_long(word, fnt, width) if word else []:
            if lines and fnt.getlength(f"{lines[-1]} {piece}") <= width:
                lines[-1] = f"{lines[-1]} {piece}"
            else:
                lines.append(piece)
    return lines


def _fit(text: str, size: int, width: int, max_lines: int, bold: bool = False) -> tuple[Font, list[str]]:
    """Shrink the font (down to 60%) until the text fits; beyond that, end with an ellipsis."""
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6):
        fnt = font(max(10, round(size * scale)), bold)
        lines = wrap(text, fnt, width)
        if len(lines) <= max_lines:
            return fnt, lines
    return fnt, lines[: max_lines - 1] + [lines[max_lines - 1].rstrip(".,;: ") + " …"]


def _line_step(fnt: Font) -> int:
    return round(getattr(fnt, "size", 12) * 1.3)


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], fnt: Font, center_x: int, top: int, **style) -> int:
    step = _line_step(fnt)
    for i, line in enumerate(lines):
        draw.text((center_x, top + i * step), line, font=fnt, anchor="ma", **style)
    return step * len(lines)


def caption_png(text: str, size: tuple[int, int], path: Path) -> bool:
    """Write the script as a wrapped caption on a translucent band in the bottom third; False if empty."""
    if not text or not text.strip():
        return False
    w, h = size
    short = min(w, h)
    fnt, lines = _fit(text, round(short * 0.045), round(w * 0.84), MAX_CAPTION_LINES)
    step, pad = _line_step(fnt), round(short * 0.025)
    band_h = step * len(lines) + 2 * pad
    bottom = round(h * 0.93)
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((round(w * 0.05), bottom - band_h, round(w * 0.95), bottom), pad, fill=CAPTION_BAND)
    _draw_lines(draw, lines, fnt, w // 2, bottom - band_h + pad, fill="white", stroke_width=1, stroke_fill="black")
    image.save(path)
    return True


def parse_color(value: str | None, fallback: str) -> tuple[int, int, int]:
    try:
        return ImageColor.getrgb((value or fallback).strip())[:3]
    except ValueError:
        log.info("ignoring unparseable brand colour %r", value)
        return ImageColor.getrgb(fallback)[:3]


def _contrast(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    return (20, 20, 24) if luminance > 150 else (250, 250, 250)


def _background(size: tuple[int, int], rgb: tuple[int, int, int]) -> Image.Image:
    # A soft top-to-bottom darkening reads as designed rather than as an empty flat fill.
    darker = tuple(round(c * 0.72) for c in rgb)
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, darker), Image.new("RGB", size, rgb), mask)


def title_card_png(text: str, heading: str | None, colors: tuple[str, ...], size: tuple[int, int], path: Path):
    """A full-frame card: the description (and an optional heading) on the first brand colour."""
    w, h = size
    short = min(w, h)
    bg = parse_color(colors[0] if colors else None, DEFAULT_PALETTE[0])
    accent = parse_color(colors[1] if len(colors) > 1 else None, DEFAULT_PALETTE[1])
    image = _background(size, bg)
    draw, ink = ImageDraw.Draw(image), _contrast(bg)
    head_font, head_lines = _fit(heading or "", round(short * 0.085), round(w * 0.8), 2, bold=True)
    body_font, body_lines = _fit(text or "", round(short * 0.05), round(w * 0.8), 5)
    bar = round(short * 0.012) if head_lines else 0
    block = _line_step(head_font) * len(head_lines) + 4 * bar + _line_step(body_font) * len(body_lines)
    # Centred a little above the middle: the caption band owns the bottom third.
    top = max(round(h * 0.08), round(h * 0.42) - block // 2)
    top += _draw_lines(draw, head_lines, head_font, w // 2, top, fill=ink)
    if head_lines:
        draw.rectangle((w // 2 - short // 10, top + bar, w // 2 + short // 10, top + 2 * bar), fill=accent)
        top += 4 * bar
    _draw_lines(draw, body_lines, body_font, w // 2, top, fill=ink)
    image.save(path)


def cover_png(source: str, size: tuple[int, int], path: Path) -> None:
    """Scale and centre-crop an image to exactly `size` (EXIF-rotated, alpha flattened on black)."""
    try:
        with Image.open(source) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode in ("RGBA", "LA", "P", "PA"):
                img = img.convert("RGBA")
                flat = Image.new("RGBA", img.size, (0, 0, 0, 255))
                img = Image.alpha_composite(flat, img)
            ImageOps.fit(img.convert("RGB"), size, Image.Resampling.LANCZOS).save(path)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        log.error("cannot prepare image %s: %s", source, exc)
        raise failure("an image could not be decoded") from exc
