"""Full-frame cards on the brand colours: a title card for a scene without media, and the end card."""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageOps, ImageStat, UnidentifiedImageError

from storyboard.integrations import media

from . import typeset
from .fonts import BOLD
from .runner import failure
from .safe_areas import Box, safe_box

log = logging.getLogger(__name__)

DEFAULT_PALETTE = ("#1F2A44", "#F2B134")  # deep navy card, warm amber accent
# The bottom of the safe area is the caption's: card text is centred on this fraction of its height.
CONTENT_CENTER = 0.40
Rgb = tuple[int, int, int]


def parse_color(value: str | None, fallback: str) -> Rgb:
    try:
        return ImageColor.getrgb((value or fallback).strip())[:3]
    except ValueError:
        log.info("ignoring unparseable brand colour %r", value)
        return ImageColor.getrgb(fallback)[:3]


def _luminance(rgb: Rgb) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def _contrast(rgb: Rgb) -> Rgb:
    return (20, 20, 24) if _luminance(rgb) > 150 else (250, 250, 250)


def _palette(colors: tuple[str, ...]) -> tuple[Rgb, Rgb]:
    background = parse_color(colors[0] if colors else None, DEFAULT_PALETTE[0])
    return background, parse_color(colors[1] if len(colors) > 1 else None, DEFAULT_PALETTE[1])


def _background(size: tuple[int, int], rgb: Rgb) -> Image.Image:
    # A soft top-to-bottom darkening reads as designed rather than as an empty flat fill.
    darker = tuple(round(c * 0.72) for c in rgb)
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, darker), Image.new("RGB", size, rgb), mask)


def _top(box: Box, block: int) -> int:
    return max(box.top, box.top + round(box.height * CONTENT_CENTER) - block // 2)


def title_card_png(
    text: str, heading: str | None, colors: tuple[str, ...], size: tuple[int, int], path: Path, **where
) -> None:
    """A full-frame card: `text` (the on-screen text) large, under an optional small heading, on the first
    brand colour with an accent bar in the second; `where` is format= and language= for the text."""
    box, short, (bg, accent) = safe_box(where.get("format", "16:9"), size), min(size), _palette(colors)
    language = where.get("language")
    head, head_lines = typeset.fit(heading or "", round(short * 0.05), box.width, 2, BOLD, language)
    body, body_lines = typeset.fit(text or "", round(short * 0.085), round(box.width * 0.92), 4, BOLD, language)
    bar = round(short * 0.012)
    head_h, body_h = typeset.line_step(head) * len(head_lines), typeset.line_step(body) * len(body_lines)
    top = _top(box, head_h + body_h + 4 * bar)
    image = _background(size, bg)
    draw, ink = ImageDraw.Draw(image), _contrast(bg)
    top += typeset.draw_lines(draw, head_lines, head, box.center_x, top, fill=ink)
    top += bar if head_lines else 0
    if body_lines or head_lines:
        draw.rectangle((box.center_x - short // 10, top, box.center_x + short // 10, top + bar), fill=accent)
        top += 3 * bar
    typeset.draw_lines(draw, body_lines, body, box.center_x, top, fill=ink)
    image.save(path)


def _logo(source: str, bounds: tuple[int, int]) -> Image.Image:
    """The logo as RGBA, scaled to fit `bounds` (decoded within the process's decode budget)."""
    try:
        with Image.open(source, formats=media.PIL_FORMATS) as img:
            img.draft("RGB", bounds)
            with media.DECODE_BUDGET.hold(media.decoded_bytes(img)):
                logo = ImageOps.exif_transpose(img).convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        log.error("cannot prepare the logo %s: %s", source, exc)
        raise failure("the logo could not be decoded") from exc
    scale = min(bounds[0] / logo.width, bounds[1] / logo.height)
    fitted = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    return logo.resize(fitted, Image.Resampling.LANCZOS)


def _paste_logo(image: Image.Image, logo: Image.Image, center_x: int, top: int, bg: Rgb, pad: int) -> None:
    # A transparent logo in nearly the card's own tone would vanish: it gets a plate in the contrasting ink.
    alpha = logo.getchannel("A")
    opaque = alpha.point(lambda a: 255 if a > 128 else 0)
    transparent = alpha.getextrema()[0] < 250
    if transparent and opaque.getbbox():
        tone = ImageStat.Stat(logo.convert("L"), mask=opaque).mean[0]
        if abs(tone - _luminance(bg)) < 70:
            left = center_x - logo.width // 2
            plate = (left - pad, top - pad, left + logo.width + pad, top + logo.height + pad)
            ImageDraw.Draw(image).rounded_rectangle(plate, pad, fill=_contrast(bg))
    image.paste(logo, (center_x - logo.width // 2, top), logo)


def end_card_png(
    cta: str, heading: str | None, logo: str | None, colors: tuple[str, ...], size: tuple[int, int], path: Path, **where
) -> None:
    """The end card: the logo (or the heading when there is none) over the call to action, set on a button in
    the accent colour, on the first brand colour; `where` is format= and language= for the text."""
    box, short, (bg, accent) = safe_box(where.get("format", "16:9"), size), min(size), _palette(colors)
    language, pad = where.get("language"), round(short * 0.03)
    mark = _logo(logo, (round(box.width * 0.6), round(box.height * 0.28))) if logo else None
    head, head_lines = typeset.fit("" if mark else heading or "", round(short * 0.06), box.width, 2, BOLD, language)
    cta_style, cta_lines = typeset.fit(cta or "", round(short * 0.07), round(box.width * 0.8), 3, BOLD, language)
    cta_h = typeset.line_step(cta_style) * len(cta_lines) + 2 * pad if cta_lines else 0
    mark_h = mark.height + 2 * pad if mark else typeset.line_step(head) * len(head_lines) + pad
    top = _top(box, mark_h + cta_h)
    image = _background(size, bg)
    draw, ink = ImageDraw.Draw(image), _contrast(bg)
    if mark:
        _paste_logo(image, mark, box.center_x, top + pad // 2, bg, pad // 2)
    typeset.draw_lines(draw, head_lines, head, box.center_x, top, fill=ink)
    top += mark_h
    if cta_lines:
        width = max(typeset.measure(line, cta_style) for line in cta_lines) + 4 * pad
        button = (box.center_x - width / 2, top, box.center_x + width / 2, top + cta_h)
        draw.rounded_rectangle(button, cta_h // 2 if len(cta_lines) == 1 else pad, fill=accent)
        typeset.draw_lines(draw, cta_lines, cta_style, box.center_x, top + pad, fill=_contrast(accent))
    image.save(path)
