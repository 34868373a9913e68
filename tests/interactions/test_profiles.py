"""The pure mapping layer: each built-in profile on a real-shaped file, hand-checked."""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from steward.interactions import readers
from steward.interactions.builtin_profiles import BUILTIN_PROFILES
from steward.interactions.profiles import LINE, FileError, Profile, ProfileError, normalise

pytestmark = pytest.mark.usefixtures("english")
DATA = Path(__file__).parent / "data"
UTC = dt.UTC


def run(path: Path, profile: str | dict, tz: str = "Asia/Shanghai", fmt: str = "csv"):
    p = Profile.from_dict(BUILTIN_PROFILES[profile] if isinstance(profile, str) else profile)
    with open(path, "rb") as handle:
        chunks = list(readers.read(handle, fmt, delimiter=p.delimiter))
    frame = pl.concat([c.frame() for c in chunks])
    return normalise(frame, p, tz), chunks


def by_id(rows: pl.DataFrame) -> dict[str, dict]:
    return {r["external_id"]: r for r in rows.iter_rows(named=True)}


def test_bank_calls_semantics():
    result, chunks = run(DATA / "bank-calls-sample.tsv", "bank-calls", tz="Asia/Jerusalem")
    assert result.rejects == []
    assert result.skipped == 22  # 7 PHANTOM + 15 hung up in the voice menu
    assert result.rows.height == 218  # 181 AGENT + 37 HANG in the queue
    rows = result.rows.sort(LINE)
    first = rows.row(0, named=True)  # line 3: AA0104 50033 ... AGENT GILA
    assert first[LINE] == 3
    assert first["external_id"] == "AA0104-50033"
    assert first["queue"] == "NE" and first["channel"] == "voice"
    assert first["priority"] == "high" and first["customer_ref"] == "35735457"
    # 1999-03-09 22:13:58 in Jerusalem (UTC+2 in March 1999) = 20:13:58 UTC
    assert first["arrived_at"] == dt.datetime(1999, 3, 9, 20, 13, 58, tzinfo=UTC)
    assert first["first_response_at"] == dt.datetime(1999, 3, 9, 20, 14, 9, tzinfo=UTC)
    assert (first["wait_seconds"], first["talk_seconds"], first["hold_seconds"], first["wrap_seconds"]) == (12, 242, 0, 0)
    assert first["agent_code"] == "GILA" and first["outcome"] == "resolved" and not first["abandoned"]
    hang = rows.filter(pl.col(LINE) == 4).row(0, named=True)  # AA0104 50094 PS ... HANG, queued
    assert hang["abandoned"] and hang["outcome"] == "abandoned" and hang["talk_seconds"] == 0
    assert hang["customer_ref"] == "" and hang["priority"] == "normal" and hang["agent_code"] == ""
    assert hang["wait_seconds"] == 15 and hang["first_response_at"] is None
    # Straight from the voice menu to an agent: arrival is vru_exit (line 9: 11:51:55)
    direct = rows.filter(pl.col(LINE) == 9).row(0, named=True)
    assert direct["arrived_at"] == dt.datetime(1999, 3, 10, 9, 51, 55, tzinfo=UTC)
    assert direct["wait_seconds"] == 0


def test_zendesk_tickets():
    result, _ = run(DATA / "zendesk-tickets.csv", "zendesk-tickets")
    assert result.rejects == []
    rows = by_id(result.rows)
    t = rows["1001"]
    assert t["channel"] == "email" and t["queue"] == "Returns 退货" and t["agent_code"] == "Li Na"
    assert t["outcome"] == "resolved" and t["priority"] == "normal" and t["csat"] == 5
    assert t["arrived_at"] == dt.datetime(2024, 3, 4, 1, 12, tzinfo=UTC)  # Shanghai = UTC+8
    assert t["first_response_at"] == dt.datetime(2024, 3, 4, 1, 50, tzinfo=UTC)  # + 38 minutes
    assert t["resolved_at"] == dt.datetime(2024, 3, 4, 7, 40, tzinfo=UTC)
    assert t["customer_ref"] == "36271001" and '"Subject":"退货怎么申请？"' in t["attributes"]
    assert rows["1002"]["csat"] == 1 and rows["1002"]["channel"] == "ticket" and rows["1002"]["priority"] == "high"
    assert rows["1003"]["outcome"] == "pending" and rows["1003"]["channel"] == "chat"
    assert rows["1003"]["csat"] is None and not rows["1003"]["abandoned"]
    assert rows["1004"]["csat"] is None and rows["1004"]["priority"] == "low"
    assert rows["1005"]["channel"] == "voice" and rows["1005"]["priority"] == "normal"


def test_acd_calls():
    result, _ = run(DATA / "acd-calls.csv", "acd-calls")
    assert result.rejects == []
    rows = by_id(result.rows)
    c1 = rows["C-000101"]
    assert (c1["wait_seconds"], c1["talk_seconds"], c1["hold_seconds"], c1["wrap_seconds"]) == (18, 319, 30, 45)
    assert c1["outcome"] == "resolved" and not c1["abandoned"] and c1["direction"] == "inbound"
    assert c1["recording_ref"] == "rec/2024/05/06/C-000101.wav" and c1["contact_reason"] == "ORDER"
    assert rows["C-000102"]["abandoned"] and rows["C-000102"]["outcome"] == "abandoned"
    assert rows["C-000103"]["outcome"] == "transferred"
    # no abandon flag, never answered: abandoned, wait kept from the file
    assert rows["C-000104"]["abandoned"] and rows["C-000104"]["wait_seconds"] == 70
    # outbound: wait derived from the times when empty
    assert rows["C-000105"]["direction"] == "outbound" and rows["C-000105"]["wait_seconds"] == 5


def _frame(**columns) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    return pl.DataFrame({LINE: list(range(2, n + 2)), **columns}, schema_overrides={LINE: pl.Int64})


def test_separate_date_and_time_excel_and_epoch_and_value_maps():
    profile = Profile.from_dict({
        "name": "custom",
        "columns": {"external_id": "编号", "channel": "渠道", "complaint": "投诉", "first_response_at": "应答",
                    "ended_at": "结束"},
        "date_time_columns": {"arrived_at": {"date": "日期", "time": "时间"}},
        "datetime_formats": ["%Y/%m/%d %H:%M:%S", "excel", "epoch_s"],
        "value_maps": {"channel": {"电话": "voice", "在线": "chat"}, "complaint": {"是": "true"}},
        "time_zone": "UTC",
    })
    frame = _frame(**{
        "编号": ["a", "b"], "渠道": ["电话", "在线"], "投诉": ["是", "否"],
        "日期": ["2024/01/02", "2024/01/02"], "时间": ["08:00:00", "09:30:00"],
        # 45293.5 = 2024-01-02 12:00 as an Excel serial; 1704196800 = 2024-01-02 12:00 UTC
        "应答": ["45293.5", "1704196800"], "结束": [None, None],
    })
    result = normalise(frame, profile, "Asia/Shanghai")
    assert result.rejects == []
    rows = by_id(result.rows)
    assert rows["a"]["arrived_at"] == dt.datetime(2024, 1, 2, 8, tzinfo=UTC)
    assert rows["a"]["first_response_at"] == dt.datetime(2024, 1, 2, 12, tzinfo=UTC)
    assert rows["b"]["first_response_at"] == dt.datetime(2024, 1, 2, 12, tzinfo=UTC)
    assert rows["a"]["channel"] == "voice" and rows["a"]["complaint"] is True
    assert rows["b"]["channel"] == "chat" and rows["b"]["complaint"] is False
    assert rows["a"]["wait_seconds"] == 4 * 3600


def test_generic_rejects_with_line_column_and_reason():
    profile = Profile.from_dict(BUILTIN_PROFILES["generic"])
    frame = _frame(
        external_id=["ok", None, "csat", "order", "dur", "when", "chan", "ab"],
        channel=["chat", "chat", "chat", "chat", "chat", "chat", "fax", "voice"],
        arrived_at=["2024-01-01T10:00:00+08:00"] * 5 + ["yesterday", "2024-01-01 10:00", "2024-01-01 10:00"],
        first_response_at=[None, None, None, "2024-01-01T09:00:00+08:00", None, None, None, None],
        csat=[None, None, "7", None, None, None, None, None],
        talk_seconds=[None, None, None, None, "-5", None, None, None],
        outcome=[None] * 7 + ["resolved"],
        abandoned=[None] * 7 + ["yes"],
    )
    result = normalise(frame, profile, "Asia/Shanghai")
    assert [r["external_id"] for r in result.rows.iter_rows(named=True)] == ["ok"]
    reasons = {line: (column, str(reason)) for line, column, reason in result.rejects}
    assert reasons[3] == ("external_id", "external_id (external_id) is empty")
    assert reasons[4] == ("csat", "csat: '7' is not a whole number from 1 to 5")
    assert reasons[5] == ("first_response_at", "first response is before arrival")
    assert reasons[6] == ("talk_seconds", "talk_seconds is negative (-5)")
    assert reasons[7][0] == "arrived_at" and "cannot read 'yesterday'" in reasons[7][1]
    assert reasons[8] == ("channel", "channel: 'fax' is not one of voice, chat, email, social, ticket")
    assert reasons[9][0] == "outcome"
    assert len(result.rejects) == 7


def test_naive_times_take_the_project_time_zone_and_huge_fields_are_rejected():
    profile = Profile.from_dict(BUILTIN_PROFILES["generic"])
    frame = _frame(external_id=["x", "y"], channel=["chat", "chat"],
                   arrived_at=["2024-07-01 12:00:00", "2024-07-01 12:00:00"],
                   transcript=["agent: hi", "x" * 100_001])
    result = normalise(frame, profile, "Europe/Berlin")
    assert result.rows["arrived_at"].to_list() == [dt.datetime(2024, 7, 1, 10, tzinfo=UTC)]
    assert [(line, column, str(reason)) for line, column, reason in result.rejects] == [
        (3, "transcript", "transcript is longer than 100000 characters (100001)")]


def test_profile_validation():
    with pytest.raises(ProfileError, match="Not canonical"):
        Profile.from_dict({"name": "x", "columns": {"external_id": "a", "arrived_at": "b", "colour": "c"}})
    with pytest.raises(ProfileError, match="Unknown profile setting"):
        Profile.from_dict({"name": "x", "colums": {}})
    with pytest.raises(FileError, match="Missing column"):
        Profile.from_dict(BUILTIN_PROFILES["zendesk-tickets"]).check_header(["Id", "Subject"])
    for definition in BUILTIN_PROFILES.values():
        assert Profile.from_dict(Profile.from_dict(definition).to_dict()).to_dict() == Profile.from_dict(definition).to_dict()
