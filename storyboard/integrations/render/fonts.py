"""The font chain for text in any script: Noto faces from pip, DejaVu last, chosen per run of characters."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont, features

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR, BOLD = 400, 700
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
# (file in manimgx-fonts, what it is for), in the order the chain asks them
_NOTO = (
    ("NotoSans[wght].ttf", "Latin, Cyrillic, Greek"),
    ("NotoSansArabic[wght].ttf", "Arabic"),
    ("NotoSansHebrew[wght].ttf", "Hebrew"),
    ("NotoSansDevanagari[wght].ttf", "Devanagari"),
    ("NotoSansThai[wght].ttf", "Thai"),
)
_EMOJI = (("NotoEmoji[wght].ttf", "emoji (monochrome)"), ("NotoSansSymbols[wght].ttf", "symbols"))
_CJK = {"jp": "Japanese", "kr": "Korean", "sc": "Simplified Chinese", "tc": "Traditional Chinese"}


@dataclass(frozen=True)
class Face:
    name: str
    path: Path
    licence: Path
    bold_path: Path | None = None  # a static family's bold file; variable faces use their wght axis
    neutrals: bool = True  # False: its spaces and punctuation are not for text (the emoji font's space is 1.3 em)


@functools.cache
def shaping() -> bool:
    """True when Pillow has raqm (bidi and complex shaping); warns once when it has not."""
    if features.check("raqm"):
        return True
    log.warning("Pillow has no raqm: Arabic and Hebrew render unjoined and left to right, Indic scripts unshaped")
    return False


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin).parent if spec and spec.origin else None


def _dist_licence(distribution: str) -> Path | None:
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    named = [f for f in dist.files or () if f.name.upper().startswith(("LICENSE", "OFL"))]
    return Path(dist.locate_file(named[0])) if named else None


def _noto(table: tuple[tuple[str, str], ...], neutrals: bool = True) -> list[Face]:
    root, licence = _package_dir("manimgx_fonts"), _dist_licence("manimgx-fonts")
    if root is None or licence is None:
        return []
    found = [(name, what) for name, what in table if (root / name).is_file()]
    return [Face(f"Noto {what}", root / name, licence, neutrals=neutrals) for name, what in found]


def _cjk_face(key: str) -> Face | None:
    root = _package_dir("justmytype_intl_cjk")
    folder = root / "fonts" / "ofl" / f"notosans{key}" if root else None
    path = folder / f"NotoSans{key.upper()}[wght].ttf" if folder else None
    if path is None or not path.is_file() or not (folder / "OFL.txt").is_file():
        return None
    return Face(f"Noto {_CJK[key]}", path, folder / "OFL.txt")


def _cjk_order(language: str | None) -> tuple[str, ...]:
    # Han characters look different in each locale: the ad's language picks whose glyphs come first.
    tag = (language or "").lower().replace("_", "-")
    if tag.startswith("zh") and any(mark in tag for mark in ("hant", "-tw", "-hk", "-mo")):
        return "tc", "sc", "jp", "kr"
    if tag.startswith("zh"):
        return "sc", "tc", "jp", "kr"
    if tag.startswith("ko"):
        return "kr", "jp", "sc", "tc"
    return "jp", "kr", "sc", "tc"


def _dejavu() -> Face:
    licence = FONT_DIR / "LICENSE-DejaVu.txt"
    return Face("DejaVu Sans", FONT_DIR / "DejaVuSans.ttf", licence, FONT_DIR / "DejaVuSans-Bold.ttf")


@functools.lru_cache(maxsize=16)
def chain(language: str | None = None) -> tuple[Face, ...]:
    """Every face text may be set in, in the order asked; DejaVu Sans is always the last."""
    cjk = [face for key in _cjk_order(language) if (face := _cjk_face(key))]
    faces = [*_noto(_NOTO), *cjk, *_noto(_EMOJI, neutrals=False)]
    if not faces:
        log.warning("manimgx-fonts and justmytype-intl-cjk are not installed: only DejaVu Sans draws text")
    return (*faces, _dejavu())


@functools.lru_cache(maxsize=32)
def coverage(face: Face) -> frozenset[int]:
    """The code points the face has a glyph for (its best cmap)."""
    try:
        with TTFont(str(face.path), lazy=True) as font:
            return frozenset(font.getBestCmap() or ())
    except Exception as exc:  # fontTools raises many types for a damaged file
        log.warning("cannot read the character map of %s: %r", face.path, exc)
        return frozenset()


def has(face: Face, char: str) -> bool:
    return ord(char) in coverage(face)


def first_with(char: str, faces: tuple[Face, ...]) -> Face | None:
    return next((face for face in faces if has(face, char)), None)


def invisible(char: str) -> bool:
    """Joiners, variation selectors and other format characters: shaping hides them, they need no glyph."""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF


def missing(text: str, language: str | None = None) -> list[str]:
    """The characters of `text` that no face of the chain can draw (they would show as boxes)."""
    faces = chain(language)
    return [c for c in text if not c.isspace() and not invisible(c) and first_with(c, faces) is None]


@functools.lru_cache(maxsize=128)
def truetype(face: Face, size: int, weight: int = REGULAR) -> Font:
    """The face at `size` px and `weight` (variable CJK faces default to Thin, so the weight is always set)."""
    path = face.bold_path if weight >= BOLD and face.bold_path else face.path
    layout = ImageFont.Layout.RAQM if shaping() else ImageFont.Layout.BASIC
    try:
        font = ImageFont.truetype(str(path), size, layout_engine=layout)
    except OSError:
        log.warning("font %s is missing, using Pillow's default", path)
        return ImageFont.load_default(size=size)
    try:
        axes = font.get_variation_axes()
    except OSError:  # a static font has no axes
        return font
    low, high = axes[0]["minimum"], axes[0]["maximum"]
    font.set_variation_by_axes([min(max(weight, low), high)])
    return font


def licences() -> dict[str, Path]:
    """Each face's name and the licence file shipped with it."""
    return {face.name: face.licence for face in chain()}
