"""Imports end to end (CLI and service) on SQLite and PostgreSQL: real-shaped files, re-imports,
bad input that leaves the database unchanged, undo."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from steward.interactions import services
from steward.interactions.models import (
    Agent, ImportBatch, Interaction, Queue, RejectedRow, Rollup, RollupBucket,
)

DATA = Path(__file__).parent / "data"
HEADER = "external_id,channel,queue,agent_code,arrived_at,first_response_at,wait_seconds,talk_seconds,csat,abandoned\n"


@pytest.fixture
def setup(make_vendor, make_project, media):
    vendor = make_vendor("acme")
    other = make_vendor("other")
    project = make_project("hotline", [vendor, other], channels=("voice", "chat"), time_zone="Asia/Jerusalem")
    return project, vendor, other


def cli(path, *extra, profile="generic", project="hotline", vendor="acme"):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import", "interactions", str(path), "--project", project, "--vendor", vendor,
                     "--profile", profile, *extra, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def snapshot():
    return (
        sorted(Interaction.objects.values_list("source", "external_id", "talk_seconds", "csat")),
        sorted(Rollup.objects.values_list("queue", "interval_start", "offered", "answered", "wait_sum")),
        RollupBucket.objects.count(),
    )


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_bank_calls_cli_import_and_reimport(setup, tmp_path):
    code, out, err = cli(DATA / "bank-calls-sample.tsv", "--rejects", str(tmp_path / "r.csv"), profile="bank-calls")
    assert code == 0, err
    assert "inserted 185, updated 0, rejected 0, skipped 22, duplicates 33" in out
    assert Interaction.objects.count() == 185
    call = Interaction.objects.get(external_id="AA0104-50033")
    assert call.source == "hotline/acme/bank" and call.agent.code == "GILA" and call.talk_seconds == 242
    assert call.arrived_at == dt.datetime(1999, 3, 9, 20, 13, 58, tzinfo=dt.UTC)
    assert Queue.objects.filter(project__code="hotline").count() == 6
    # queues created by the import know their channel (bank calls are voice)
    assert set(Queue.objects.filter(project__code="hotline").values_list("channel", flat=True)) == {"voice"}
    rejects = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0] == "line,column,reason,raw" and len(rejects) == 34
    assert rejects[1].startswith("10,external_id,duplicate external_id 'AA0101-50044': line 147 later")
    before = snapshot()
    code, out, _ = cli(DATA / "bank-calls-sample.tsv", profile="bank-calls")
    assert code == 0 and "inserted 0, updated 185" in out
    assert snapshot() == before  # same data: same rows, same rollups
    assert sum(Rollup.objects.values_list("offered", flat=True)) == 185


def test_zendesk_and_acd_files(setup):
    assert cli(DATA / "zendesk-tickets.csv", profile="zendesk-tickets")[0] == 0
    assert cli(DATA / "acd-calls.csv", profile="acd-calls")[0] == 0
    assert Interaction.objects.filter(source="hotline/acme/zendesk").count() == 5
    assert Interaction.objects.get(external_id="1001").csat == 5
    call = Interaction.objects.get(external_id="C-000101")
    assert (call.talk_seconds, call.hold_seconds, call.wrap_seconds, call.agent_code) == (319, 30, 45, "A017")
    assert Agent.objects.filter(vendor__code="acme", code__in=["A017", "A022", "Li Na"]).count() == 3


def test_update_changes_rollups_exactly(setup, tmp_path):
    first = write(tmp_path, "a.csv", HEADER + "1,voice,Q,ag,2024-01-01 10:05:00,2024-01-01 10:05:20,,100,5,\n"
                                               "2,voice,Q,,2024-01-01 10:07:00,,30,,,true\n")
    assert cli(first)[0] == 0
    r = Rollup.objects.get(agent_code="ag")
    assert (r.offered, r.answered, r.abandoned, r.wait_sum, r.wait_sq_sum, r.talk_sum, r.csat_5) == (1, 1, 0, 20, 400, 100, 1)
    assert dict(r.buckets.filter(kind=1).values_list("value", "count")) == {20: 1}
    gone = Rollup.objects.get(agent_code="")
    assert (gone.offered, gone.answered, gone.abandoned, gone.wait_sum) == (1, 0, 1, 0)
    assert dict(gone.buckets.values_list("kind", "value")) == {2: 30}
    assert r.interval_start == gone.interval_start == dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC)
    second = write(tmp_path, "b.csv", HEADER + "1,voice,Q,ag,2024-01-01 10:05:00,2024-01-01 10:05:50,,80,3,\n")
    code, out, _ = cli(second)
    assert code == 0 and "inserted 0, updated 1" in out
    r.refresh_from_db()
    assert (r.offered, r.answered, r.wait_sum, r.wait_sq_sum, r.talk_sum, r.csat_5, r.csat_3) == (1, 1, 50, 2500, 80, 0, 1)
    assert dict(r.buckets.filter(kind=1).values_list("value", "count")) == {50: 1}


def test_rejected_rows_mean_nothing_stored_unless_allowed(setup, tmp_path):
    path = write(tmp_path, "x.csv", HEADER + "1,voice,Q,,2024-01-01 10:05:00,,5,,,\n"
                                             "2,voice,Q,,2024-01-01 10:05:00,,5,,9,\n")
    code, out, err = cli(path)
    assert code == 1 and "rejected 1" in out and "line 3: csat: '9' is not a whole number from 1 to 5" in err
    assert "Nothing was stored" in err
    assert snapshot() == ([], [], 0)
    assert Queue.objects.count() == 0 and Agent.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED and batch.rejected_rows.count() == 1
    code, out, _ = cli(path, "--allow-rejects")
    assert code == 0 and "inserted 1, updated 0, rejected 1" in out
    assert Interaction.objects.count() == 1


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"\x00\x01\x02\xffgarbage\x00" * 50, "not a text file"),
    (b"PK\x03\x04 rest of a zip", "choose the xlsx format"),
    ("external_id,arrived_at\n1,2024-01-01\n".encode(), "Missing column(s) channel"),
    (HEADER.encode() + b"1,voice,Q,,2024-01-01 10:00:00,,5,,,\n2,voice,Q,,2024-01-01 10:00:00,,5,,,\xff\xfe\n",
     "Line 3: the text is neither valid UTF-8 nor GB18030"),
    (HEADER.encode() + b'1,voice,Q,,2024-01-01 10:00:00,,5,,,\n2,voice,"' + b"x" * 1_100_000 + b'",,,,,,,\n',
     "Line 3"),
])
def test_bad_files_leave_the_database_unchanged(setup, tmp_path, content, message):
    good = write(tmp_path, "good.csv", HEADER + "0,voice,Q,,2024-01-01 09:00:00,,5,,,\n")
    assert cli(good)[0] == 0
    before = snapshot()
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cli(write(tmp_path, "bad.csv", content))
    assert snapshot() == before
    assert ImportBatch.objects.order_by("-pk").first().status == ImportBatch.Status.FAILED


def test_truncated_file_reports_the_short_line(setup, tmp_path):
    path = write(tmp_path, "t.csv", HEADER + "1,voice,Q,,2024-01-01 10:00:00,,5,,,\n2,voice,Q,,2024-01-01 10:0")
    code, out, err = cli(path)
    assert code == 1 and "line 3: expected 10 fields, found 5 (is the file truncated?)" in err
    assert Interaction.objects.count() == 0


def test_encodings_gb18030_and_bom(setup, tmp_path):
    text = HEADER.replace("abandoned", "abandoned,contact_reason").replace("\n", "") + "\n" \
        + "1,voice,售后,,2024-01-01 10:00:00,,5,,,,退货\n"
    assert cli(write(tmp_path, "gbk.csv", text, "gb18030"))[0] == 0
    assert cli(write(tmp_path, "bom.csv", text.replace("1,voice", "2,voice"), "utf-8-sig"))[0] == 0
    assert sorted(Interaction.objects.values_list("queue", "contact_reason")) == [("售后", "退货")] * 2


def test_jsonl_and_xlsx(setup, tmp_path):
    lines = [json.dumps({"external_id": "j1", "channel": "chat", "arrived_at": "2024-01-01T10:00:00+02:00",
                         "csat": 4, "abandoned": False, "attributes": {"lang": "zh"}}),
             "{not json", json.dumps({"external_id": "j2", "channel": "chat", "arrived_at": "2024-01-01T11:00:00Z"})]
    code, out, err = cli(write(tmp_path, "a.jsonl", "\n".join(lines) + "\n"), "--allow-rejects")
    assert code == 0 and "inserted 2" in out and "line 2: not valid JSON" in err
    assert Interaction.objects.get(external_id="j1").attributes == {"lang": "zh"}
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "channel", "arrived_at", "talk_seconds"])
    sheet.append(["x1", "voice", dt.datetime(2024, 1, 1, 10, 0), 61.0])
    sheet.append([None, None, None, None])
    sheet.append(["x2", "voice", dt.datetime(2024, 1, 1, 10, 30), 12])
    book.save(tmp_path / "a.xlsx")
    code, out, _ = cli(tmp_path / "a.xlsx")
    assert code == 0 and "inserted 2" in out
    assert Interaction.objects.get(external_id="x1").arrived_at == dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    with pytest.raises(CommandError, match="not a readable XLSX"):
        cli(write(tmp_path, "fake.xlsx", b"PK\x03\x04 not really"))


def test_unknown_queue_rejected_by_profile(setup, tmp_path):
    services.profile_save(definition={**services.profile_get("generic").to_dict(), "name": "strict",
                                      "unknown_queue": "reject"})
    Queue.objects.create(project=setup[0], code="KNOWN")
    path = write(tmp_path, "q.csv", HEADER + "1,voice,KNOWN,,2024-01-01 10:00:00,,5,,,\n2,voice,NEW,,2024-01-01 10:00:00,,5,,,\n")
    code, _, err = cli(path, profile="strict")
    assert code == 1 and "line 3: queue: unknown queue 'NEW'" in err


def test_undo_restores_and_refuses_out_of_order(setup, tmp_path):
    one = write(tmp_path, "1.csv", HEADER + "1,voice,Q,,2024-01-01 10:00:00,,5,10,,\n")
    two = write(tmp_path, "2.csv", HEADER + "1,voice,Q,,2024-01-01 10:00:00,,9,20,,\n2,voice,Q,,2024-01-01 11:00:00,,5,,,\n")
    cli(one)
    after_one = snapshot()
    cli(two)
    b1, b2 = ImportBatch.objects.order_by("pk")
    with pytest.raises(services.UndoRefused):
        services.batch_undo(actor=None, batch=b1)
    services.batch_undo(actor=None, batch=b2)
    assert snapshot() == after_one
    services.batch_undo(actor=None, batch=b1)
    assert snapshot() == ([], [], 0)


def test_undo_refuses_when_an_import_recorded_earlier_but_run_later_changed_its_rows(setup, tmp_path):
    """An upload is recorded (and numbered) when queued and may run after imports recorded later:
    "later" is what changed the rows, not a higher id."""
    project, vendor = setup[0], setup[1]
    upload = SimpleUploadedFile("queued.csv", (HEADER + "1,voice,Q,,2024-01-01 10:00:00,,5,99,,\n").encode())
    queued = services.batch_create(actor=None, project=project, vendor=vendor, profile="generic",
                                   file_name="queued.csv", file_format="csv", upload=upload)
    cli(write(tmp_path, "1.csv", HEADER + "1,voice,Q,,2024-01-01 10:00:00,,5,10,,\n"))
    created = ImportBatch.objects.exclude(pk=queued.pk).get()
    services.batch_run(batch=queued)  # the queued upload runs now, after the import recorded later
    queued.refresh_from_db()
    assert queued.status == ImportBatch.Status.DONE and created.pk > queued.pk
    with pytest.raises(services.UndoRefused):
        services.batch_undo(actor=None, batch=created)
    assert Interaction.objects.get().talk_seconds == 99
    services.batch_undo(actor=None, batch=queued)
    services.batch_undo(actor=None, batch=created)
    assert snapshot() == ([], [], 0)


def test_undo_of_a_stale_copy_of_an_undone_import_is_refused(setup, tmp_path):
    cli(write(tmp_path, "1.csv", HEADER + "1,voice,Q,,2024-01-01 10:00:00,,5,10,,\n"))
    batch, stale = ImportBatch.objects.get(), ImportBatch.objects.get()
    services.batch_undo(actor=None, batch=batch)
    with pytest.raises(services.UndoRefused):
        services.batch_undo(actor=None, batch=stale)
    assert snapshot() == ([], [], 0)


def test_rebuild_matches_incremental(setup):
    cli(DATA / "bank-calls-sample.tsv", profile="bank-calls")
    cli(DATA / "acd-calls.csv", profile="acd-calls")
    before = snapshot()
    out = io.StringIO()
    call_command("rollups", "rebuild", stdout=out)
    assert snapshot() == before and "Rebuilt" in out.getvalue()


def test_vendor_must_serve_project(setup, make_vendor, make_project, tmp_path):
    make_project("solo", [setup[2]])
    with pytest.raises(CommandError, match="does not serve project solo"):
        cli(DATA / "acd-calls.csv", profile="acd-calls", project="solo")
    assert not RejectedRow.objects.exists()


def test_rejects_to_an_unwritable_place_are_refused_before_anything_is_imported(setup, tmp_path):
    path = write(tmp_path, "r.csv", HEADER + "1,voice,Q,,2024-01-01 10:00:00,,5,,9,\n")
    for target in (tmp_path / "missing" / "r.csv", tmp_path):
        with pytest.raises(CommandError, match="--rejects"):
            cli(path, "--allow-rejects", "--rejects", str(target))
    assert not ImportBatch.objects.exists() and not Interaction.objects.exists()


def test_a_file_that_stops_midway_keeps_the_rows_it_had_rejected(setup, tmp_path, monkeypatch):
    """The count on a failed import is the rows it lists: both or neither."""
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    rows = ["1,voice,Q,,2024-01-01 10:00:00,,5,,9,", "2,voice,Q,,2024-01-01 10:00:00,,5,,,",
            "3,voice,Q,,2024-01-01 10:00:00,,5,,,", '4,voice,Q,,2024-01-01 10:00:00,,5,,"never closed,']
    with pytest.raises(CommandError, match="Line 5"):
        cli(write(tmp_path, "stops.csv", HEADER + "\n".join(rows) + "\n"), "--allow-rejects")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and not Interaction.objects.exists()
    assert batch.rejected == 1 and list(batch.rejected_rows.values_list("line", "column")) == [(2, "csat")]


def test_xlsx_chunks_report_how_far_the_file_was_read(setup, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 200)
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "channel", "arrived_at"])
    for n in range(1000):
        sheet.append([f"x{n}", "voice", f"2024-01-01 10:{n % 60:02d}:00"])
    book.save(tmp_path / "big.xlsx")
    positions = []
    services.import_file(actor=None, project=setup[0], vendor=setup[1], path=str(tmp_path / "big.xlsx"),
                         on_progress=lambda **p: positions.append(p["position"]))
    size = (tmp_path / "big.xlsx").stat().st_size
    assert len(positions) >= 5 and positions == sorted(positions) and 0 < positions[0] < size
    assert positions[-1] > size // 2


def test_reasons_are_written_in_the_importers_language_not_the_workers(setup, tmp_path):
    upload = SimpleUploadedFile("r.csv", (HEADER + "1,voice,Q,,2024-01-01 10:00:00,,5,,9,\n").encode())
    with translation.override("en"):  # the uploader's request
        batch = services.batch_create(actor=None, project=setup[0], vendor=setup[1], profile="generic",
                                      file_name="r.csv", file_format="csv", upload=upload)
    with translation.override("zh-hans"):  # the task worker's default
        services.batch_run(batch=batch)
    assert batch.language == "en"
    assert batch.rejected_rows.get().reason == "csat: '9' is not a whole number from 1 to 5"
