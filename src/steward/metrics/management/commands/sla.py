"""`steward sla evaluate --project CODE --vendor CODE --policy NAME --period 2026-10 [--fee N]
[--json]` and `steward sla backtest POLICY.yaml --project CODE --vendor CODE --from DATE --to DATE
[--per month|week|day] [--fee N] [--json]` (a draft from a file; nothing is saved)."""

import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from steward.core.management.commands._base import SubcommandCommand
from steward.metrics import selectors, sla
from steward.metrics.management.commands import _common
from steward.metrics.models import SlaPolicy


def outcome_dict(o: sla.TermOutcome) -> dict:
    return {"index": o.index, "metric": o.metric, "label": o.label, "target": o.target, "status": o.status,
            "result": o.result.as_dict() if o.result is not None else None,
            "credit_percent": str(o.credit_percent), "credit": str(o.credit), "bonus": str(o.bonus)}


def evaluation_dict(ev: selectors.PeriodEvaluation, vendor: str) -> dict:
    e = ev.evaluation
    return {"sla": e.sla, "version": e.version, "vendor": vendor, "period": ev.label, "kind": ev.kind,
            "from": ev.period.first.isoformat(), "to": ev.period.last.isoformat(), "fee": str(e.fee),
            "pool": str(e.pool), "total_credit": str(e.total_credit), "total_bonus": str(e.total_bonus),
            "net": str(e.net), "capped": e.capped, "terms": [outcome_dict(o) for o in e.terms],
            "not_judged_this_period": list(ev.skipped_terms)}


class Command(SubcommandCommand):
    help = "Evaluate SLA policies on the rollups."
    actions = {"evaluate": "evaluate a saved policy on one period",
               "backtest": "evaluate a draft policy file on a past date range (nothing saved)"}

    def _common_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--vendor", required=True)
        parser.add_argument("--fee", default="0", help="the period's fee (Decimal); credits are shares of it")
        parser.add_argument("--as", dest="as_user")
        parser.add_argument("--json", action="store_true")

    def arguments_evaluate(self, parser):
        self._common_arguments(parser)
        parser.add_argument("--policy", required=True, help="policy name (its sla: field)")
        parser.add_argument("--version", type=int, help="default: the newest")
        parser.add_argument("--period", required=True, help="2026-10, 2026-W40 or 2026-10-05")

    def arguments_backtest(self, parser):
        parser.add_argument("policy_file")
        self._common_arguments(parser)
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--per", default="month", choices=selectors.PERIOD_KINDS)

    def _scope(self, o):
        user = _common.reader(o["as_user"])
        project = _common.project(user, o["project"])
        [vendor] = _common.vendor_codes(user, project, o["vendor"])
        return user, project, vendor, _common.fee(o["fee"])

    def _show(self, evaluations, vendor, as_json):
        if as_json:
            self.stdout.write(json.dumps([evaluation_dict(ev, vendor) for ev in evaluations], ensure_ascii=False,
                                         indent=2))
            return
        for ev in evaluations:
            e = ev.evaluation
            self.stdout.write(f"{e.sla} v{e.version} · {vendor} · {ev.label} · pool {e.pool}")
            for o in e.terms:
                value = "—" if o.result is None or o.result.value is None else f"{o.result.value:.4g}"
                if o.index in ev.skipped_terms:
                    value = "(another period kind)"
                self.stdout.write(f"  {o.label:40} {o.target:>8} {value:>10} {o.status:8} credit {o.credit}"
                                  f" bonus {o.bonus}")
            self.stdout.write(f"  credits {e.total_credit}, bonuses {e.total_bonus}, net {e.net}")

    def handle_evaluate(self, **o):
        user, project, vendor, fee = self._scope(o)
        try:
            row = selectors.policy_by_name(user=user, project=project, name=o["policy"], version=o["version"])
        except SlaPolicy.DoesNotExist:
            raise CommandError(_("Project %(project)s has no SLA policy %(name)s.")
                               % {"project": project.code, "name": o["policy"]}) from None
        try:
            kind, day = selectors.parse_period(o["period"])
            policy = sla.parse_policy(row.yaml_text)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        ev = selectors.evaluate_period(user=user, project=project, policy=policy, vendor=vendor, kind=kind, day=day,
                                       fee=fee)
        self._show([ev], vendor, o["json"])

    def handle_backtest(self, **o):
        user, project, vendor, fee = self._scope(o)
        try:
            text = Path(o["policy_file"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": o["policy_file"], "error": exc}) from None
        try:
            policy = sla.parse_policy(text)
        except sla.SlaValidationError as exc:
            raise CommandError(_("The policy has errors:") + "\n" + "\n".join(str(e) for e in exc.errors)) from None
        first, last = _common.date(o["date_from"], "--from"), _common.date(o["date_to"], "--to")
        try:
            evs = selectors.evaluate_range(user=user, project=project, policy=policy, vendor=vendor, first=first,
                                           last=last, fee=fee, kind=o["per"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self._show(evs, vendor, o["json"])
