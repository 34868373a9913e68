"""`steward import interactions FILE --project CODE --vendor CODE [--profile NAME] ...`"""

import os
import sys
from pathlib import Path

from django.core.management.base import CommandError

from steward.core.management.commands._base import SubcommandCommand
from steward.core.models import Project, Vendor
from steward.interactions import reasons, services


class Command(SubcommandCommand):
    help = "Import data: `steward import interactions FILE --project CODE --vendor CODE`."
    actions = {"interactions": "import contacts from a CSV, XLSX or JSON Lines file"}

    def arguments_interactions(self, parser):
        parser.add_argument("file")
        parser.add_argument("--project", required=True)
        parser.add_argument("--vendor", required=True)
        parser.add_argument("--profile", default="generic")
        parser.add_argument("--format", dest="file_format", choices=["csv", "xlsx", "jsonl"])
        parser.add_argument("--allow-rejects", action="store_true",
                            help="store the valid rows even when some rows are rejected")
        parser.add_argument("--rejects", metavar="OUT.csv", help="write the rejected rows here")

    def handle_interactions(self, *, file, project, vendor, profile, file_format, allow_rejects,
                            rejects, **_):
        project_obj = Project.objects.filter(code=project).first()
        if project_obj is None:
            raise CommandError(f"Unknown project {project}.")
        vendor_obj = Vendor.objects.filter(code=vendor).first()
        if vendor_obj is None:
            raise CommandError(f"Unknown vendor {vendor}.")
        try:
            open(file, "rb").close()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        if rejects:  # checked before the import: it commits before the rejects are written
            _check_writable(rejects)
        result = services.import_file(
            actor=None, project=project_obj, vendor=vendor_obj, path=file, profile=profile,
            file_format=file_format, allow_rejects=allow_rejects,
        )
        batch = result.batch
        self.stdout.write(
            f"import #{batch.pk} {batch.get_status_display()}: inserted {result.inserted}, "
            f"updated {result.updated}, rejected {result.rejected}, skipped {result.skipped}, "
            f"duplicates {result.duplicates} (last wins)"
        )
        if rejects:
            try:
                with open(rejects, "w", encoding="utf-8-sig", newline="") as out:
                    out.write(services.reject_csv(batch))
            except OSError as error:
                raise CommandError(f"Import #{batch.pk} is {batch.get_status_display()}, but its rejects could "
                                   f"not be written to {rejects}: {error.strerror}.") from None
        if batch.error:
            raise CommandError(batch.shown_error)
        for row in batch.rejected_rows.order_by("line", "id")[:20]:
            named = not row.column or reasons.names_column(row.message)
            self.stderr.write(f"  line {row.line}: {'' if named else row.column + ': '}{row.shown_reason}")
        reported = result.rejected + result.duplicates
        if reported > 20:
            self.stderr.write(f"  ... {reported - 20} more (use --rejects OUT.csv)")
        if result.rejected and not allow_rejects:
            self.stderr.write("Nothing was stored: rows were rejected (use --allow-rejects to store the rest).")
            sys.exit(1)


def _check_writable(path: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise CommandError(f"--rejects {path} is a directory; name a file.")
    # an existing file needs only itself writable (e.g. /dev/stdout); a new one, its directory
    writable = os.access(target, os.W_OK) if target.exists() else (
        target.parent.is_dir() and os.access(target.parent, os.W_OK))
    if not writable:
        raise CommandError(f"--rejects {path}: cannot write there (no such directory, or no permission).")
