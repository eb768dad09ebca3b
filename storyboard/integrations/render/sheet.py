"""The printable storyboard sheet a client signs off: a cover with the brief, one panel per scene (its preview
frame, number, duration, shot type, on-screen text and voice-over), and a sign-off block, as a PDF (fpdf2).

Text is set in the render's font chain (`sheet_fonts`) and shaped by HarfBuzz, so any script the frames can show
prints, and extracts, as itself.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from . import sheet_fonts, subtitles

MARGIN = 12.0  # mm
GUTTER = 6.0
INK, MUTED, RULE = (25, 25, 30), (100, 100, 110), (190, 190, 198)


@dataclass(frozen=True)
class Panel:
    number: int
    duration: float
    shot_type: str
    on_screen_text: str
    script: str
    jpeg: bytes  # the scene's preview frame
    aspect: float  # the frame's width / height


@dataclass(frozen=True)
class Sheet:
    client: str
    campaign: str | None
    product: str
    key_message: str
    call_to_action: str
    version: int
    dated: datetime
    video_format: str
    language: str | None
    panels: tuple[Panel, ...]


def _texts(sheet: Sheet) -> list[str]:
    fields = [sheet.client, sheet.campaign or "", sheet.product, sheet.key_message, sheet.call_to_action]
    return fields + [t for p in sheet.panels for t in (p.shot_type, p.on_screen_text, p.script)]


class _Document(FPDF):
    sheet: Sheet
    text_face: str

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(self.text_face, "", 8)
        self.set_text_color(*MUTED)
        line = f"{self.sheet.client} · {self.sheet.product} · Storyboard version {self.sheet.version}"
        self.cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(self.text_face, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def storyboard_pdf(sheet: Sheet, work: Path) -> bytes:
    """The sheet as PDF bytes (the same bytes for the same sheet); font files are written to `work`."""
    pdf = _Document(orientation="L", unit="mm", format="A4")
    pdf.sheet = sheet
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, MARGIN + 4)
    pdf.text_face = sheet_fonts.register(pdf, _texts(sheet), sheet.language, work)
    pdf.set_text_shaping(True)
    pdf.set_creation_date(sheet.dated)
    pdf.set_title(f"{sheet.product}: storyboard version {sheet.version}")
    pdf.set_author(sheet.client)
    if sheet.language:
        pdf.set_lang(sheet.language)
    _cover(pdf, sheet)
    _panels(pdf, sheet.panels)
    _sign_off(pdf, sheet)
    return bytes(pdf.output())


def _label_value(pdf: _Document, label: str, value: str) -> None:
    pdf.set_font(pdf.text_face, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.cell(48, 8, label)
    pdf.set_font(pdf.text_face, "B", 12)
    pdf.set_text_color(*INK)
    width = pdf.w / 2 - MARGIN - 48
    pdf.multi_cell(width, 8, value or "—", align="L", wrapmode=_wrap(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _cover(pdf: _Document, sheet: Sheet) -> None:
    pdf.add_page()
    pdf.set_font(pdf.text_face, "", 11)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 8, "Storyboard for client sign-off", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.text_face, "B", 28)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 13, sheet.product, align="L", wrapmode=_wrap(sheet.product), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    seconds = sum(p.duration for p in sheet.panels)
    rows = (
        ("Client", sheet.client),
        ("Campaign", sheet.campaign or "—"),
        ("Product", sheet.product),
        ("Key message", sheet.key_message),
        ("Call to action", sheet.call_to_action),
        ("Storyboard version", f"{sheet.version}, dated {sheet.dated:%Y-%m-%d}"),
        ("Video", f"{sheet.video_format}, {len(sheet.panels)} scenes, {seconds:.1f} s"),
    )
    top = pdf.get_y()
    for label, value in rows:
        _label_value(pdf, label, value)
    if sheet.panels:  # the opening frame beside the brief
        first = sheet.panels[0]
        box = (pdf.w / 2 - MARGIN, pdf.h - top - 2 * MARGIN - 6)
        h = min(box[1], box[0] / first.aspect)
        pdf.image(io.BytesIO(first.jpeg), x=pdf.w / 2, y=top, w=h * first.aspect, h=h)


def _wrap(text: str) -> WrapMode:
    # Unspaced scripts (Japanese, Chinese) break between any two characters; others between words.
    return WrapMode.CHAR if any(subtitles.unspaced(char) for char in text) else WrapMode.WORD


def _columns(panels: Sequence[Panel]) -> int:
    portrait = bool(panels) and panels[0].aspect < 1
    return 4 if portrait else 3


def _frame_box(pdf: _Document, width: float, aspect: float) -> tuple[float, float]:
    """The panel's picture size: the column's width, or less when a tall frame would fill half the page."""
    tallest = (pdf.h - 2 * MARGIN) * 0.5
    height = min(width / aspect, tallest)
    return height * aspect, height


def _caption(panel: Panel) -> list[tuple[str, str]]:
    shot = panel.shot_type.strip().capitalize() or "—"
    return [
        ("B", f"Scene {panel.number} · {panel.duration:.1f} s · {shot}"),
        ("", f"On screen: {panel.on_screen_text.strip() or '—'}"),
        ("", f"Voice-over: {panel.script.strip() or '—'}"),
    ]


def _text_height(pdf: _Document, width: float, panel: Panel) -> float:
    height = 0.0
    for style, text in _caption(panel):
        pdf.set_font(pdf.text_face, style, 9)
        height += pdf.multi_cell(width, 4.6, text, align="L", wrapmode=_wrap(text), dry_run=True, output="HEIGHT")
        height += 1.2
    return height


def _panels(pdf: _Document, panels: Sequence[Panel]) -> None:
    pdf.add_page()
    columns = _columns(panels)
    width = (pdf.w - 2 * MARGIN - (columns - 1) * GUTTER) / columns
    for start in range(0, len(panels), columns):
        row = panels[start : start + columns]
        frame_h = max(_frame_box(pdf, width, p.aspect)[1] for p in row)
        text_h = max(_text_height(pdf, width, p) for p in row)
        if pdf.get_y() + frame_h + text_h + 3 > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        for k, panel in enumerate(row):
            _panel(pdf, panel, MARGIN + k * (width + GUTTER), top, width)
        pdf.set_xy(MARGIN, top + frame_h + text_h + GUTTER)


def _panel(pdf: _Document, panel: Panel, x: float, top: float, width: float) -> None:
    w, h = _frame_box(pdf, width, panel.aspect)
    pdf.image(io.BytesIO(panel.jpeg), x=x, y=top, w=w, h=h)
    pdf.set_draw_color(*RULE)
    pdf.rect(x, top, w, h)
    pdf.set_xy(x, top + h + 2)
    pdf.set_text_color(*INK)
    for style, text in _caption(panel):
        pdf.set_font(pdf.text_face, style, 9)
        pdf.multi_cell(width, 4.6, text, align="L", wrapmode=_wrap(text), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_x(x)
        pdf.ln(1.2)
        pdf.set_x(x)


def _sign_off(pdf: _Document, sheet: Sheet) -> None:
    if pdf.get_y() + 45 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(pdf.text_face, "B", 12)
    pdf.set_text_color(*INK)
    pdf.cell(0, 8, "Client sign-off", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.text_face, "", 9)
    pdf.set_text_color(*MUTED)
    note = f"Approves storyboard version {sheet.version} of {sheet.dated:%Y-%m-%d} as shown above for production."
    pdf.multi_cell(0, 5, note, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    pdf.set_draw_color(*INK)
    pdf.set_text_color(*INK)
    third = (pdf.w - 2 * MARGIN - 2 * GUTTER) / 3
    y = pdf.get_y()
    for k, label in enumerate(("Name", "Signature", "Date")):
        x = MARGIN + k * (third + GUTTER)
        pdf.line(x, y, x + third, y)
        pdf.set_xy(x, y + 1)
        pdf.cell(third, 5, label)
