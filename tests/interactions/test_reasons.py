"""Reject reasons and file errors are stored as a message and its parameters, and shown in the
reader's language: a Chinese vendor's import report reads in English for an English reader, and
the other way round (the page, the rejects download, the API, the command line)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from steward.interactions import services
from steward.interactions.models import ImportBatch, RejectedRow
from steward.interactions.reasons import Reason, Term, shown

HEADER = "external_id,channel,queue,agent_code,arrived_at,talk_seconds,csat,transcript,customer_ref\n"
CSAT_EN = "csat: '9' is not a whole number from 1 to 5"
CSAT_ZH = "csat：'9' 不是 1 到 5 之间的整数"


def test_a_reason_renders_in_the_active_language_and_survives_json():
    reason = Reason("%(column)s: '%(value)s' is not a number of %(unit)s from 0 to %(max)s",
                    {"column": "First reply", "unit": Term("duration unit", "minutes"), "max": 525600,
                     "value": "abc"})
    stored = json.loads(json.dumps(reason.to_json()))
    assert Reason.from_json(stored) == reason
    with translation.override("en"):
        assert str(reason) == "First reply: 'abc' is not a number of minutes from 0 to 525600"
    with translation.override("zh-hans"):
        assert str(reason) == str(Reason.from_json(stored))
        assert "分钟" in str(reason) and "First reply" in str(reason)


def test_parameters_that_are_not_json_are_kept_as_text():
    reason = Reason("Line %(line)d: %(error)s (a field larger than 1 MiB, or broken quoting).",
                    {"line": 3, "error": ValueError("field larger than field limit")})
    assert reason.to_json()["params"] == {"line": 3, "error": "field larger than field limit"}
    json.dumps(reason.to_json())


def test_shown_falls_back_to_the_stored_text():
    assert shown(None, "as written") == "as written"
    assert shown({"message": "%(gone)s"}, "as written") == "as written"  # a parameter missing
    assert shown({"params": {}}, "as written") == "as written"  # no message


@pytest.fixture
def zh_import(world, media):
    """A file imported by a Chinese-speaking vendor manager: one row rejected."""
    upload = SimpleUploadedFile("r.csv", (HEADER + "R-1,email,mail,amy,2024-01-01 10:00:00,,9,,\n").encode())
    with translation.override("zh-hans"):
        batch = services.batch_create(actor=None, project=world.shared, vendor=world.vendor_a, profile="generic",
                                      file_name="r.csv", file_format="csv", upload=upload)
        services.batch_run(batch=batch)
    return batch


def test_rejects_are_shown_in_each_readers_language(client, world, zh_import):
    row = zh_import.rejected_rows.get()
    assert row.reason == CSAT_ZH  # the text as written, in the importer's language
    client.force_login(world.user("client_admin"))
    page = client.get(zh_import.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert CSAT_EN.replace("'", "&#x27;") in page and CSAT_ZH.replace("'", "&#x27;") not in page
    download = client.get(reverse("interactions:rejects", args=[zh_import.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1] == f'2,csat,{CSAT_EN},"R-1,email,mail,amy,2024-01-01 10:00:00,,9,,"'
    page = client.get(zh_import.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert CSAT_ZH.replace("'", "&#x27;") in page


def test_the_api_answers_rejects_in_the_callers_language(client, world, zh_import):
    client.force_login(world.user("client_admin"))
    answer = client.get(f"/api/interactions/batches/{zh_import.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200, answer.content
    assert answer.json()["rejects"] == [{"line": 2, "column": "csat", "reason": CSAT_EN}]


def test_every_kind_of_reject_is_stored_as_a_message(world, media):
    """Reader errors (a short row), profile checks, duplicates and unknown codes."""
    text = (HEADER + "D-1,email,mail,amy,2024-01-01 10:00:00,,,,\n"
            "short,email\n"
            "D-1,email,mail,amy,2024-01-01 11:00:00,,,,\n"
            "E-1,fax,mail,amy,2024-01-01 10:00:00,,,,\n")
    upload = SimpleUploadedFile("m.csv", text.encode())
    with translation.override("zh-hans"):
        batch = services.batch_create(actor=None, project=world.shared, vendor=world.vendor_a, profile="generic",
                                      file_name="m.csv", file_format="csv", upload=upload)
        services.batch_run(batch=batch)
    rows = list(RejectedRow.objects.filter(batch=batch).order_by("line"))
    assert [r.line for r in rows] == [2, 3, 5] and all(r.message for r in rows)
    with translation.override("en"):
        assert [r.shown_reason for r in rows] == [
            "duplicate external_id 'D-1': line 4 later in the file replaces this row",
            "expected 9 fields, found 2 (is the file truncated?)",
            "channel: 'fax' is not one of voice, chat, email, social, ticket",
        ]


def test_a_file_error_is_shown_in_each_readers_language(client, world, media):
    upload = SimpleUploadedFile("e.csv", b"")
    with translation.override("zh-hans"):
        batch = services.batch_create(actor=None, project=world.shared, vendor=world.vendor_a, profile="generic",
                                      file_name="e.csv", file_format="csv", upload=upload)
        services.batch_run(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED and batch.error == "文件为空。"
    with translation.override("en"):
        assert batch.shown_error == "The file is empty."
    client.force_login(world.user("client_admin"))
    page = client.get(batch.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The file is empty." in page


def test_rows_stored_before_messages_show_their_text(world, media, english):
    batch = services.batch_create(actor=None, project=world.shared, vendor=world.vendor_a, profile="generic",
                                  file_name="old.csv")
    row = RejectedRow.objects.create(batch=batch, line=2, column="csat", reason="旧的原因", raw="")
    assert row.shown_reason == "旧的原因"
