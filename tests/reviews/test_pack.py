"""The review pack: a real PDF (pages rendered to PNG and checked for ink, Chinese text
extractable) and an XLSX with the same tables; the command and the download."""

import dataclasses
from io import BytesIO, StringIO

import pypdfium2 as pdfium
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from steward.reviews import pack
from tests.reviews import helpers


@pytest.fixture
def packed(world):
    world.vendor_a.name = "极光客服中心"
    world.vendor_a.save()
    helpers.contract(world, world.vendor_a, world.project_a)
    helpers.month_of_contacts(world, world.vendor_a, world.project_a)
    helpers.capa(world, world.vendor_a, world.project_a, "接听慢 Alpha slow answers")
    return world


def _ink(page) -> float:
    image = page.render(scale=1).to_pil().convert("L")
    histogram = image.histogram()
    return 1 - histogram[255] / sum(histogram)  # share of pixels that are not pure white


def test_pdf_has_pages_with_charts_and_chinese_text(packed, tmp_path):
    data = pack.gather(user=packed.user("client_admin"), vendor=packed.vendor_a, month=helpers.MONTH, outlook=False)
    pdf = pdfium.PdfDocument(pack.render_pdf(data))
    assert len(pdf) >= 2
    text = ""
    for i in range(len(pdf)):
        page = pdf[i]
        assert _ink(page) > 0.01  # real content on every page, not a blank sheet
        page.render(scale=1).to_pil().save(tmp_path / f"page{i}.png")
        text += page.get_textpage().get_text_range()
    assert "极光客服中心" in text  # the Chinese vendor name in the title, as text
    assert "接听慢" in text
    assert "SLA" in text and "2026-02" in text


def test_xlsx_has_the_tables(packed):
    data = pack.gather(user=packed.user("client_admin"), vendor=packed.vendor_a, month=helpers.MONTH, outlook=False)
    wb = load_workbook(BytesIO(pack.render_xlsx(data)))
    assert len(wb.sheetnames) == 8
    sla = wb.worksheets[1]
    assert sla.max_row >= 3 and sla.cell(2, 1).value == "alpha-2026"
    assert wb.worksheets[0]._charts


def test_xlsx_keeps_imported_text_as_text(packed):
    """A contact reason comes from a vendor's file: "=HYPERLINK(...)" must not become a formula."""
    data = pack.gather(user=packed.user("client_admin"), vendor=packed.vendor_a, month=helpers.MONTH, outlook=False)
    data = dataclasses.replace(data, reasons=[('=HYPERLINK("http://evil","x")', 3), ("退款\x02", 1)])
    reasons = load_workbook(BytesIO(pack.render_xlsx(data))).worksheets[3]
    assert [(c.value, c.data_type) for c in reasons["A"]][1:] == [
        ('=HYPERLINK("http://evil","x")', "s"), ("退款\ufffd", "s")]


def test_command_writes_both_files(packed, tmp_path):
    out = StringIO()
    call_command("report", "review", "--vendor", "alpha", "--period", "2026-02", "--pdf", str(tmp_path / "r.pdf"),
                 "--xlsx", str(tmp_path / "r.xlsx"), stdout=out)
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "r.xlsx").stat().st_size > 1000
    with pytest.raises(CommandError):
        call_command("report", "review", "--vendor", "alpha", "--period", "2026-2x", "--pdf", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError):
        call_command("report", "review", "--vendor", "nobody", "--period", "2026-02", "--pdf", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError):
        call_command("report", "review", "--vendor", "alpha", "--period", "2026-02", "--pdf", "/no/such/dir/x.pdf")


def test_download_buttons(client, packed):
    client.force_login(packed.user("a-manager"))
    r = client.get(reverse("reviews:pack-pdf", kwargs={"code": "alpha"}), {"month": "2026-02"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    r = client.get(reverse("reviews:pack-xlsx", kwargs={"code": "alpha"}), {"month": "2026-02"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.get(reverse("reviews:pack-pdf", kwargs={"code": "alpha"}), {"month": "nonsense"})
    assert r.status_code == 302
