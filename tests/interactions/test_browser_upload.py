"""In a real browser: watch an import's progress bar turn into its report, upload a file with a
bad row, download the rejects and the contacts as Excel, watch an undo's progress bar, and undo the import."""

import pytest
from playwright.sync_api import expect


pytestmark = pytest.mark.browser

CSV = (
    "external_id,channel,queue,arrived_at,talk_seconds,csat\n"
    "W-1,chat,presales,2025-03-03 09:00:00,60,5\n"
    "W-2,chat,presales,not a time,60,5\n"
)


def test_progress_then_upload_and_download_rejects(open_session, tmp_path):
    from steward.core.models import Project, Vendor
    from steward.interactions import services
    from steward.interactions.models import ImportBatch

    session = open_session("en")
    session.login("manager")
    page = session.page
    # A queued import (as while a worker runs it): the page polls and shows a progress bar...
    batch = services.batch_create(actor=None, project=Project.objects.get(code="presales-chat"),
                                  vendor=Vendor.objects.get(code="aurora"), profile="generic",
                                  file_name="running.csv")
    session.goto(batch.get_absolute_url())
    expect(page.get_by_test_id("progress").locator("progress")).to_be_visible()
    # ...and turns into the report by itself once the import has finished.
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DONE, inserted=7)
    expect(page.get_by_test_id("inserted")).to_have_text("7")

    path = tmp_path / "week.csv"
    path.write_text(CSV, encoding="utf-8")
    session.goto("/interactions/imports/new/")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_profile", "generic")
    page.select_option("#id_project", "presales-chat")
    page.select_option("#id_vendor", "aurora")
    page.check("#id_allow_rejects")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("Done")
    expect(page.get_by_test_id("inserted")).to_have_text("1")
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_test_id("download-rejects").click()
    content = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert content[0] == "line,column,reason,raw"
    assert content[1].startswith("3,arrived_at,") and "not a time" in content[1]

    # The explorer downloads what the import wrote as Excel
    from openpyxl import load_workbook

    written = ImportBatch.objects.get(file_name="week.csv")
    session.goto(f"/interactions/?batch={written.pk}")
    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    with open(download.value.path(), "rb") as xlsx:  # (a download has no file extension)
        rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[0][2] == "external_id" and rows[1][2] == "W-1" and rows[1][-1] == "Asia/Shanghai"

    # Undo: while its run is alive the page shows its progress bar...
    from steward.interactions import liveness, tasks

    done = ImportBatch.objects.filter(file_name="week.csv").get()
    tasks._write_json(tasks.undo_path(done.pk), {"done": 1, "total": 4})
    with liveness.running(done.pk):
        session.goto(done.get_absolute_url())
        expect(page.get_by_test_id("undo-progress").locator("progress")).to_be_visible()
        expect(page.get_by_test_id("undo-progress")).to_contain_text("Undoing: 1 of 4 contacts")
        tasks.undo_path(done.pk).unlink()  # ...until it ends: then the page shows the import again
    expect(page.get_by_role("button", name="Undo this import")).to_be_visible()
    page.get_by_label("Yes, remove what this import created").check()
    page.get_by_role("button", name="Undo this import").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("Undone")
    session.assert_clean()
