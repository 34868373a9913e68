"""`steward restore IN.tar.gz [--force]`: load a backup into this installation's database (which
must be migrated and empty; --force replaces what it holds) and put its uploaded files back.
Refuses unknown archive versions, damaged archives and backups from newer code."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from steward.integrations import backup


class Command(BaseCommand):
    help = "Restore a backup archive (database and uploaded files) written by `steward backup`."

    def add_arguments(self, parser):
        parser.add_argument("source", help="the archive written by `steward backup`")
        parser.add_argument("--force", action="store_true",
                            help="replace everything in a database that already holds data")

    def handle(self, *args, source: str, force: bool, **options):
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            manifest = backup.restore(path, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(f"Restored {rows} rows and {len(manifest['media'])} uploaded files "
                          f"from a backup of {manifest['created_at']}.")
