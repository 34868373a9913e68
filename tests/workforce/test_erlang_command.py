import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

CLASSIC = [
    "--calls",
    "100",
    "--interval-seconds",
    "1800",
    "--aht-seconds",
    "180",
    "--target-seconds",
    "20",
]


def run(*args) -> str:
    out = StringIO()
    call_command("erlang", *args, stdout=out)
    return out.getvalue()


def test_json_has_exactly_the_contract_keys_and_the_classic_figures():
    figures = json.loads(run(*CLASSIC, "--service-level", "0.8", "--shrinkage", "0.3", "--json"))
    assert set(figures) == {
        "agents",
        "service_level",
        "asa_seconds",
        "occupancy",
        "probability_wait",
        "scheduled_fte",
    }
    assert figures["agents"] == 14
    assert figures["service_level"] == pytest.approx(0.8884, abs=5e-5)
    assert figures["asa_seconds"] == pytest.approx(7.84, abs=5e-3)
    assert figures["occupancy"] == pytest.approx(10 / 14)
    assert figures["probability_wait"] == pytest.approx(0.1741, abs=5e-5)
    assert figures["scheduled_fte"] == pytest.approx(20.0)


def test_readable_table():
    out = run(*CLASSIC, "--service-level", "0.8", "--max-occupancy", "0.7", "--shrinkage", "0.3")
    assert "Erlang C" in out
    assert "15 (set by the maximum occupancy)" in out
    assert "94.1% answered within 20 s (target 80.0%)" in out
    assert "21.43 with 30% shrinkage (roster 22 people)" in out


def test_erlang_a_and_chat_variants():
    with_abandon = run(*CLASSIC, "--service-level", "0.8", "--patience-seconds", "300")
    assert "Erlang A" in with_abandon and "Abandon rate             2.5%" in with_abandon
    assert (
        json.loads(run(*CLASSIC, "--service-level", "0.8", "--patience-seconds", "300", "--json"))[
            "agents"
        ]
        == 13
    )
    chat = json.loads(
        run(
            "--calls",
            "300",
            "--interval-seconds",
            "1800",
            "--aht-seconds",
            "600",
            "--target-seconds",
            "30",
            "--service-level",
            "0.8",
            "--concurrency",
            "3",
            "--json",
        )
    )
    assert chat["agents"] == 37


def test_asa_target_alone():
    assert json.loads(run(*CLASSIC, "--target-asa-seconds", "10", "--json"))["agents"] == 14


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "--calls",
                "-5",
                "--interval-seconds",
                "1800",
                "--aht-seconds",
                "180",
                "--target-seconds",
                "20",
                "--service-level",
                "0.8",
            ],
            "--calls must be zero or more",
        ),
        (
            [
                "--calls",
                "100",
                "--interval-seconds",
                "0",
                "--aht-seconds",
                "180",
                "--target-seconds",
                "20",
                "--service-level",
                "0.8",
            ],
            "--interval-seconds must be greater than zero",
        ),
        ([*CLASSIC, "--service-level", "1"], "--service-level must be between 0 and 1"),
        ([*CLASSIC, "--service-level", "0"], "--service-level must be between 0 and 1"),
        (
            [*CLASSIC, "--service-level", "0.8", "--shrinkage", "1"],
            "--shrinkage must be at least 0 and less than 1",
        ),
        (
            [*CLASSIC, "--service-level", "0.8", "--max-occupancy", "0"],
            "--max-occupancy must be greater than 0",
        ),
        ([*CLASSIC, "--service-level", "nan"], "finite number"),
        ([*CLASSIC], "Give --service-level"),
        ([*CLASSIC, "--service-level", "0.8", "--concurrency", "0"], "--concurrency must be"),
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
        [steward, "erlang", *CLASSIC, "--service-level", "0.8", "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["agents"] == 14
    bad = subprocess.run(
        [steward, "erlang", *CLASSIC, "--service-level", "0.8", "--shrinkage", "1.2"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert bad.returncode == 1
    assert (
        "--shrinkage must be at least 0 and less than 1" in bad.stderr
        and "Traceback" not in bad.stderr
    )
