"""CSV downloads, the same for every app: UTF-8 with a BOM (so Excel reads Chinese), and cells
that a spreadsheet would run as a formula defused."""

import csv
from collections.abc import Iterable

from django.http import HttpResponse

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
