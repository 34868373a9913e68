"""`steward plan_reminders [--date YYYY-MM-DD]`: notify the assignee of every overdue plan task
(once a day per task). Without --date, "today" is taken in each project's time zone."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from steward.planning import services


class Command(BaseCommand):
    help = "Notify assignees of overdue project-plan tasks (once a day per task)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to remind for (default: today in each project's time zone)")

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not a date like 2025-03-31") from None
        sent = services.send_overdue_reminders(today)
        self.stdout.write(f"{sent} overdue-task reminder(s) sent.")
