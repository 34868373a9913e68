"""Backup and restore: a restore into an empty database gives back every table row by row and
every uploaded file byte for byte; bad archives and non-empty databases are refused."""

import io
import json
import tarfile
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError

from steward.improvement import services as improvement_services
from steward.integrations import backup, webhooks
from steward.integrations.models import JobRun
from tests.quality.conftest import contacts, published_scorecard  # noqa: F401 (fixtures)


def _natural(model, pk):
    if pk is None:
        return None
    return model._base_manager.get(pk=pk).natural_key()


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (implicit many-to-many tables as their pairs), ordered by primary key;
    references to content types and permissions by natural key (migrate numbers those)."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model in (ContentType, Permission):
            # migrate makes these (a permission's name in the language active at the time)
            tables[label] = sorted(obj.natural_key() for obj in model._base_manager.all())
            continue
        fields = [f for f in model._meta.concrete_fields]
        rows = []
        for values in model._base_manager.order_by("pk").values_list(*[f.attname for f in fields]):
            row = []
            for field, value in zip(fields, values):
                target = field.related_model if field.is_relation else None
                if target in (ContentType, Permission):
                    value = _natural(target, value)
                row.append(value)
            rows.append(tuple(row))
        if model._meta.auto_created:
            # An implicit many-to-many table: its id is a surrogate nothing refers to, and Django's
            # serializer restores the pairs, not the ids. Compare the pairs.
            rows = sorted(row[1:] for row in rows)
        tables[label] = rows
    return tables


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "imports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "calls 1.csv").write_bytes("id,说明\n1,好\n".encode())
    (settings.MEDIA_ROOT / "contracts").mkdir()
    (settings.MEDIA_ROOT / "contracts" / "scan.pdf").write_bytes(bytes(range(256)) * 40)
    return settings.MEDIA_ROOT


@pytest.fixture
def populated(world, contacts, published_scorecard, media, django_capture_on_commit_callbacks):  # noqa: F811
    improvement_services.capa_open(actor=world.user("outsourcing_manager"), vendor=world.vendor_a,
                                   title="Late callbacks", problem="p", due_date=date(2026, 1, 1))
    webhooks.endpoint_create(actor=world.user("client_admin"), name="erp", url="http://127.0.0.1:9/x",
                             events=["capa.overdue"])
    webhooks.emit("capa.overdue", vendor_id=None, data={"id": 1}, dedupe_key="k")
    JobRun.objects.create(job="reminders", period="2026-03-01", status="done", result={"ok": 1})
    return world


def _tables_with_rows(tables):
    return {label for label, rows in tables.items() if rows}


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_an_empty_database_gives_back_every_row_and_file(populated, media, tmp_path):
    before = snapshot()
    files_before = {p.relative_to(media): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    assert len(_tables_with_rows(before)) >= 25  # a real spread of the schema, not three tables
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    call_command("flush", interactive=False, verbosity=0)  # an empty, migrated database
    for path in list(media.rglob("*")):
        if path.is_file():
            path.unlink()
    assert backup.database_is_empty()

    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "Restored" in out.getvalue()
    after = snapshot()
    assert set(after) == set(before)
    for label in before:
        assert after[label] == before[label], label
    assert {p.relative_to(media): p.read_bytes() for p in media.rglob("*") if p.is_file()} == files_before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_data_unless_forced(populated, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup.create(archive)
    before = snapshot()
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(archive), stdout=io.StringIO())
    improvement_services.capa_open(actor=populated.user("outsourcing_manager"), vendor=populated.vendor_b,
                                   title="Written after the backup", problem="p", due_date=date(2026, 2, 1))
    call_command("restore", str(archive), "--force", stdout=io.StringIO())
    assert snapshot() == before


def _rewrite(source, target, change):
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            data, member = change(member, data)
            if member is None:
                continue
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.mark.django_db(transaction=True)
def test_unknown_versions_damaged_archives_and_unsafe_paths_are_refused(populated, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup.create(archive)
    call_command("flush", interactive=False, verbosity=0)

    def version_2(member, data):
        if member.name == "manifest.json":
            manifest = json.loads(data)
            manifest["version"] = 2
            data = json.dumps(manifest).encode()
        return data, member

    def damaged(member, data):
        if member.name == "database.jsonl":
            data = data.replace(b"Late callbacks", b"Late callbackz")
        return data, member

    def escaping(member, data):
        if member.name.startswith("media/contracts"):
            member.name = "media/../../evil.pdf"
        return data, member

    for change, message in ((version_2, "version 2 is not supported"), (damaged, "damaged"),
                            (escaping, "unsafe path")):
        bad = tmp_path / f"{change.__name__}.tar.gz"
        _rewrite(archive, bad, change)
        with pytest.raises(backup.BackupError, match=message):
            backup.restore(bad)
        assert backup.database_is_empty()
    (tmp_path / "not-a-backup.tar.gz").write_bytes(b"hello")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("restore", str(tmp_path / "not-a-backup.tar.gz"))
    assert not (tmp_path.parent / "evil.pdf").exists()


@pytest.mark.django_db(transaction=True)
def test_a_backup_from_before_the_interval_rollup_restores_it_from_the_agent_rollup(populated, tmp_path):
    """Backups taken before migration 0006 hold no interval rollup: the restore derives it."""
    from steward.interactions.models import IntervalBucket, IntervalRollup

    before = snapshot()
    assert before["interactions.intervalrollup"]
    archive, old = tmp_path / "backup.tar.gz", tmp_path / "old.tar.gz"
    backup.create(archive)
    with tarfile.open(archive, "r:gz") as tar:
        lines = tar.extractfile("database.jsonl").read().decode().splitlines(keepends=True)
    dump = "".join(line for line in lines
                   if json.loads(line)["model"] not in backup.DERIVED_TABLES).encode()
    assert len(dump) < len("".join(lines).encode())

    def as_before_0006(member, data):
        if member.name == "database.jsonl":
            return dump, member
        if member.name == "manifest.json":
            manifest = json.loads(data)
            manifest["rows"] = {k: v for k, v in manifest["rows"].items() if k not in backup.DERIVED_TABLES}
            manifest["database_sha256"] = __import__("hashlib").sha256(dump).hexdigest()
            return json.dumps(manifest).encode(), member
        return data, member

    _rewrite(archive, old, as_before_0006)
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(old), stdout=io.StringIO())
    assert IntervalRollup.objects.exists()
    assert IntervalBucket.objects.count() == len(before["interactions.intervalbucket"])
    after = snapshot()
    for label in before:
        if label not in backup.DERIVED_TABLES:
            assert after[label] == before[label], label
    # the derived rows carry the same statistics (their ids are new) ...
    for label in backup.DERIVED_TABLES - {"interactions.rollupversion"}:
        assert sorted(row[1:] for row in after[label]) == sorted(row[1:] for row in before[label]), label
    # ... under a new version token per project with contacts (cached KPIs are not reused)
    from steward.interactions.models import RollupVersion

    with_contacts = set(IntervalRollup.objects.values_list("project_id", flat=True))
    assert set(RollupVersion.objects.values_list("project_id", flat=True)) == with_contacts
    assert not set(after["interactions.rollupversion"]) & set(before["interactions.rollupversion"])
