from decimal import Decimal

import pytest

from steward.core.exports import csv_response, safe_cell


@pytest.mark.parametrize("value,cell", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+86 10 1234", "'+86 10 1234"),
    ("-1", "'-1"),  # text that looks like a formula is defused...
    (Decimal("-1.50"), "-1.50"),  # ...a real negative amount stays a number
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("明光零售", "明光零售"),
    (None, ""),
    (0, "0"),
])
def test_cells_a_spreadsheet_would_run_are_defused(value, cell):
    assert safe_cell(value) == cell


def test_csv_response_has_a_bom_header_and_safe_rows():
    response = csv_response("x.csv", ["name"], [["=1+1"], ["极光"]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.content.decode("utf-8") == "\ufeffname\r\n'=1+1\r\n极光\r\n"
