"""`steward reminders actions [--days N]`: the action items that are overdue or due soon,
grouped by owner, so a scheduler (cron, a task) can pass them on to each owner."""

import json
from itertools import groupby

from django.core.management.base import CommandError

from steward.collaboration import selectors
from steward.core.management.commands._base import SubcommandCommand


class Command(SubcommandCommand):
    help = "Reminders: `steward reminders actions [--days N] [--json]` lists overdue and soon-due action items."
    actions = {"actions": "action items overdue or due within --days days, per owner"}

    def arguments_actions(self, parser):
        parser.add_argument("--days", type=int, default=selectors.DUE_SOON_DAYS,
                            help="how many days ahead counts as due soon (default %(default)s)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="one JSON object per line")

    def handle_actions(self, *, days, as_json: bool = False, **_):
        if days < 0:
            raise CommandError("--days must be 0 or more")
        items = selectors.action_reminders(soon_days=days)
        items.sort(key=lambda i: (i.owner.username, i.due_date, i.pk))
        if as_json:
            for i in items:
                self.stdout.write(_json_line(i))
            return
        if not items:
            self.stdout.write("No action item is overdue or due within %d days." % days)
            return
        for owner, group in groupby(items, key=lambda i: i.owner):
            contact = f" <{owner.email}>" if owner.email else ""
            self.stdout.write(f"{owner.get_full_name() or owner.username} ({owner.username}){contact}")
            for i in group:
                late = (i.today - i.due_date).days
                when = f"OVERDUE by {late} day(s)" if late > 0 else f"due in {-late} day(s)"
                self.stdout.write(f"  [{when}] {i.title} — {i.meeting.project.code} / {i.meeting.title} "
                                  f"(due {i.due_date.isoformat()}, {i.status})")
        overdue = sum(1 for i in items if i.urgency == "overdue")
        self.stdout.write(f"{len(items)} action item(s): {overdue} overdue, {len(items) - overdue} due soon.")


def _json_line(item) -> str:
    return json.dumps({
        "id": item.pk, "title": item.title, "owner": item.owner.username, "email": item.owner.email,
        "project": item.meeting.project.code, "meeting": item.meeting.title, "due_date": item.due_date.isoformat(),
        "status": item.status, "urgency": str(item.urgency), "days_late": max(0, (item.today - item.due_date).days),
    }, ensure_ascii=False)
