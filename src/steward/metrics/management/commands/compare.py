"""`steward compare --project CODE --metric KEY --a-from DATE --a-to DATE [--b-from DATE --b-to DATE]
[--vendor-a CODE] [--vendor-b CODE] [--param key=value …] [--as USER] [--json]`.

Two vendors in one period (give --vendor-a and --vendor-b, A's dates) or one vendor — or all,
without --vendor-a — in two periods (give B's dates): the two-proportion test for shares, Welch's
t for means, and the verdict in plain language. The JSON is the API's /metrics/CODE/compare."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from steward.core.management.commands._base import cli_language
from steward.metrics import compare as compare_mod
from steward.metrics import engine
from steward.metrics.management.commands import _common


class Command(BaseCommand):
    help = "Compare one metric between two vendors, or between two periods of one vendor (or all)."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--metric", required=True, help=", ".join(compare_mod.COMPARABLE))
        parser.add_argument("--a-from", required=True)
        parser.add_argument("--a-to", required=True)
        parser.add_argument("--b-from", help="default: A's dates (compare two vendors)")
        parser.add_argument("--b-to")
        parser.add_argument("--vendor-a", default="", help="default: every vendor")
        parser.add_argument("--vendor-b", help="default: --vendor-a (compare two periods)")
        parser.add_argument("--param", action="append", default=[], help="key=value, e.g. threshold_seconds=30")
        parser.add_argument("--as", dest="as_user", help="read as this user (vendor users see their vendor only)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        from steward.metrics.views import comparison_view

        with translation.override(cli_language()):
            user = _common.reader(o["as_user"])
            project = _common.project(user, o["project"])
            if bool(o["b_from"]) != bool(o["b_to"]):
                raise CommandError("give both --b-from and --b-to, or neither")
            dates = {k: _common.date(o[k], f"--{k.replace('_', '-')}") if o[k] else None
                     for k in ("a_from", "a_to", "b_from", "b_to")}
            try:
                compared = compare_mod.from_request(user=user, project=project, metric=o["metric"],
                                                    a_vendor=o["vendor_a"], b_vendor=o["vendor_b"],
                                                    param_pairs=o["param"], **dates)
            except (KeyError, ValueError) as exc:
                raise CommandError(str(exc).strip("'\"")) from None
            names = {v.code: v.name for v in engine.visible_vendors(user=user, project=project)}
            view = comparison_view(compared, names)
            if o["json"]:
                self.stdout.write(json.dumps({**compared.as_dict(), "sentence": view["sentence"]},
                                             ensure_ascii=False, indent=2))
                return
            c = compared.comparison
            for side, r, name in (("A", compared.result_a, view["a"]), ("B", compared.result_b, view["b"])):
                value = "—" if r.value is None else f"{r.value:.4g}"
                self.stdout.write(f"{side} {name}: {value}  n={r.n}")
            if c.difference is not None:
                ci = f" (95% CI {c.interval.low:.4g} – {c.interval.high:.4g})" if c.interval.low is not None else ""
                self.stdout.write(f"B − A = {c.difference:.4g}{ci}, p = {c.p_value if c.p_value is None else f'{c.p_value:.3g}'}")
            self.stdout.write(view["sentence"])
