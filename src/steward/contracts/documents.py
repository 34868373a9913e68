"""An invoice as a document: XLSX (openpyxl) and PDF (reportlab). Pure presentation of stored
amounts: nothing is recomputed. Text cells are defused like the CSV exports; the PDF embeds a
CJK font (WenQuanYi Micro Hei when installed, else reportlab's built-in CID font STSong-Light)
so Chinese names and labels always render."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from steward.core.exports import safe_cell

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FALLBACK_FONT = "STSong-Light"
_font_name: str | None = None


def cjk_font(path: Path = WQY) -> str:
    """Register (once) and return the name of a font that renders Chinese."""
    global _font_name
    if _font_name is None:
        if path.exists():
            try:
                pdfmetrics.registerFont(TTFont("WenQuanYi", str(path), subfontIndex=0))
                _font_name = "WenQuanYi"
            except Exception:  # a damaged font file: fall back, never fail the download
                _font_name = None
        if _font_name is None:
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
            _font_name = FALLBACK_FONT
    return _font_name


@dataclass(frozen=True)
class Document:
    """What an invoice document shows, already translated by the caller."""

    title: str
    facts: list[tuple[str, str]]  # (label, value) above the lines
    header: list[str]  # kind, label, explanation, amount
    lines: list[tuple[str, str, str, Decimal]]
    totals: list[tuple[str, Decimal]]


def xlsx(doc: Document) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Invoice"
    ws.append([safe_cell(doc.title)])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in doc.facts:
        ws.append([safe_cell(label), safe_cell(value)])
    ws.append([])
    ws.append([safe_cell(h) for h in doc.header])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for kind, label, explanation, amount in doc.lines:
        ws.append([safe_cell(kind), safe_cell(label), safe_cell(explanation), amount])
        ws.cell(row=ws.max_row, column=4).number_format = "#,##0.00"
    ws.append([])
    for label, amount in doc.totals:
        ws.append(["", "", safe_cell(label), amount])
        ws.cell(row=ws.max_row, column=3).font = Font(bold=True)
        ws.cell(row=ws.max_row, column=4).number_format = "#,##0.00"
    for column, width in zip("ABCD", (16, 36, 70, 16)):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_col=3, max_col=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(doc: Document) -> bytes:
    font = cjk_font()
    normal = ParagraphStyle("n", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    title = ParagraphStyle("t", parent=normal, fontSize=15, leading=20, spaceAfter=6)
    right = ParagraphStyle("r", parent=normal, alignment=2)

    def p(text, style=normal):
        return Paragraph(escape(str(text)), style)

    out = io.BytesIO()
    page = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                             bottomMargin=15 * mm, title=doc.title)
    story = [p(doc.title, title)]
    facts = Table([[p(k), p(v)] for k, v in doc.facts], colWidths=[45 * mm, 135 * mm])
    facts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [facts, Spacer(1, 6 * mm)]
    rows = [[p(h) for h in doc.header]]
    rows += [[p(k), p(lab), p(ex), p(f"{amount:,.2f}", right)] for k, lab, ex, amount in doc.lines]
    rows += [["", "", p(label), p(f"{amount:,.2f}", right)] for label, amount in doc.totals]
    table = Table(rows, colWidths=[22 * mm, 45 * mm, 85 * mm, 28 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEABOVE", (0, len(doc.lines) + 1), (-1, len(doc.lines) + 1), 0.8, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 1), (-1, len(doc.lines)), 0.25, colors.grey),
    ]))
    story.append(table)
    page.build(story)
    return out.getvalue()
