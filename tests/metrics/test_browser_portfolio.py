"""In a real browser: the portfolio shows every project × vendor against its SLA targets; a red
tile leads to the KPI dashboard (the same number) and from there to the contacts behind it; an
SLA policy edited with a YAML mistake is refused with the error at its line."""

import datetime as dt
import random
import zoneinfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
# (mean answered wait in seconds, abandon share) per vendor: cedar is the slow one
PROFILE = {"aurora": (8, 0.03), "bamboo": (25, 0.08), "cedar": (140, 0.25)}


def _records(rng, project, vendor, channel, n=240):
    wait_mean, abandon = PROFILE[vendor]
    start = dt.datetime(2025, 3, 1, tzinfo=TZ)
    rows = []
    for i in range(n):
        arrived = start + dt.timedelta(days=rng.randrange(31), hours=rng.randrange(9, 21), minutes=rng.randrange(60))
        row = {"external_id": f"{project}-{vendor}-{i}", "channel": channel, "queue": "general",
               "agent_code": f"{vendor[:3].upper()}-01", "customer_ref": f"cust-{rng.randrange(400)}",
               "arrived_at": arrived.isoformat()}
        if channel in ("voice", "chat"):
            gone = rng.random() < abandon
            row.update(abandoned="true" if gone else "false", wait_seconds=int(rng.expovariate(1 / wait_mean)))
            if not gone:
                row.update(talk_seconds=rng.randrange(60, 400), wrap_seconds=rng.randrange(0, 40), outcome="resolved")
        else:
            row.update(abandoned="false", outcome="resolved",
                       first_response_at=(arrived + dt.timedelta(minutes=int(rng.expovariate(1 / (wait_mean * 4))))).isoformat())
        if rng.random() < 0.4:
            row["csat"] = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 6] if vendor != "cedar" else [4, 3, 3, 2, 2])[0]
        rows.append(row)
    return rows


def _setup():
    from steward.core.models import Project, Vendor
    from steward.interactions import services as interactions
    from steward.metrics import demo as metrics_demo

    rng = random.Random(4)
    for project in Project.objects.order_by("code"):
        for vendor in project.vendors.order_by("code"):
            channel = project.channels[0]
            interactions.import_records(actor=None, project=project, vendor=Vendor.objects.get(code=vendor.code),
                                        records=_records(rng, project.code, vendor.code, channel),
                                        idempotency_key=f"portfolio-{project.code}-{vendor.code}", allow_rejects=False)
    import io
    metrics_demo.load(io.StringIO())


def test_red_tile_down_to_contacts_and_policy_error_at_its_line(open_session):
    _setup()
    session = open_session("en")
    session.login("manager")
    session.goto("/metrics/?date_from=2025-03-01&date_to=2025-03-31")
    page = session.page
    tile = page.get_by_test_id("tile-aftersales-voice-cedar-service_level")
    expect(tile).to_have_attribute("data-colour", "red")
    expect(page.get_by_test_id("tile-presales-chat-aurora-service_level")).to_have_attribute("data-colour", "green")
    session.screenshot("metrics-portfolio-en")
    tile_value = tile.locator("strong").inner_text()

    with page.expect_navigation():
        tile.click()
    cell = page.get_by_test_id("kpi-service_level-cedar")
    expect(cell).to_contain_text(tile_value)  # the dashboard shows the tile's number
    expect(page.get_by_test_id("scope")).to_contain_text("channel = voice")
    with page.expect_navigation():
        cell.get_by_test_id("drill").click()
    expect(page.locator("main")).to_contain_text("aftersales-voice-cedar-")
    assert "vendor=cedar" in page.url and "channel=voice" in page.url
    expect(page.locator("main")).not_to_contain_text("aftersales-voice-bamboo-")

    session.goto("/metrics/aftersales-voice/sla/")
    with page.expect_navigation():
        page.locator("tbody").get_by_role("link", name="aftersales-voice", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Edit (new version)").click()
    editor = page.get_by_label("Policy (YAML)")
    lines = editor.input_value().splitlines()
    assert lines[7].strip() == 'target: ">= 0.40"'
    lines[7] = "    target: 0.40"  # a number, not a quoted comparison
    editor.fill("\n".join(lines))
    with page.expect_navigation():
        page.get_by_role("button", name="Save new version").click()
    expect(page.get_by_test_id("policy-errors")).to_contain_text("line 8, terms[0].target")
    session.screenshot("metrics-sla-error-en")
    session.assert_clean()
