"""`steward training daily [--date YYYY-MM-DD]`: the daily training run — agents whose required
certification has lapsed go back to "in training", then reminders go out (each only once)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from steward.core.management.commands._base import cli_language
from steward.training import services


class Command(BaseCommand):
    help = "Training: `steward training daily` suspends lapsed agents and sends training reminders."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["daily"])
        parser.add_argument("--date", default="", help="the day to run for (default: today)")

    def handle(self, *args, action, **options):
        with translation.override(cli_language()):
            try:
                day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
            except ValueError:
                raise CommandError(_("Give the date as YYYY-MM-DD.")) from None
            lapsed = services.suspend_lapsed_agents(day)
            report = services.send_training_reminders(day)
            for agent in lapsed:
                self.stdout.write(_("Back in training: %(agent)s") % {"agent": agent.code})
            self.stdout.write(_("%(reminders)s reminders sent to %(agents)s agents and %(managers)s managers.")
                              % {"reminders": report.reminders, "agents": report.agents_notified,
                                 "managers": report.managers_notified})
