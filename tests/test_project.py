"""Project hygiene that no single app owns."""

import os
import subprocess
import sys

from django.core.management import call_command


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_migrations_do_not_depend_on_the_hash_seed():
    """Sets in model definitions must not reorder between runs and churn migrations."""
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-m", "django", "makemigrations", "--check", "--dry-run"],
            env=env, capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_system_checks_pass(db):
    call_command("check", fail_level="WARNING")
