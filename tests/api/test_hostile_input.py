"""Hardening: hostile uploads (XLSX zip bombs, damaged workbooks), CSRF on every form route,
security headers on pages and API answers. (Session fixation and log-in throttling:
tests/core/test_security.py; malformed CSV, wrong encodings and huge fields:
tests/interactions/test_import.py.)"""

import io
import re
import uuid
import zipfile

import pytest
from django.test import Client
from openpyxl import Workbook

from steward.interactions import readers, services
from steward.interactions.models import ImportBatch, Interaction
from steward.interactions.profiles import FileError
from tests.test_isolation_walker import walk_patterns


def _workbook_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "channel", "arrived_at"])
    sheet.append(["1", "voice", "2024-01-01 10:00:00"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace_part(data: bytes, name: str, writer) -> bytes:
    """The workbook with one part replaced: writer(zip, name) writes the new part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            if item.filename == name:
                writer(new, name)
            else:
                new.writestr(item, old.read(item.filename))
    return out.getvalue()


def _bomb(archive, name):
    with archive.open(name, "w", force_zip64=True) as part:
        part.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   b"<sheetData>")
        block = b" " * (1 << 20)
        for _ in range(40):  # 40 MiB of blanks: deflates to a few dozen KiB
            part.write(block)
        part.write(b"</sheetData></worksheet>")


def _broken_xml(archive, name):
    archive.writestr(name, b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x')


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize("make, message", [
    (lambda: _replace_part(_workbook_bytes(), SHEET, _bomb), "zip bomb"),
    (lambda: _replace_part(_workbook_bytes(), SHEET, _broken_xml), "damaged|not a readable XLSX"),
    (lambda: _workbook_bytes()[: len(_workbook_bytes()) // 2], "not a readable XLSX"),
    (lambda: b"PK\x05\x06" + b"\x00" * 18, "not a readable XLSX"),
])
def test_hostile_workbooks_are_refused_with_a_clear_error_and_nothing_is_written(
        world, tmp_path, settings, english, make, message):
    settings.MEDIA_ROOT = tmp_path / "media"
    data = make()
    assert len(data) < 1_000_000
    with pytest.raises(FileError, match=message):
        for _ in readers.read(io.BytesIO(data), "xlsx"):
            pass
    path = tmp_path / "upload.xlsx"
    path.write_bytes(data)
    result = services.import_file(actor=world.user("client_admin"), project=world.project_a, vendor=world.vendor_a,
                                  path=str(path))
    assert result.batch.status == ImportBatch.Status.FAILED and re.search(message, result.batch.error)
    assert not Interaction.objects.exists()


def test_a_genuine_workbook_still_reads():
    [chunk] = list(readers.read(io.BytesIO(_workbook_bytes()), "xlsx"))
    assert chunk.header == ["external_id", "channel", "arrived_at"] and chunk.rows == [["1", "voice",
                                                                                         "2024-01-01 10:00:00"]]


DUMMY = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.uuid4()), "path": "x"}


def _dummy_url(route: str) -> str:
    """The route with each parameter replaced by a value of its converter's type."""
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY.get(m.group(1) or "str", "x"), route)


def test_every_page_route_refuses_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("client_admin"))
    checked, unprotected = 0, []
    for route, pattern, name in walk_patterns():
        if route.startswith(("api/", "static/", "media/")) or "(?P" in route:
            continue
        url = _dummy_url(route)
        response = client.post(url, {"anything": "1"})
        checked += 1
        if response.status_code != 403:
            unprotected.append(f"{url} ({name}) answered {response.status_code}")
    assert checked >= 50
    assert not unprotected, "\n".join(unprotected)


def test_the_api_refuses_a_session_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("outsourcing_manager"))
    response = client.post("/api/improvement/capas", {"vendor": "alpha"}, content_type="application/json")
    assert response.status_code in (401, 403)
    from steward.improvement.models import CorrectiveAction

    assert not CorrectiveAction.objects.exists()


@pytest.mark.parametrize("url", ["/", "/integrations/jobs/", "/api/me", "/api/docs"])
def test_security_headers_on_pages_and_api_answers(world, client, url):
    client.force_login(world.user("client_admin"))
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
