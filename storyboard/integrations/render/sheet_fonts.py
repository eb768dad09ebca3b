"""The render's font chain in a PDF: only the faces a document's text needs, each cut down to the characters it
uses and set at a fixed weight, so fpdf2 embeds small static fonts.

Instancing a whole variable CJK face with fontTools takes 10 s (NotoSansJP), cutting it 0.5 s; HarfBuzz's
subsetter does both in a tenth of a second. Every face of the chain is a glyf TrueType font, whose text PDF
readers extract (CFF-outline CJK fonts embed as CIDFontType0 and come back as garbage from pypdf and pdfminer).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import uharfbuzz as hb

from . import fonts
from .fonts import BOLD, REGULAR, Face

WEIGHTS = {"": REGULAR, "B": BOLD}
NAME_IDS = 26  # the name table entries a cut font keeps (family, style, licence, ...)
# Always in the document: labels, digits and the punctuation the sheet adds around the storyboard's text.
SHEET_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "·—–…’“”"


def needed_faces(text: str, language: str | None) -> list[Face]:
    """The chain's first face, then each face that is the first to draw some character of `text`, in chain order."""
    chain = fonts.chain(language)
    wanted = {chain[0]}
    for char in set(text):
        if char.isspace() or fonts.invisible(char) or fonts.has(chain[0], char):
            continue
        face = fonts.first_with(char, chain)
        if face is not None:
            wanted.add(face)
    return [face for face in chain if face in wanted]


def _static_files(face: Face, text: str, folder: Path, key: str) -> dict[str, Path]:
    """The face cut to `text` (with what shaping may substitute for it), as one static TrueType file per style
    ("" regular, "B" bold): HarfBuzz's subsetter pins a variable face's weight as it cuts, in milliseconds where
    fontTools takes seconds."""
    files = {}
    for style, weight in WEIGHTS.items():
        source = face.bold_path if style == "B" and face.bold_path else face.path
        font = hb.Face(hb.Blob.from_file_path(str(source)))
        wanted = hb.SubsetInput()
        wanted.unicode_set.update(ord(char) for char in text)
        wanted.name_id_set.update(range(NAME_IDS))
        if "wght" in (axis.tag for axis in font.axis_infos):
            low, high = next((a.min_value, a.max_value) for a in font.axis_infos if a.tag == "wght")
            wanted.pin_axis_location(font, "wght", min(max(weight, low), high))
        cut = hb.subset(font, wanted)
        if cut is None:
            raise ValueError(f"the font {source.name} could not be cut to the sheet's text")
        files[style] = folder / f"font-{key}{style or 'R'}.ttf"
        files[style].write_bytes(cut.blob.data)
    return files


def register(pdf, texts: Iterable[str], language: str | None, folder: Path) -> str:
    """Add the faces `texts` need to `pdf` (regular and bold each) and make all but the first fall back per
    character in chain order; returns the first's family name, to set as the document's font."""
    text = SHEET_CHARACTERS + "".join(texts)
    families = []
    for k, face in enumerate(needed_faces(text, language)):
        used = "".join(sorted({c for c in text if fonts.has(face, c)})) or " "
        for style, path in _static_files(face, used, folder, str(k)).items():
            pdf.add_font(f"face{k}", style, str(path))
        families.append(f"face{k}")
    if len(families) > 1:
        pdf.set_fallback_fonts(families[1:], exact_match=False)
    return families[0]
