"""`steward vendor_reminders --days 30`: the certifications that have expired or expire within
N days, with the liaisons a reminder goes to. A scheduled job runs it; it only reads."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from steward.core.management.commands._base import cli_language
from steward.vendors import selectors


class Command(BaseCommand):
    help = "List vendor certifications that have expired or expire within --days days (default 30)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=selectors.DEFAULT_REMINDER_DAYS)

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        with translation.override(cli_language()):
            on = selectors.today()
            due = list(selectors.certifications_expiring_for_reminders(within_days=days, on=on))
            if not due:
                self.stdout.write(f"No certification expires by {on.isoformat()} + {days} days.")
                return
            for cert in due:
                left = (cert.expires_on - on).days
                when = f"expired {-left} days ago" if left < 0 else f"expires in {left} days"
                contacts = selectors.liaisons(vendor=cert.vendor)
                to = "; ".join(
                    f"{side}: {c.name} <{c.email}>" if c.email else f"{side}: {c.name}"
                    for side, c in sorted(contacts.items())
                ) or "no liaison designated"
                self.stdout.write(f"{cert.vendor.code}\t{cert.label}\t{cert.expires_on.isoformat()}\t{when}\t{to}")
