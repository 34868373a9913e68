"""`steward backup OUT.tar.gz`: the database and the uploaded files in one versioned archive
(see steward.integrations.backup for the format). Safe while Steward runs: the database is
read in one snapshot on PostgreSQL."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from steward.integrations import backup


class Command(BaseCommand):
    help = "Write a backup archive (database and uploaded files) to OUT."

    def add_arguments(self, parser):
        parser.add_argument("out", help="the archive to write, e.g. steward-2026-11-23.tar.gz")

    def handle(self, *args, out: str, **options):
        path = Path(out)
        if path.exists():
            raise CommandError(f"{path} exists; choose a new file name.")
        if not path.parent.exists():
            raise CommandError(f"The folder {path.parent} does not exist.")
        manifest = backup.create(path)
        rows = sum(manifest["rows"].values())
        self.stdout.write(f"Wrote {path}: format {manifest['format']} v{manifest['version']}, {rows} rows in "
                          f"{len(manifest['rows'])} tables, {len(manifest['media'])} uploaded files.")
