import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def run(*args) -> str:
    out = StringIO()
    call_command("qa", *args, stdout=out)
    return out.getvalue()


def test_sample_size_json():
    figures = json.loads(run("sample-size", "--population", "1000", "--margin", "0.05", "--json"))
    assert figures == {
        "sample_size": 278,
        "sample_size_infinite_population": 385,
        "population": 1000,
        "margin": 0.05,
        "confidence": 0.95,
        "z": pytest.approx(1.959963984540054),
        "proportion": 0.5,
    }


def test_sample_size_options_and_table():
    assert json.loads(run("sample-size", "--margin", "0.05", "--json"))["sample_size"] == 385
    assert (
        json.loads(run("sample-size", "--margin", "0.05", "--confidence", "0.99", "--json"))[
            "sample_size"
        ]
        == 664
    )
    assert (
        json.loads(run("sample-size", "--margin", "0.05", "--proportion", "0.9", "--json"))[
            "sample_size"
        ]
        == 139
    )
    mean = json.loads(
        run("sample-size", "--population", "500", "--margin", "2", "--sd", "10", "--json")
    )
    assert mean["sample_size"] == 81 and mean["sd"] == 10
    table = run("sample-size", "--population", "1000", "--margin", "0.05")
    assert "Evaluations needed                        278" in table
    assert "Without the finite-population correction  385" in table


def test_margin_and_warning():
    out = run("margin", "--evaluations", "12", "--proportion", "0.9166666666666666")
    assert "Too few evaluations" in out and "33 evaluations would be enough" in out
    ok = json.loads(run("margin", "--evaluations", "120", "--population", "400", "--json"))
    assert ok["too_few"] is False and ok["needed"] is None and ok["interval_half_width"] < 0.1
    single = json.loads(
        run("margin", "--evaluations", "1", "--sd", "10", "--tolerated-margin", "5", "--json")
    )
    assert (
        single["too_few"] is True and single["interval_half_width"] is None
    )  # ∞ has no JSON spelling


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sample-size", "--margin", "0"), "--margin must be between 0 and 1"),
        (("sample-size", "--margin", "1.5"), "--margin must be between 0 and 1"),
        (
            ("sample-size", "--margin", "0.05", "--population", "-1"),
            "--population must be zero or more",
        ),
        (
            ("sample-size", "--margin", "0.05", "--confidence", "1"),
            "--confidence must be between 0 and 1",
        ),
        (
            ("sample-size", "--margin", "0.05", "--proportion", "0"),
            "--proportion must be between 0 and 1",
        ),
        (("sample-size", "--margin", "2", "--sd", "-1"), "--sd must be greater than zero"),
        (("sample-size", "--margin", "0.05", "--proportion", "0.5", "--sd", "3"), "not both"),
        (("margin", "--evaluations", "50", "--population", "40"), "cannot exceed"),
        (("margin", "--evaluations", "5", "--sd", "10"), "--tolerated-margin"),
        (("sample-size", "--margin", "inf"), "finite number"),
    ],
)
def test_bad_input_is_a_clear_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_console_command(tmp_path):
    """The real `steward` entry point: JSON, or on bad input a message, exit 1, no traceback."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "steward.settings",
        "STEWARD_ENV": "test",
        "LANG": "C.UTF-8",
    }
    env.pop("LC_ALL", None), env.pop("LC_MESSAGES", None)
    steward = Path(sys.executable).with_name("steward")
    ok = subprocess.run(
        [steward, "qa", "sample-size", "--population", "1000", "--margin", "0.05", "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["sample_size"] == 278
    bad = subprocess.run(
        [steward, "qa", "sample-size", "--population", "1000", "--margin", "5"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert bad.returncode == 1
    assert "--margin must be between 0 and 1" in bad.stderr and "Traceback" not in bad.stderr
