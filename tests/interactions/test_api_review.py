"""The batch API and the command line, as a reviewer found them: input the database cannot hold
(NUL, lone surrogates, times outside any plausible year) is a rejected row, never a 500 that
burns the key; a retry while the first batch runs is told so (409), and a failed first attempt
runs again; records cannot blow up into a table of records × keys; JSON Lines none of which
could be read are reported line by line."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from steward.interactions import liveness, services
from steward.interactions.models import ImportBatch, Interaction, RejectedRow
from steward.interactions.readers import MAX_RECORD_FIELDS

RECORD = {"external_id": "X1", "channel": "voice", "arrived_at": "2025-03-03T09:00:00+08:00"}
BODY = {"project": "alpha-only", "vendor": "alpha"}


@pytest.fixture
def api(client, world):
    client.force_login(world.user("client_admin"))
    client.raise_request_exception = False  # the status a real client gets
    return client


def post(api, body, key="k"):
    text = body if isinstance(body, str) else json.dumps(body)
    with transaction.atomic():  # a 500 on PostgreSQL must not poison the test's transaction
        return api.post("/api/interactions/batches", text, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE="en")


def test_a_lone_surrogate_is_a_rejected_row(api):
    body = ('{"project":"alpha-only","vendor":"alpha","records":[{"external_id":"\\ud800","channel":"voice",'
            '"arrived_at":"2025-03-03T09:00:00+08:00"},{"\\udc00":"x","external_id":"k","channel":"voice",'
            '"arrived_at":"2025-03-03T09:00:00+08:00"},' + json.dumps(RECORD) + "]}")
    answer = post(api, body)
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert (result["inserted"], result["rejected"]) == (1, 2)
    assert result["rejects"][0] == {"line": 1, "column": "",
                                    "reason": "a text holds the NUL character or invalid Unicode (a lone "
                                              "surrogate such as \\ud800)"}
    assert RejectedRow.objects.get(line=1).raw.startswith('{"external_id": "\\ud800"')  # escaped, as stored


def test_a_nul_in_a_text_is_a_rejected_row(api):
    answer = post(api, {**BODY, "records": [{**RECORD, "queue": "a\u0000b"}]})
    assert answer.status_code == 200 and answer.json()["rejected"] == 1, answer.content
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("arrived", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00",
                                     "0001-01-01 00:00:00", "2200-01-01T00:00:00Z"])
def test_a_time_outside_any_plausible_year_is_a_rejected_row(api, arrived):
    answer = post(api, {**BODY, "records": [{**RECORD, "arrived_at": arrived}]})
    assert answer.status_code == 200 and answer.json()["rejected"] == 1, answer.content
    assert "is not a contact time: use a time in the years 1900 to 2199" in answer.json()["rejects"][0]["reason"]


def test_the_last_plausible_times_are_stored(api):
    records = [{**RECORD, "external_id": "first", "arrived_at": "1900-01-01T00:00:00Z"},
               {**RECORD, "external_id": "last", "arrived_at": "2199-12-31T23:59:59Z"}]
    answer = post(api, {**BODY, "records": records})
    assert answer.json()["inserted"] == 2, answer.content


def test_records_with_too_many_different_keys_fail_the_batch_clearly(api):
    records = [{**RECORD, "external_id": f"r{n}", f"extra{n}": "x"} for n in range(MAX_RECORD_FIELDS)]
    answer = post(api, {**BODY, "records": records})
    assert answer.status_code == 200 and answer.json()["status"] == "failed"
    assert "different fields" in answer.json()["error"]
    assert not Interaction.objects.exists()


def test_a_retry_while_the_first_batch_runs_is_told_so(api, world):
    body = {**BODY, "records": [RECORD]}
    digest = services._request_digest(project=world.project_a, profile="generic", allow_rejects=True,
                                      records=body["records"])
    first = services.batch_create(actor=None, project=world.project_a, vendor=world.vendor_a, profile="generic",
                                  file_format="api", idempotency_key="in-flight", request_digest=digest)
    with liveness.running(first.pk):  # held by the first request, as import_records holds it
        answer = post(api, body, "in-flight")
    assert answer.status_code == 409 and "still being imported" in answer.json()["detail"]


def test_a_failed_first_attempt_runs_again_under_its_key(api, world):
    body = {**BODY, "records": [RECORD]}
    digest = services._request_digest(project=world.project_a, profile="generic", allow_rejects=True,
                                      records=body["records"])
    failed = services.batch_create(actor=None, project=world.project_a, vendor=world.vendor_a, profile="generic",
                                   file_format="api", idempotency_key="again", request_digest=digest)
    ImportBatch.objects.filter(pk=failed.pk).update(status=ImportBatch.Status.FAILED, error="connection lost")
    answer = post(api, body, "again")
    assert answer.status_code == 200 and answer.json()["id"] == failed.pk
    assert (answer.json()["status"], answer.json()["inserted"], answer.json()["error"]) == ("done", 1, "")
    assert post(api, body, "again").json()["inserted"] == 1  # now a replay
    assert Interaction.objects.count() == 1


def test_a_key_must_be_printable(api):
    answer = post(api, {**BODY, "records": [RECORD]}, key="a\tb")
    assert answer.status_code == 400 and "printable" in answer.json()["detail"]


def test_an_offset_beyond_any_table_is_a_validation_error(api):
    assert api.get("/api/interactions", {"offset": 10**20}).status_code == 422


def run_cli(path, **options) -> tuple[str, str, int]:
    """`steward import interactions PATH` into vendor alpha's project: stdout, stderr, exit code."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", "interactions", str(path), project="alpha-only", vendor="alpha", stdout=out,
                     stderr=err, **options)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue(), err.getvalue(), code


def test_json_lines_none_of_which_can_be_read_are_reported_by_line(world, tmp_path, english):
    path = tmp_path / "single_quotes.jsonl"
    path.write_text("{'external_id': 'Q1'}\n{'external_id': 'Q2'}\n")
    _out, err, code = run_cli(path)
    assert code == 1
    assert "line 1: not valid JSON (Expecting property name enclosed in double quotes" in err
    assert "line 2: not valid JSON" in err


def test_a_csv_with_a_nul_past_its_first_block_is_refused_by_row(world, tmp_path, english):
    rows = ["external_id,channel,queue,arrived_at"]
    rows += [f"id{n},voice,q{n % 3},2024-01-01 10:{n % 60:02d}:00" for n in range(3000)]  # > 64 KiB
    rows.append("bad,voice,q\x00x,2024-01-01 10:00:00")
    path = tmp_path / "late.csv"
    path.write_text("\n".join(rows) + "\n")
    out, err, code = run_cli(path, allow_rejects=True)
    assert code == 0 and "inserted 3000" in out and "rejected 1" in out
    assert "line 3002: a text holds the NUL character" in err


def test_a_json_line_with_a_nul_byte_is_a_rejected_row(world, tmp_path, english):
    lines = [json.dumps({**RECORD, "external_id": f"J{n}"}) for n in range(1500)]  # > 64 KiB
    lines.append('{"external_id": "bad", "channel": "voice", "queue": "a\x00b"}')
    path = tmp_path / "nul.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out, _err, code = run_cli(path, allow_rejects=True)
    assert code == 0 and "inserted 1500" in out and "rejected 1" in out
    batch = ImportBatch.objects.get()
    assert batch.rejected_rows.get().raw == '{"external_id": "bad", "channel": "voice", "queue": "a\\u0000b"}'


@pytest.mark.parametrize("lang, csat, empty_id", [
    ("en_US.UTF-8", "csat: '9' is not a whole number from 1 to 5", "external_id (external_id) is empty"),
    ("zh_CN.UTF-8", "csat：'9' 不是 1 到 5 之间的整数", "external_id（external_id）为空"),  # full-width punctuation
])
def test_the_command_line_names_the_column_once(world, tmp_path, monkeypatch, lang, csat, empty_id):
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", lang)
    path = tmp_path / "r.csv"
    path.write_text("external_id,channel,arrived_at,csat\nR1,voice,2024-01-01 10:00:00,9\n,voice,2024-01-01,\n")
    _out, err, code = run_cli(path)
    assert code == 1
    assert f"  line 2: {csat}" in err
    assert f"  line 3: {empty_id}" in err


def test_the_command_line_refuses_a_missing_file(world, tmp_path):
    with pytest.raises(CommandError):
        call_command("import", "interactions", str(tmp_path / "missing.csv"), project="alpha-only", vendor="alpha")
