"""Backup and restore: the whole database and the uploaded files in one versioned archive.

Archive (a gzip'd tar), format version 1:

    manifest.json     {"format": "steward-backup", "version": 1, "created_at": ...,
                       "database_vendor": "postgresql", "migrations": {app: [names applied]},
                       "rows": {"app.model": count}, "database_sha256": ...,
                       "media": [{"path": ..., "size": ..., "sha256": ...}]}
    database.jsonl    every row of every model (Django's serializer, JSON Lines, times to the µs),
                      except content types and permissions, which `migrate` recreates and which
                      other rows name by natural key
    media/…           the uploaded files (MEDIA_ROOT)

Restore refuses an unknown format or version, a damaged archive (checksums), a backup taken
with migrations this installation does not have, and a database that already holds data
(unless force=True, which first empties it). It loads everything in one transaction.
"""

import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings
from django.utils import timezone

serializers.register_serializer("stewardjsonl", "steward.integrations.serialization")

FORMAT = "steward-backup"
VERSION = 1
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]
# Rows these tables hold in a freshly migrated, otherwise empty database.
ALWAYS_PRESENT = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


class BackupError(Exception):
    """A backup that cannot be restored here; the message says why."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


# Tables recomputed from others when an older backup lacks them.
# (RollupVersion: the derived tables' version token, new whenever they are derived again.)
DERIVED_TABLES = {"interactions.intervalrollup", "interactions.intervalbucket", "interactions.calendarrollup",
                  "interactions.calendarbucket", "interactions.calendarzone", "interactions.rollupversion"}


def row_counts() -> dict[str, int]:
    return {m._meta.label_lower: m._base_manager.count() for m in apps.get_models()
            if m._meta.label_lower not in ALWAYS_PRESENT}


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def create(out: Path) -> dict:
    """Write the archive to `out` (written beside it first, then renamed: never half a file)."""
    out = Path(out)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "database.stewardjsonl"
        # One repeatable-read snapshot on PostgreSQL, so rows and counts agree.
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            call_command("dumpdata", format="stewardjsonl", natural_foreign=True, exclude=EXCLUDED, output=str(dump),
                         verbosity=0)
            counts = row_counts()
            migrations = _applied_migrations()
        root = Path(settings.MEDIA_ROOT)
        media = [{"path": p.relative_to(root).as_posix(), "size": p.stat().st_size, "sha256": _sha256_file(p)}
                 for p in _media_files()]
        manifest = {
            "format": FORMAT, "version": VERSION, "created_at": timezone.now().isoformat(),
            "database_vendor": connection.vendor, "migrations": migrations, "rows": counts,
            "database_sha256": _sha256_file(dump), "media": media,
        }
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname="database.jsonl")
            for item in media:
                archive.add(root / item["path"], arcname=f"media/{item['path']}")
        partial.replace(out)
    return manifest


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember("manifest.json")
        manifest = json.load(archive.extractfile(member))
    except (KeyError, ValueError, AttributeError) as exc:
        raise BackupError("Not a Steward backup: manifest.json is missing or unreadable.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("Not a Steward backup (unknown format).")
    if manifest.get("version") != VERSION:
        raise BackupError(f"Backup format version {manifest.get('version')!r} is not supported "
                          f"(this installation reads version {VERSION}).")
    return manifest


def _safe_media_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"Refusing an unsafe path in the archive: {name!r}.")
    return path


def database_is_empty() -> bool:
    return not any(count for count in row_counts().values())


def restore(source: Path, *, force: bool = False) -> dict:
    source = Path(source)
    try:
        archive = tarfile.open(source, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Cannot read {source}: {exc}") from exc
    with archive, tempfile.TemporaryDirectory() as work:
        manifest = read_manifest(archive)
        here = _applied_migrations()
        missing = sorted(f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
                         if name not in here.get(app, []))
        if missing:
            raise BackupError("The backup was taken with migrations this database lacks; upgrade Steward and "
                              f"run `steward migrate` first: {', '.join(missing[:10])}")
        if not database_is_empty() and not force:
            raise BackupError("The database already holds data; restore into an empty database, or pass "
                              "--force to replace everything in it.")
        try:
            member = archive.getmember("database.jsonl")
        except KeyError as exc:
            raise BackupError("The archive has no database.jsonl.") from exc
        dump = Path(work) / "database.stewardjsonl"
        with archive.extractfile(member) as handle, open(dump, "wb") as target:
            for block in iter(lambda: handle.read(1 << 20), b""):
                target.write(block)
        if _sha256_file(dump) != manifest["database_sha256"]:
            raise BackupError("database.jsonl does not match its checksum: the archive is damaged.")
        media_root = Path(settings.MEDIA_ROOT)
        staged = Path(work) / "media"
        wanted = {item["path"]: item for item in manifest.get("media", [])}
        for tar_member in archive.getmembers():
            if not tar_member.name.startswith("media/"):
                continue
            relative = _safe_media_path(tar_member.name[len("media/"):])
            if not tar_member.isfile() or relative.as_posix() not in wanted:
                raise BackupError(f"Unexpected entry in the archive: {tar_member.name!r}.")
            target = staged / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(tar_member) as handle, open(target, "wb") as out:
                out.write(handle.read())
            if _sha256_file(target) != wanted[relative.as_posix()]["sha256"]:
                raise BackupError(f"{tar_member.name} does not match its checksum: the archive is damaged.")
        found = {p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()} if staged.exists() else set()
        if found != set(wanted):
            raise BackupError("Files listed in the manifest are missing from the archive.")
        with transaction.atomic():
            if force:
                _empty_database()
            # Historical rows come from the backup itself; simple_history must not add more
            # while many-to-many fields are set.
            with override_settings(SIMPLE_HISTORY_ENABLED=False):
                call_command("loaddata", str(dump), verbosity=0)
            expected = dict(manifest["rows"])
            if not DERIVED_TABLES <= set(expected):
                # A backup from before the interval (or calendar) rollup existed: derive it from
                # the per-agent (interval) rollup the backup holds.
                from steward.core.models import Project
                from steward.interactions import store

                for project_id, time_zone in Project.objects.values_list("pk", "time_zone"):
                    if "interactions.intervalrollup" not in expected:
                        store.refresh_interval_rollups(project_id)  # and the calendar level
                    else:
                        store.refresh_calendar_rollups(project_id, time_zone)
            counts = {k: v for k, v in row_counts().items() if k in expected or k not in DERIVED_TABLES}
            if counts != expected:
                differ = sorted(k for k in set(counts) | set(expected) if counts.get(k, 0) != expected.get(k, 0))
                raise BackupError(f"Row counts after loading differ from the backup's: {', '.join(differ[:10])}")
        for relative in wanted:
            target = media_root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            (staged / relative).replace(target)
    return manifest


def _empty_database() -> None:
    """Delete every row (in the restore's transaction) except the content types and
    permissions that `migrate` made; sessions go too (they would name the wrong users)."""
    keep = {"contenttypes.contenttype", "auth.permission"}
    tables = [m._meta.db_table for m in apps.get_models(include_auto_created=True)
              if m._meta.label_lower not in keep and m._meta.managed and not m._meta.proxy]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def no_style():
    from django.core.management.color import no_style as _no_style

    return _no_style()
