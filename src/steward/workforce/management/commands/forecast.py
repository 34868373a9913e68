"""`steward forecast --project CODE --horizon-days N [--vendor CODE] [--queue Q] [--json]`:
contacts per day (and half-hour, in JSON) with the 80 % band, hold-out accuracy, and the
staffing the forecast needs. `steward forecast --check-gaps` runs the staffing-gap check for
every commitment and notifies people (the scheduler's job). Method: docs/staffing.md."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from steward.core.management.commands._base import cli_language
from steward.metrics.management.commands._common import project as find_project
from steward.metrics.management.commands._common import reader
from steward.workforce import selectors, services


class Command(BaseCommand):
    help = "Forecast contacts and the staffing they need: steward forecast --project CODE --horizon-days 14 [--json]."

    def add_arguments(self, parser):
        parser.add_argument("--project", help="project code")
        parser.add_argument("--horizon-days", type=int, default=14, help="days to forecast (1–92)")
        parser.add_argument("--vendor", default=None, help="one vendor's contacts and commitment")
        parser.add_argument("--queue", default="", help="one queue only")
        parser.add_argument("--as", dest="as_user", default=None, help="read as this user (a vendor user: its vendor only)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--check-gaps", action="store_true",
                            help="check every commitment for a staffing gap and notify (no other output)")

    def handle(self, *args, **o):
        with translation.override(cli_language()):
            self._handle(**o)

    def _handle(self, **o):
        if o["check_gaps"]:
            alerts = services.gap_check_all()
            self.stdout.write(_("%(n)s new staffing-gap alert(s).") % {"n": len(alerts)})
            return
        if not o["project"]:
            raise CommandError(_("Give --project CODE."))
        user = reader(o["as_user"])
        project = find_project(user, o["project"])
        vendor = None
        if o["vendor"]:
            vendor = next((v for v in selectors.vendors_of(user=user, project=project) if v.code == o["vendor"]), None)
            if vendor is None:
                raise CommandError(_("No vendor %(code)s on this project.") % {"code": o["vendor"]})
        try:
            plan = selectors.staffing_plan(user=user, project=project, vendor=vendor, horizon_days=o["horizon_days"],
                                           queue=o["queue"])
        except selectors.PlanError as exc:
            raise CommandError(str(exc)) from None
        fc = plan.pf.forecast
        if o["json"]:
            self.stdout.write(json.dumps({"project": project.code, "vendor": vendor.code if vendor else None,
                                          "forecast": fc.as_dict(), "staffing": plan.as_dict()},
                                         ensure_ascii=False, indent=2))
            return
        acc = fc.accuracy
        if acc:
            self.stdout.write(_("Hold-out of %(n)s days: MAPE %(mape).1f%%, bias %(bias)+.1f%% (naive: MAPE %(nm).1f%%)") % {
                "n": acc.holdout_days, "mape": 100 * (acc.mape or 0), "bias": 100 * (acc.bias or 0),
                "nm": 100 * (acc.naive_mape or 0)})
        self.stdout.write(_("date        contacts   80% band          peak agents  scheduled  FTE"))
        for d, lo, hi, line in zip(fc.days, fc.low, fc.high, plan.days, strict=True):
            self.stdout.write(f"{d.isoformat()}  {line.contacts:8.1f}   {lo:7.1f} – {hi:7.1f}   {line.peak_agents:11d}"
                              f"  {line.peak_scheduled:9d}  {line.fte:5.1f}")
        t = plan.totals
        self.stdout.write(_("Total %(c).0f contacts, %(fte).1f FTE over the horizon.") % {"c": t.contacts, "fte": t.fte})
        if vendor is not None and plan.first_short_day:
            self.stdout.write(_("Staffing gap: the committed seats miss the SLA target from %(day)s.")
                              % {"day": plan.first_short_day.isoformat()})
