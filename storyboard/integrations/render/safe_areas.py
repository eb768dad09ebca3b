"""Where text may go in each format: title-safe margins, and the platform interface zones of vertical video."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Margins:
    """Fractions of the frame's width (left, right) and height (top, bottom) that text stays out of."""

    left: float
    top: float
    right: float
    bottom: float


# The one table. 9:16 is what TikTok, Reels and Shorts show full screen: their buttons cover the right
# edge and their caption, music and progress bar the bottom fifth; the top holds the tab bar. The
# others keep title-safe margins (broadcast title safe is 10%; 7% suits social feeds, which crop less).
SAFE_AREAS: dict[str, Margins] = {
    "9:16": Margins(left=0.06, top=0.10, right=0.15, bottom=0.20),
    "4:5": Margins(left=0.07, top=0.07, right=0.07, bottom=0.10),
    "1:1": Margins(left=0.07, top=0.07, right=0.07, bottom=0.07),
    "16:9": Margins(left=0.07, top=0.07, right=0.07, bottom=0.07),
}
_FORMAT = re.compile(r"^\s*(\d{1,2})\s*[:x/]\s*(\d{1,2})\s*$")


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def center_x(self) -> int:
        return (self.left + self.right) // 2


def margins(format: str) -> Margins:
    """The table's row for `format`; another ratio takes the row of the nearest shape (tall, portrait, wide)."""
    match = _FORMAT.match(format or "")
    key = f"{match.group(1)}:{match.group(2)}" if match else ""
    if key in SAFE_AREAS:
        return SAFE_AREAS[key]
    w, h = (int(match.group(1)), int(match.group(2))) if match and "0" not in match.groups() else (16, 9)
    ratio = h / w
    return SAFE_AREAS["9:16" if ratio >= 1.5 else "4:5" if ratio > 1.05 else "1:1" if ratio >= 0.95 else "16:9"]


def safe_box(format: str, size: tuple[int, int]) -> Box:
    """The part of a `size` frame where captions, supers and card text go."""
    m, (w, h) = margins(format), size
    return Box(round(w * m.left), round(h * m.top), round(w * (1 - m.right)), round(h * (1 - m.bottom)))
