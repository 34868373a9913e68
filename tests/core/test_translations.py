"""Both languages are complete: every translatable string of the source has a Chinese text."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import steward

PACKAGE = Path(steward.__file__).parent
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def untranslated(po_path: Path) -> list[str]:
    with po_path.open("rb") as f:
        catalogue = read_po(f, locale="zh_Hans")
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(texts):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def test_committed_catalogue_has_no_untranslated_or_fuzzy_entry():
    assert untranslated(CATALOGUE) == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (make test installs it)")
def test_every_string_in_the_source_is_in_the_catalogue(tmp_path):
    """Re-extract the strings from a copy of the source, merging the committed translations:
    a string added to the code without a translation shows up as untranslated."""
    copy = tmp_path / "steward"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "STEWARD_ENV": "test",
           "PYTHONPATH": str(Path(__file__).parents[2])}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy, env=env, check=True, capture_output=True,
    )
    missing = untranslated(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert missing == [], f"add Chinese for: {missing} (make messages, then edit django.po)"
