"""Subtitle cues from a storyboard: each scene's script over its span of the render's timeline, as WebVTT or SRT,
and the arguments that mux them into the MP4 as a soft (mov_text) track.

A script that does not fit one cue (two lines of LINE_COLUMNS, a wide CJK character counting two) is cut at
sentence, then clause, then word (or, in unspaced scripts, character) boundaries; the scene's span is shared
between its cues by their length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .spec import RenderScene, plan_timeline

LINE_COLUMNS = 42
PUNCTUATION_BONUS = 12  # columns of unevenness a line break after a clause is worth
_SENTENCE_END = frozenset(".!?…。！？")
_CLAUSE_END = frozenset(",;:、，；：")
_BREAKS = _SENTENCE_END | _CLAUSE_END
# Marks no line may begin with: they stay with the unit before them.
_CLOSING = frozenset(")]}»”’」』）】〕〉》、。，．・：；！？ー…‥々〜ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
# Code points that are set without spaces between them (kana, CJK ideographs, full-width forms).
_UNSPACED = ((0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# ISO 639-1 -> ISO 639-2/T, the three letters an MP4 track's language is written in.
_ISO639_2 = {
    "ar": "ara", "cs": "ces", "da": "dan", "de": "deu", "el": "ell", "en": "eng", "es": "spa", "fa": "fas",
    "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin", "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn",
    "ko": "kor", "ms": "msa", "nb": "nob", "nl": "nld", "no": "nor", "pl": "pol", "pt": "por", "ro": "ron",
    "ru": "rus", "sv": "swe", "sw": "swa", "th": "tha", "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "zho",
}  # fmt: skip


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Unit:
    """A word (or one unspaced character) and whether a space came before it."""

    text: str
    spaced: bool


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def unspaced(char: str) -> bool:
    """Kana, CJK ideographs and full-width forms: set without spaces between words."""
    return any(low <= ord(char) <= high for low, high in _UNSPACED)


def _units(text: str) -> list[_Unit]:
    """The text as units a line may break between: words, and each unspaced character on its own (closing
    punctuation stays with what it closes)."""
    units: list[_Unit] = []
    space, open_word = False, False
    for char in text:
        if char.isspace():
            space, open_word = True, False
        elif units and not space and (open_word and not unspaced(char) or char in _CLOSING):
            units[-1] = _Unit(units[-1].text + char, units[-1].spaced)
        else:
            units.append(_Unit(char, space and bool(units)))
            space, open_word = False, not unspaced(char)
    return units


def _joined(units: Sequence[_Unit]) -> str:
    return "".join((" " if u.spaced and i else "") + u.text for i, u in enumerate(units))


def _lines(units: Sequence[_Unit]) -> list[str] | None:
    """The units as one line, or two lines as even as possible; None when they need more than two."""
    widths = [_width(u.text) for u in units]
    # Before a unit on the second line: its width, plus one for its space.
    ahead = [0]
    for width, unit in zip(widths, units, strict=True):
        ahead.append(ahead[-1] + width + (1 if unit.spaced else 0))

    def span(a: int, b: int) -> int:  # the width of units[a:b] set on one line (no space before the first)
        return ahead[b] - ahead[a] - (1 if units[a].spaced else 0)

    if span(0, len(units)) <= LINE_COLUMNS:
        return [_joined(units)]
    best = None
    for cut in range(1, len(units)):
        widest = max(span(0, cut), span(cut, len(units)))
        # Even lines read best, and a line that ends a clause better still.
        score = widest - (PUNCTUATION_BONUS if units[cut - 1].text[-1] in _BREAKS else 0)
        if widest <= LINE_COLUMNS and (best is None or score < best[0]):
            best = (score, cut)
    return [_joined(units[: best[1]]), _joined(units[best[1] :])] if best else None


def _pieces(units: list[_Unit]) -> list[list[_Unit]]:
    """Runs of units that end a clause or a sentence (the places a cue is best cut)."""
    pieces, current = [], []
    for unit in units:
        current.append(unit)
        if unit.text[-1] in _BREAKS:
            pieces.append(current)
            current = []
    return [*pieces, current] if current else pieces


def _chunks(text: str) -> list[list[str]]:
    """The text cut into cues of at most two lines: whole clauses and sentences together while they fit, a clause
    too long for one cue cut between words."""
    cues: list[list[_Unit]] = []
    for piece in _pieces(_units(text)):
        for unit in piece:
            if cues and _lines([*cues[-1], unit]) is not None and (unit is not piece[0] or _fits(cues[-1], piece)):
                cues[-1].append(unit)
            else:
                cues.append([unit])
    return [_lines(cue) or [_joined(cue)] for cue in cues]


def _fits(cue: list[_Unit], piece: list[_Unit]) -> bool:
    # A new clause joins the cue only whole, so a cue does not end in the middle of a short clause.
    return _lines([*cue, *piece]) is not None


def _scene_cues(script: str, start: float, end: float) -> list[Cue]:
    text = _CONTROL.sub("", script or "").replace("-->", "->")
    chunks = _chunks(" ".join(text.split()))
    widths = [sum(_width(line) for line in lines) for lines in chunks]
    total, done, cues = sum(widths), 0, []
    for lines, width in zip(chunks, widths, strict=True):
        begin = start + (end - start) * done / total
        done += width
        cues.append(Cue(round(begin, 3), round(start + (end - start) * done / total, 3), tuple(lines)))
    return cues


def cues(scenes: Sequence[RenderScene], fps: int) -> list[Cue]:
    """Every scene's script as cues within the scene's span of the rendered timeline (frame-exact, as the render
    cuts it); a scene without a script has none."""
    cues_, frame = [], 0
    if not scenes:
        return cues_
    for scene, plan in zip(scenes, plan_timeline(scenes, fps), strict=True):
        if (scene.script or "").strip():
            cues_ += _scene_cues(scene.script, frame / fps, (frame + plan.frames) / fps)
        frame += plan.frames
    return cues_


def _stamp(seconds: float, mark: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{mark}{ms % 1000:03d}"


def _escaped(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues_: Sequence[Cue]) -> str:
    """The cues as a WebVTT file (text escaped, so a script never reads as markup)."""
    blocks = [
        f"{n}\n{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n" + "\n".join(map(_escaped, c.lines))
        for n, c in enumerate(cues_, start=1)
    ]
    return "WEBVTT\n\n" + "".join(block + "\n\n" for block in blocks)


def srt(cues_: Sequence[Cue]) -> str:
    """The cues as a SubRip file."""
    blocks = [
        f"{n}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n" + "\n".join(c.lines)
        for n, c in enumerate(cues_, start=1)
    ]
    return "".join(block + "\n\n" for block in blocks)


def track_language(tag: str | None) -> str:
    """The ISO 639-2 code an MP4 subtitle track is tagged with, from the ad's IETF tag ("und" when unknown)."""
    primary = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    if len(primary) == 3 and primary.isalpha():
        return primary
    return _ISO639_2.get(primary, "und")


def mux_args(
    scenes: Sequence[RenderScene], fps: int, language: str | None, srt_path: Path, index: int
) -> tuple[list[str], list[str]]:
    """(inputs, output options) adding the scripts as a soft mov_text track from an SRT written to `srt_path`,
    read as ffmpeg input `index`; nothing when no scene has a script."""
    found = cues(scenes, fps)
    if not found:
        return [], []
    srt_path.write_text(srt(found), encoding="utf-8")
    inputs = ["-f", "srt", "-i", str(srt_path)]
    output = ["-map", f"{index}:s:0", "-c:s", "mov_text", "-metadata:s:s:0", f"language={track_language(language)}"]
    return inputs, output
