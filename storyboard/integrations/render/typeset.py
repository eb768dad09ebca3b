"""Set text in the font chain: runs of one font each, bidi order, wrapping measured run by run, one baseline."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from PIL import ImageDraw

from . import fonts
from .fonts import REGULAR, Face

# No line may start with these (closing marks, small kana) or end with the opening ones (kinsoku).
_CLOSING = frozenset(")]}»、。，．・：；！？ー…‥々〜ゝゞ」』）】〕〉》”’ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_OPENING = frozenset("([{«「『（【〔〈《“‘")
_UNSPACED = ((0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))


@dataclass(frozen=True)
class Style:
    size: int
    weight: int = REGULAR
    language: str | None = None


@dataclass(frozen=True)
class Run:
    face: Face
    text: str
    rtl: bool | None  # None: no strong character (spaces, digits, punctuation)


def _strong(char: str) -> bool | None:
    kind = unicodedata.bidirectional(char)
    return True if kind in ("R", "AL") else False if kind == "L" else None


def base_rtl(text: str) -> bool:
    """The paragraph's direction: that of its first strong character (left to right when there is none)."""
    return next((d for d in map(_strong, text) if d is not None), False)


def _direction(text: str) -> bool | None:
    strong = {d for d in map(_strong, text) if d is not None}
    return True in strong if strong else None


def _joins(face: Face, char: str) -> bool:
    if fonts.invisible(char):
        return True
    kind = unicodedata.category(char)
    if kind.startswith("L") or not fonts.has(face, char):
        return False
    return face.neutrals or kind.startswith(("S", "M"))


def runs(text: str, language: str | None = None) -> list[Run]:
    """`text` cut where the font changes: each letter takes the first face that has it; marks, spaces,
    digits and punctuation stay in the current run when its face has them, so shaping sees whole words."""
    faces, parts = fonts.chain(language), []
    for char in text:
        current = parts[-1][0] if parts else None
        if current and _joins(current, char):
            parts[-1][1] += char
            continue
        face = fonts.first_with(char, faces) or current or faces[-1]
        if face is current:
            parts[-1][1] += char
        else:
            parts.append([face, char])
    return [Run(face, chunk, _direction(chunk)) for face, chunk in parts]


def _resolved(line_runs: list[Run], rtl: bool) -> list[Run]:
    """Each run's direction settled; spaces trailing a run against the paragraph's direction become their own
    run, so they sit between it and what follows (UAX #9: neutrals between runs take the paragraph's side)."""
    out = []
    for run in line_runs:
        direction = run.rtl if run.rtl is not None else (False if any(c.isdigit() for c in run.text) else rtl)
        body = run.text.rstrip() if direction != rtl else run.text
        out.append(Run(run.face, body, direction))
        if len(body) < len(run.text):
            out.append(Run(run.face, run.text[len(body) :], rtl))
    return out


def visual_order(line_runs: list[Run], rtl: bool) -> list[Run]:
    """Runs from left to right: runs at a higher embedding level are reversed, highest level first."""
    levels = [(1 if r.rtl else 2) if rtl else (1 if r.rtl else 0) for r in line_runs]
    order = list(range(len(line_runs)))
    for level in range(max(levels, default=0), 0, -1):
        start = None
        for i in range(len(order) + 1):
            inside = i < len(order) and levels[order[i]] >= level
            if inside and start is None:
                start = i
            elif not inside and start is not None:
                order[start:i] = order[start:i][::-1]
                start = None
    return [line_runs[k] for k in order]


def _font(run: Run, style: Style) -> fonts.Font:
    return fonts.truetype(run.face, style.size, style.weight)


def _direction_arg(run: Run) -> dict:
    return {"direction": "rtl" if run.rtl else "ltr"} if fonts.shaping() else {}


def layout(line: str, style: Style, rtl: bool) -> list[tuple[Run, float]]:
    """The line's runs from left to right, each with its advance width."""
    ordered = visual_order(_resolved(runs(line, style.language), rtl), rtl)
    return [(run, _font(run, style).getlength(run.text, **_direction_arg(run))) for run in ordered]


def measure(line: str, style: Style) -> float:
    return sum(width for _, width in layout(line, style, False))


def _unspaced(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _UNSPACED) or 0x20000 <= code <= 0x3FFFF


def _attached(char: str) -> bool:
    return bool(unicodedata.combining(char)) or unicodedata.category(char).startswith("M") or fonts.invisible(char)


def _pieces(word: str) -> list[str]:
    """A word cut where Chinese and Japanese allow a line break: between their characters, kinsoku kept."""
    pieces = [""]
    for char in word:
        last = pieces[-1][-1:] if pieces[-1] else ""
        breakable = last and (_unspaced(char) or _unspaced(last))
        if breakable and char not in _CLOSING and last not in _OPENING and not _attached(char):
            pieces.append("")
        pieces[-1] += char
    return pieces


def _clusters(piece: str) -> list[str]:
    out: list[str] = []
    for char in piece:
        if out and _attached(char):
            out[-1] += char
        else:
            out.append(char)
    return out


def _split_long(piece: str, style: Style, width: int) -> list[str]:
    # Pieces wider than a line (URLs, Thai, long unspaced runs) break between characters, never inside one.
    if measure(piece, style) <= width:
        return [piece]
    parts = [""]
    for cluster in _clusters(piece):
        if parts[-1] and measure(parts[-1] + cluster, style) > width:
            parts.append("")
        parts[-1] += cluster
    return parts


def wrap(text: str, style: Style, width: int) -> list[str]:
    """Greedy wrap measured in pixels, font by font; breaks at spaces and between CJK characters."""
    lines: list[str] = []
    for n, word in enumerate(text.split()):
        for k, piece in enumerate(_pieces(word)):
            glue = " " if n and not k else ""
            for part in _split_long(piece, style, width):
                if lines and measure(lines[-1] + glue + part, style) <= width:
                    lines[-1] += glue + part
                else:
                    lines.append(part)
                glue = ""
    return lines


def _ellipsized(line: str, style: Style, width: int) -> str:
    cut = line.rstrip(".,;:、。 ")
    while cut and measure(cut + " …", style) > width:
        cut = cut[:-1].rstrip()
    return cut + " …"


def fit(text: str, size: int, width: int, max_lines: int, weight: int = REGULAR, language: str | None = None):
    """(style, lines): the font shrinks (down to 60%) until the text fits; beyond that it ends with an ellipsis."""
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6):
        style = Style(max(10, round(size * scale)), weight, language)
        lines = wrap(text, style, width)
        if len(lines) <= max_lines:
            return style, lines
    return style, lines[: max_lines - 1] + [_ellipsized(lines[max_lines - 1], style, width)]


def line_step(style: Style) -> int:
    return round(style.size * 1.32)


def draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], style: Style, center_x: int, top: int, **ink) -> int:
    """Centred lines from `top`, every run of a line on one baseline; returns the height used."""
    rtl, step = base_rtl(" ".join(lines)), line_step(style)
    for i, line in enumerate(lines):
        placed = layout(line, style, rtl)
        x, baseline = center_x - sum(w for _, w in placed) / 2, top + round(style.size * 1.02) + i * step
        for run, width in placed:
            draw.text((x, baseline), run.text, font=_font(run, style), anchor="ls", **_direction_arg(run), **ink)
            x += width
    return step * len(lines)
