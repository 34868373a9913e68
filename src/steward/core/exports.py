"""Downloads, the same for every app: CSV in UTF-8 with a BOM (so Excel reads Chinese), and XLSX;
in both, a cell that a spreadsheet would run as a formula stays text."""

import csv
import tempfile
from collections.abc import Iterable

from django.http import FileResponse, HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A text cell starting with = + - @ (or a tab or carriage return) gets a leading quote, so
    Excel shows it instead of running it; numbers (a negative amount) stay numbers."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_rows(out, header: list[str], rows: Iterable[Iterable]) -> None:
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    write_rows(response, header, rows)
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_cells(sheet, values: Iterable) -> list:
    """Values for ``sheet.append`` (openpyxl, any sheet mode) in which every string is a text cell:
    openpyxl stores a string starting with "=" as a formula, so an imported value such as
    ``=HYPERLINK(...)`` would run in Excel. Control characters that XLSX cannot hold (openpyxl
    refuses them) become U+FFFD rather than failing the whole download."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cells = []
    for value in values:
        if isinstance(value, str):
            value = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
            value.data_type = "s"
        cells.append(value)
    return cells


def xlsx_response(filename: str, header: list[str], rows: Iterable[Iterable], *, title: str = "Sheet1") -> FileResponse:
    """One sheet, header row frozen, rows streamed through openpyxl's write-only mode into a
    temporary file (memory stays flat whatever the row count). Datetimes must be naive: XLSX has no
    time zones, so the caller says which zone its times are in."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(xlsx_cells(sheet, header))
    for row in rows:
        sheet.append(xlsx_cells(sheet, row))
    out = tempfile.TemporaryFile()  # removed when the response closes it
    workbook.save(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
