"""`steward contract_reminders --days 60`: active contracts whose renewal notice deadline falls
within N days (or has passed while the contract still runs). A scheduled job runs it; it only reads."""

from django.core.management.base import BaseCommand, CommandError

from steward.contracts import selectors
from steward.vendors import selectors as vendor_selectors


class Command(BaseCommand):
    help = "List contracts whose renewal notice is due within --days days (default 60)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=selectors.DEFAULT_NOTICE_WINDOW_DAYS)

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        on = vendor_selectors.today()
        due = selectors.renewal_notices_for_reminders(within_days=days, on=on)
        if not due:
            self.stdout.write(f"No renewal notice is due by {on.isoformat()} + {days} days.")
            return
        for c in due:
            left = (c.notice_deadline - on).days
            when = f"deadline passed {-left} days ago" if left < 0 else f"give notice within {left} days"
            renewal = "renews automatically" if c.auto_renew else "ends unless renewed"
            self.stdout.write(f"{c.code}\t{c.vendor.code}\tnotice by {c.notice_deadline.isoformat()}\t{when}\t"
                              f"ends {c.end_date.isoformat()}, {renewal}")
