import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from steward.core.models import Project, User, Vendor


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_vendors_projects_users_add():
    assert "Added vendor acme" in run("vendors", "add", "acme", "Acme 客服")
    run("vendors", "add", "beta", "Beta")
    out = run("projects", "add", "hotline", "Hotline", "--vendor", "acme", "--vendor", "beta",
              "--timezone", "Asia/Shanghai", "--channels", "voice,chat,email")
    assert "Added project hotline" in out and "acme, beta" in out
    assert Project.objects.get(code="hotline").channels == ["voice", "chat", "email"]
    assert "as agent of vendor acme" in run("users", "add", "amy", "--role", "agent", "--vendor", "acme",
                                              "--password", "long-enough-pass")
    assert User.objects.get(username="amy").vendor.code == "acme"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args,message",
    [
        (("projects", "add", "p", "P", "--vendor", "ghost", "--channels", "voice"), "Unknown vendor code(s): ghost"),
        (("projects", "add", "p", "P", "--timezone", "Nowhere/Land", "--channels", "voice"), "not a known time zone"),
        (("users", "add", "u", "--role", "agent"), "must belong to a vendor"),
        (("users", "add", "u", "--role", "wizard"), "Unknown role wizard"),
        (("vendors", "add", "bad code", "X"), "letters, digits"),
    ],
)
def test_bad_input_fails_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)
    assert not Project.objects.exists() and not User.objects.filter(username="u").exists()


@pytest.mark.django_db
def test_duplicate_vendor_code():
    run("vendors", "add", "acme", "Acme")
    with pytest.raises(CommandError, match="already exists"):
        run("vendors", "add", "acme", "Acme again")
    assert Vendor.objects.count() == 1


@pytest.mark.django_db
def test_console_command_exits_non_zero_without_traceback(tmp_path):
    """The real `steward` entry point, as an operator runs it, on a database of its own."""
    path = tmp_path / "db.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "steward.settings", "STEWARD_ENV": "test", "DATABASE_URL": f"sqlite:///{path}"}
    steward = Path(sys.executable).with_name("steward")
    if connection.vendor == "sqlite":  # a copy of the migrated test database: a minute faster than migrating
        connection.ensure_connection()  # (iterdump, not backup(): a backup waits for the test's transaction)
        copy = sqlite3.connect(path)
        copy.executescript("\n".join(connection.connection.iterdump()))
        copy.close()
    else:
        subprocess.run([steward, "migrate", "-v0"], env=env, check=True)
    ok = subprocess.run([steward, "vendors", "add", "acme", "Acme"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "Added vendor acme" in ok.stdout
    bad = subprocess.run([steward, "users", "add", "x", "--role", "agent", "--vendor", "nope"],
                         env=env, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "Unknown vendor code(s): nope" in bad.stderr and "Traceback" not in bad.stderr
