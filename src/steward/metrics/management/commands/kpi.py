"""`steward kpi --project CODE [--vendor CODE] --from DATE --to DATE [--by total|day|…]
[--metric KEY …] [--param key=value …] [--json]`: catalog metrics from the rollups.

The JSON is a list of {"group": {...}, "metrics": {"<key>": {value, numerator, denominator,
ci_low, ci_high, params, n[, reason]}}}; dates are the project's, --to inclusive."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from steward.core.management.commands._base import cli_language
from steward.metrics import engine, formulas
from steward.metrics.management.commands import _common

DEFAULT_METRICS = ["offered", "handled", "service_level", "asa_seconds", "abandon_rate", "aht_seconds",
                   "first_response_within", "resolution_within", "csat", "nps", "ces", "complaint_rate"]


class Command(BaseCommand):
    help = "Catalog metrics of a project (per vendor with --by vendor) for a date range."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--vendor")
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--by", default="total", choices=engine.GROUPINGS)
        parser.add_argument("--metric", "--metrics", dest="metrics", action="append", default=[],
                            help="a catalog key, or several separated by commas; repeatable")
        parser.add_argument("--param", action="append", default=[], help="key=value, e.g. threshold_seconds=30")
        parser.add_argument("--as", dest="as_user", help="read as this user (vendor users see their vendor only)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        with translation.override(cli_language()):
            user = _common.reader(o["as_user"])
            project = _common.project(user, o["project"])
            vendors = _common.vendor_codes(user, project, o["vendor"])
            first, last = _common.date(o["date_from"], "--from"), _common.date(o["date_to"], "--to")
            keys = [k.strip() for m in o["metrics"] for k in m.split(",") if k.strip()] or DEFAULT_METRICS
            try:
                params = formulas.params_from_text(keys, o["param"])
                period = engine.period(first, last, project.time_zone)
                rows = engine.measure(user=user, project=project, period=period, metrics=params,
                                      vendors=vendors, grouping=o["by"])
            except (KeyError, ValueError) as exc:  # ParamError and EngineError are ValueErrors
                raise CommandError(str(exc).strip("'\"")) from None
            if o["json"]:
                self.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
                return
            for row in rows:
                group = ", ".join(f"{k}={v}" for k, v in row.group.items()) or "total"
                self.stdout.write(f"[{group}]")
                for key, r in row.results.items():
                    if r.value is None:
                        self.stdout.write(f"  {key:24} —  ({r.reason})")
                        continue
                    ci = f"  95% CI {r.interval_low:.4g}–{r.interval_high:.4g}" if r.interval_low is not None else ""
                    frac = f"  {r.numerator}/{r.denominator}" if r.denominator is not None else ""
                    self.stdout.write(f"  {key:24} {r.value:.4g}{frac}{ci}  n={r.n}")
