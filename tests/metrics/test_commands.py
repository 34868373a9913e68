"""`steward kpi` and `steward sla evaluate|backtest`: JSON contract, errors without tracebacks,
vendor scoping with --as."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from steward.metrics import services

from .test_pages import POLICY, project  # noqa: F401  (fixture)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_kpi_json_is_the_engine_result(world, project):  # noqa: F811
    rows = json.loads(run("kpi", "--project", project.code, "--from", "2025-03-01", "--to", "2025-03-12",
                          "--by", "vendor", "--metric", "service_level,offered", "--param", "threshold_seconds=30",
                          "--json"))
    assert [r["group"] for r in rows] == [{"vendor": "alpha"}, {"vendor": "bravo"}]
    sl = rows[0]["metrics"]["service_level"]
    assert set(sl) >= {"value", "numerator", "denominator", "ci_low", "ci_high", "params"}
    assert sl["params"]["threshold_seconds"] == 30 and sl["value"] == sl["numerator"] / sl["denominator"]
    scoped = json.loads(run("kpi", "--project", project.code, "--from", "2025-03-01", "--to", "2025-03-12",
                            "--by", "vendor", "--as", "a-manager", "--json"))
    assert [r["group"] for r in scoped] == [{"vendor": "alpha"}]
    assert "service_level" in run("kpi", "--project", project.code, "--from", "2025-03-01", "--to", "2025-03-12")


@pytest.mark.parametrize("args", [
    ["--project", "nope", "--from", "2025-03-01", "--to", "2025-03-02"],
    ["--project", "kpi-shared", "--from", "March", "--to", "2025-03-02"],
    ["--project", "kpi-shared", "--from", "2025-03-03", "--to", "2025-03-02"],
    ["--project", "kpi-shared", "--from", "2025-03-01", "--to", "2025-03-02", "--metric", "speed"],
    ["--project", "kpi-shared", "--from", "2025-03-01", "--to", "2025-03-02", "--param", "colour=red"],
    ["--project", "kpi-shared", "--vendor", "zulu", "--from", "2025-03-01", "--to", "2025-03-02"],
])
def test_kpi_bad_input_is_a_clean_error(world, project, args):  # noqa: F811
    with pytest.raises(CommandError):
        run("kpi", *args)


def test_sla_evaluate_and_backtest(world, project, tmp_path):  # noqa: F811
    services.sla_policy_save(actor=world.user("client_admin"), project=project, text=POLICY)
    [ev] = json.loads(run("sla", "evaluate", "--project", project.code, "--vendor", "alpha", "--policy", "hotline",
                          "--period", "2025-03", "--fee", "100000", "--json"))
    assert ev["pool"] == "10000.00" and ev["total_credit"] == "2000.00" and ev["total_bonus"] == "2000.00"
    assert [t["status"] for t in ev["terms"]] == ["missed", "met", "no_data"]
    assert "credits 2000.00" in run("sla", "evaluate", "--project", project.code, "--vendor", "alpha",
                                    "--policy", "hotline", "--period", "2025-03", "--fee", "100000")
    draft = tmp_path / "draft.yaml"
    draft.write_text(POLICY)
    evs = json.loads(run("sla", "backtest", str(draft), "--project", project.code, "--vendor", "bravo",
                         "--from", "2025-02-15", "--to", "2025-03-31", "--fee", "1000", "--json"))
    assert [e["period"] for e in evs] == ["2025-02", "2025-03"]
    assert Decimal(evs[1]["pool"]) == Decimal("100.00")
    for bad in (["--period", "2025-13"], ["--period", "2025-03", "--fee", "lots"], ["--period", "2025-03",
                                                                                    "--policy", "other"]):
        args = ["sla", "evaluate", "--project", project.code, "--vendor", "alpha", "--policy", "hotline", *bad]
        with pytest.raises(CommandError):
            run(*args)
    draft.write_text("sla: x\nversion: 0\n")
    with pytest.raises(CommandError, match="line 2"):
        run("sla", "backtest", str(draft), "--project", project.code, "--vendor", "bravo", "--from", "2025-02-15",
            "--to", "2025-03-31")
