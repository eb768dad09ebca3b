"""Pillow-drawn layers over a scene's picture: the caption, the super, and cover-cropped stills."""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from . import typeset
from .fonts import BOLD
from .runner import failure
from .safe_areas import Box, safe_box

log = logging.getLogger(__name__)

CAPTION_BAND = (0, 0, 0, 150)
SUPER_BAND = (0, 0, 0, 110)
MAX_CAPTION_LINES = 4
MAX_SUPER_LINES = 2


def _banded(lines, style, box: Box, top: int, pad: int, band, image: Image.Image, **ink) -> None:
    """Text lines on a translucent rounded band spanning the safe box, from `top`."""
    draw = ImageDraw.Draw(image)
    height = typeset.line_step(style) * len(lines) + 2 * pad
    draw.rounded_rectangle((box.left, top, box.right, top + height), pad, fill=band)
    typeset.draw_lines(draw, lines, style, box.center_x, top + pad, fill="white", **ink)


def caption_png(text: str, size: tuple[int, int], path: Path, *, format: str = "16:9", language=None) -> bool:
    """Write the script as a wrapped caption on a band at the bottom of the safe area; False if empty."""
    if not text or not text.strip():
        return False
    box, short = safe_box(format, size), min(size)
    pad = round(short * 0.025)
    style, lines = typeset.fit(text, round(short * 0.045), box.width - 2 * pad, MAX_CAPTION_LINES, language=language)
    top = box.bottom - typeset.line_step(style) * len(lines) - 2 * pad
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    _banded(lines, style, box, top, pad, CAPTION_BAND, image, stroke_width=1, stroke_fill="black")
    image.save(path)
    return True


def super_png(text: str, size: tuple[int, int], path: Path, *, format: str = "16:9", language=None) -> bool:
    """Write the on-screen text as a bold super at the top of the safe area, over the picture; False if empty."""
    if not text or not text.strip():
        return False
    box, short = safe_box(format, size), min(size)
    pad = round(short * 0.022)
    width = box.width - 2 * pad
    style, lines = typeset.fit(text, round(short * 0.065), width, MAX_SUPER_LINES, BOLD, language)
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    _banded(lines, style, box, box.top, pad, SUPER_BAND, image, stroke_width=1, stroke_fill="black")
    image.save(path)
    return True


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
