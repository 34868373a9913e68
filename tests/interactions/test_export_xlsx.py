"""The explorer's Excel download: the filtered set a user may see, times as the project's wall
clock with its zone named, text that stays text, and a clear refusal past the row cap."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from steward.core.exports import xlsx_cells
from steward.interactions import services, views
from steward.interactions.selectors import EXPORT_COLUMNS_WALL_CLOCK


@pytest.fixture
def data(world):
    rows = [
        {"external_id": "A-1", "channel": "email", "queue": "mail", "agent_code": "amy",
         "arrived_at": "2024-02-01T09:00:00+08:00", "talk_seconds": 60, "csat": 5,
         "customer_ref": '=HYPERLINK("http://evil")', "contact_reason": "退款\x01申请"},
        {"external_id": "A-2", "channel": "email", "queue": "mail", "agent_code": "arlo",
         "arrived_at": "2024-02-02T01:30:00Z", "csat": 1},
    ]
    services.import_records(actor=None, project=world.shared, vendor=world.vendor_a, records=rows,
                            idempotency_key="a")
    services.import_records(actor=None, project=world.shared, vendor=world.vendor_b, idempotency_key="b",
                            records=[{"external_id": "B-SECRET-1", "channel": "ticket",
                                      "arrived_at": "2024-02-01T10:00:00+08:00"}])
    return world


def sheet_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="interactions.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [tuple(c.value for c in row) for row in book.active.iter_rows()], book.active


def test_xlsx_holds_the_filtered_rows_with_wall_clock_times(client, data):
    client.force_login(data.user("client_admin"))
    rows, sheet = sheet_rows(client.get(reverse("interactions:export_xlsx"), {"vendor": "alpha"}))
    assert list(rows[0]) == EXPORT_COLUMNS_WALL_CLOCK
    by_id = {r[2]: dict(zip(EXPORT_COLUMNS_WALL_CLOCK, r)) for r in rows[1:]}
    assert set(by_id) == {"A-1", "A-2"}
    zone = data.shared.time_zone
    a2 = by_id["A-2"]
    # 01:30 UTC is shown as the project's wall-clock time, the zone named beside it
    expected = dt.datetime(2024, 2, 2, 1, 30, tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(zone))
    assert a2["arrived_at"] == expected.replace(tzinfo=None) and a2["time_zone"] == zone
    assert by_id["A-1"]["talk_seconds"] == 60 and by_id["A-1"]["csat"] == 5  # numbers stay numbers
    # a formula from the imported file stays text; a control character XLSX cannot hold is replaced
    cell = next(c for c in sheet["H"] if c.value == '=HYPERLINK("http://evil")')
    assert cell.data_type == "s"
    assert by_id["A-1"]["contact_reason"] == "退款\ufffd申请"


def test_xlsx_export_is_isolated(client, data):
    client.force_login(data.user("a-manager"))
    rows, _sheet = sheet_rows(client.get(reverse("interactions:export_xlsx")))
    assert {r[2] for r in rows[1:]} == {"A-1", "A-2"}
    rows, _sheet = sheet_rows(client.get(reverse("interactions:export_xlsx"), {"vendor": "bravo"}))
    assert rows[1:] == []


def test_xlsx_export_past_the_cap_is_refused_with_the_filters_kept(client, data, monkeypatch):
    monkeypatch.setattr(views, "XLSX_EXPORT_CAP", 1)
    client.force_login(data.user("client_admin"))
    response = client.get(reverse("interactions:export_xlsx"), {"vendor": "alpha"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == reverse("interactions:list") + "?vendor=alpha"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "More than 1 contacts match" in page.content.decode()
    assert sheet_rows(client.get(reverse("interactions:export_xlsx"), {"q": "A-2"}))[0][1][2] == "A-2"


def test_xlsx_export_with_bad_filters_says_why(client, data):
    client.force_login(data.user("client_admin"))
    response = client.get(reverse("interactions:export_xlsx"), {"date_from": "not a date"})
    assert response.status_code == 400


def test_xlsx_cells_keep_every_string_as_text():
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet()
    cells = xlsx_cells(sheet, ["=1+1", "+2", "plain", 3, None, dt.date(2024, 1, 1)])
    assert [c.data_type for c in cells[:3]] == ["s", "s", "s"]
    assert cells[3:] == [3, None, dt.date(2024, 1, 1)]
