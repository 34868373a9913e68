"""`steward capa overdue`: corrective actions past their due date or with overdue steps."""

from django.core.management.base import BaseCommand
from django.utils import translation

from steward.core.management.commands._base import cli_language
from steward.improvement import selectors


class Command(BaseCommand):
    help = "Corrective actions: `steward capa overdue` lists unclosed cases that are late or have late steps."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["overdue"])

    def handle(self, *args, action, **options):
        with translation.override(cli_language()):
            cases = selectors.capa_overdue()
            if not cases:
                self.stdout.write("No corrective action is overdue.")
                return
            for c in cases:
                project = c.project.code if c.project_id else "-"
                mark = "OVERDUE" if c.urgency == "overdue" else "late steps"
                self.stdout.write(f"{c.reference}\t{c.vendor.code}\t{project}\t{c.get_status_display()}\t"
                                  f"due {c.due_date.isoformat()}\t{mark}\t{c.title}")
            self.stdout.write(f"{len(cases)} corrective action(s) need attention.")
