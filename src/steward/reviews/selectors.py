"""Reads for vendor scorecards and review packs. Every query starts from visible_to(user), so a
vendor user only ever sees its own vendor's numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import Count, Min, Q, Sum
from django.utils.translation import gettext as _

from steward.contracts import pricing
from steward.contracts.models import Contract, ContractRate
from steward.core.models import Project, Vendor
from steward.improvement.models import CapaEvent, CorrectiveAction
from steward.interactions.models import Interaction, IntervalRollup
from steward.metrics import engine, sla
from steward.metrics import selectors as metrics_selectors
from steward.quality.models import Evaluation
from steward.reviews import scoring
from steward.reviews.models import WeightSet

RESPONSE_DAYS = 5  # a vendor answers a corrective action within this many days to count as responsive
TREND_MONTHS = 6
DEFAULT_WEIGHTS = {"sla": Decimal(35), "qa": Decimal(25), "csat": Decimal(20), "capa": Decimal(10),
                   "compliance": Decimal(10)}
QA_DONE = (Evaluation.Status.SUBMITTED, Evaluation.Status.ACKNOWLEDGED, Evaluation.Status.DISPUTED,
           Evaluation.Status.FINAL)


class PeriodError(ValueError):
    pass


def parse_month(text: str) -> dt.date:
    """'2026-10' → 2026-10-01; anything else is a clear error."""
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        raise PeriodError(_("Give the month as YYYY-MM, e.g. 2026-10.")) from None


def month_last(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def add_months(first: dt.date, months: int) -> dt.date:
    m = first.month - 1 + months
    return dt.date(first.year + m // 12, m % 12 + 1, 1)


def last_month(today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    return add_months(today.replace(day=1), -1)


# --------------------------------------------------------------------------- lookups


def vendor_list(*, user):
    return Vendor.objects.visible_to(user).order_by("code")


def vendor_get(*, user, code: str) -> Vendor:
    return Vendor.objects.visible_to(user).get(code=code)


def weights_get() -> WeightSet | None:
    return WeightSet.objects.filter(is_default=True).first()


def weights_dict(weight_set: WeightSet | None = None) -> dict[str, Decimal]:
    ws = weight_set or weights_get()
    return ws.as_dict() if ws else dict(DEFAULT_WEIGHTS)


def vendor_projects(*, user, vendor: Vendor) -> list[Project]:
    return list(Project.objects.visible_to(user).filter(vendors=vendor).order_by("code"))


def compliance_model():
    """quality.ComplianceHit when that model exists (it arrived after this app was written)."""
    try:
        return apps.get_model("quality", "ComplianceHit")
    except LookupError:
        return None


# --------------------------------------------------------------------------- SLA


@dataclass
class SlaResult:
    contract: Contract
    project: Project
    period: engine.Period
    fee: Decimal
    fee_note: str
    evaluation: sla.Evaluation


def _usage(*, user, project: Project, vendor: Vendor, period: engine.Period, seats: Decimal) -> pricing.Usage:
    row = IntervalRollup.objects.visible_to(user).filter(
        project=project, vendor=vendor, interval_start__gte=period.start, interval_start__lt=period.end,
    ).aggregate(handled=Sum("answered"), handle=Sum("handle_sum"), resolved=Sum("outcome_resolved"))
    minutes = (Decimal(row["handle"] or 0) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return pricing.Usage(fte=seats, handled_contacts=row["handled"] or 0, minutes=minutes,
                         resolved_tickets=row["resolved"] or 0)


def committed_seats(*, user, project: Project, vendor: Vendor, on: dt.date) -> Decimal:
    from steward.workforce.models import Commitment

    c = (Commitment.objects.visible_to(user).filter(project=project, vendor=vendor, effective_from__lte=on)
         .order_by("-effective_from").first())
    return c.seats if c else Decimal(0)


def sla_results(*, user, vendor: Vendor, month: dt.date) -> list[SlaResult]:
    """The month's SLA evaluation of each of the vendor's active contracts with a policy, per
    project. The fee is the contract's pricing applied to that project's volumes of the month
    (per-FTE contracts: the committed seats); credits and bonuses follow the contract's policy."""
    first, last = month, month_last(month)
    contracts = (Contract.objects.visible_to(user).filter(vendor=vendor).exclude(sla_policy_text="")
                 .filter(start_date__lte=last).filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
                 .exclude(status=Contract.Status.DRAFT).order_by("code"))
    out = []
    for contract in contracts:
        try:
            policy = sla.parse_policy(contract.sla_policy_text)
        except sla.SlaValidationError:
            continue
        policy = sla.SlaPolicy(policy.sla, policy.version, policy.at_risk_percent,
                               tuple(t for t in policy.terms if t.period == "month"), policy.calendar)
        if not policy.terms:
            continue
        rates = [r.as_pricing_rate() for r in ContractRate.objects.visible_to(user).filter(contract=contract)]
        for project in contract.projects.filter(pk__in=Project.objects.visible_to(user).values("pk")).order_by("code"):
            period = engine.period(first, last, project.time_zone)
            seats = committed_seats(user=user, project=project, vendor=vendor, on=last)
            usage = _usage(user=user, project=project, vendor=vendor, period=period, seats=seats)
            note = ""
            try:
                fee = pricing.period_charge(model=contract.pricing_model, rates=rates, start=first,
                                            end=last + dt.timedelta(days=1), usage=usage,
                                            rounding=contract.rounding).total
            except pricing.PricingError as exc:
                fee, note = Decimal("0.00"), str(exc)
            # Measured exactly as the SLA page measures (FCR and QA included): one standard.
            results = [metrics_selectors.results_by_vendor(
                user=user, project=project, period=period, vendors=[vendor.code], key=term.metric,
                params=term.clean_params, scope=term.scope_values)[vendor.code] for term in policy.terms]
            out.append(SlaResult(contract, project, period, fee, note, sla.evaluate(policy, results, fee)))
    return out


# --------------------------------------------------------------------------- components


def _sla_component(results: list[SlaResult]) -> scoring.Component:
    rows, met, judged = [], 0, 0
    for r in results:
        for o in r.evaluation.terms:
            rows.append({"contract": r.contract.code, "project": r.project.code, "metric": o.metric,
                         "label": o.label, "target": o.target,
                         "value": round(o.result.value, 4) if o.result is not None and o.result.value is not None else None,
                         "status": o.status,
                         "credit": o.credit, "bonus": o.bonus})
            if o.status != "no_data":
                judged += 1
                met += o.status == "met"
    return scoring.Component("sla", scoring.ratio_score(met, judged), met, judged,
                             _("%(met)s of %(judged)s SLA terms met") % {"met": met, "judged": judged}, tuple(rows))


def _qa_component(*, user, vendor: Vendor, start: dt.datetime, end: dt.datetime) -> scoring.Component:
    rows = list(Evaluation.objects.visible_to(user)
                .filter(vendor=vendor, status__in=QA_DONE, submitted_at__gte=start, submitted_at__lt=end,
                        score__isnull=False)
                .values("interaction__project__code").annotate(n=Count("pk"), total=Sum("score"))
                .order_by("interaction__project__code"))
    n = sum(r["n"] for r in rows)
    total = sum((r["total"] for r in rows), Decimal(0))
    score = (total / n).quantize(Decimal("0.0001"), ROUND_HALF_UP) if n else None
    return scoring.Component("qa", score, total, n, _("mean of %(n)s QA evaluations") % {"n": n},
                             tuple({"project": r["interaction__project__code"], "evaluations": r["n"],
                                    "mean": (r["total"] / r["n"]).quantize(Decimal("0.01"))} for r in rows))


def _csat_component(*, user, vendor: Vendor, projects: list[Project], first: dt.date, last: dt.date) -> scoring.Component:
    rows, top, answers = [], 0, 0
    for project in projects:
        period = engine.period(first, last, project.time_zone)
        stats = engine.contact_stats(user=user, project=project, period=period, vendors=[vendor.code])[()]
        r = engine.result_for("csat", stats)
        if r.denominator:
            top += int(r.numerator)
            answers += int(r.denominator)
            rows.append({"project": project.code, "top_box": int(r.numerator), "answers": int(r.denominator),
                         "value": round(r.value, 4)})
    return scoring.Component("csat", scoring.ratio_score(top, answers), top, answers,
                             _("%(top)s of %(n)s survey answers in the top two boxes") % {"top": top, "n": answers},
                             tuple(rows))


def _capa_component(*, user, vendor: Vendor, start: dt.datetime, end: dt.datetime, first: dt.date,
                    last: dt.date) -> scoring.Component:
    """Two checks per corrective action: opened this month → answered within RESPONSE_DAYS;
    due this month → closed by its due date."""
    capas = CorrectiveAction.objects.visible_to(user).filter(vendor=vendor)
    rows, ok, judged = [], 0, 0
    opened = capas.filter(opened_at__gte=start, opened_at__lt=end)
    responses = dict(CapaEvent.objects.visible_to(user).filter(capa__in=opened, to_status="responded")
                     .values_list("capa_id").annotate(first=Min("at")))
    for c in opened.order_by("opened_at"):
        answered = responses.get(c.pk)
        in_time = answered is not None and answered - c.opened_at <= dt.timedelta(days=RESPONSE_DAYS)
        judged += 1
        ok += in_time
        rows.append({"capa": c.pk, "title": c.title, "check": "response", "ok": in_time,
                     "when": answered})
    for c in capas.filter(due_date__gte=first, due_date__lte=last).order_by("due_date"):
        closed_in_time = c.closed_at is not None and c.closed_at.date() <= c.due_date
        judged += 1
        ok += closed_in_time
        rows.append({"capa": c.pk, "title": c.title, "check": "closure", "ok": closed_in_time, "when": c.closed_at})
    return scoring.Component("capa", scoring.ratio_score(ok, judged), ok, judged,
                             _("%(ok)s of %(n)s corrective-action deadlines kept") % {"ok": ok, "n": judged},
                             tuple(rows))


def _compliance_component(*, user, vendor: Vendor, start: dt.datetime, end: dt.datetime) -> scoring.Component | None:
    hit_model = compliance_model()
    if hit_model is None:
        return None
    contacts = (Interaction.objects.visible_to(user)
                .filter(vendor=vendor, arrived_at__gte=start, arrived_at__lt=end).exclude(transcript="").count())
    hits = hit_model.objects.visible_to(user).filter(vendor=vendor, arrived_at__gte=start, arrived_at__lt=end)
    flagged = hits.values("interaction_id").distinct().count()
    by_kind = list(hits.values("kind").annotate(n=Count("pk")).order_by("kind"))
    clean = max(contacts - flagged, 0)
    return scoring.Component("compliance", scoring.ratio_score(clean, contacts), clean, contacts,
                             _("%(clean)s of %(n)s scanned contacts without a compliance hit")
                             % {"clean": clean, "n": contacts},
                             tuple({"kind": r["kind"], "hits": r["n"]} for r in by_kind))


def components(*, user, vendor: Vendor, month: dt.date, results: list[SlaResult] | None = None) -> list[scoring.Component]:
    first, last = month, month_last(month)
    projects = vendor_projects(user=user, vendor=vendor)
    tz = projects[0].time_zone if projects else "Asia/Shanghai"
    whole = engine.period(first, last, tz)
    if results is None:
        results = sla_results(user=user, vendor=vendor, month=month)
    out = [
        _sla_component(results),
        _qa_component(user=user, vendor=vendor, start=whole.start, end=whole.end),
        _csat_component(user=user, vendor=vendor, projects=projects, first=first, last=last),
        _capa_component(user=user, vendor=vendor, start=whole.start, end=whole.end, first=first, last=last),
    ]
    compliance = _compliance_component(user=user, vendor=vendor, start=whole.start, end=whole.end)
    if compliance is not None:
        out.append(compliance)
    return out


def scorecard(*, user, vendor: Vendor, month: dt.date, weights: dict | None = None) -> scoring.Score:
    return scoring.combine(components(user=user, vendor=vendor, month=month), weights or weights_dict())


def _quick_total(*, user, vendor: Vendor, month: dt.date, weights: dict) -> Decimal | None:
    return scorecard(user=user, vendor=vendor, month=month, weights=weights).total


@dataclass
class BoardRow:
    vendor: Vendor
    score: scoring.Score
    rank: int | None
    trend: list[tuple[dt.date, Decimal | None]]
    change: Decimal | None  # against the previous month


def scoreboard(*, user, month: dt.date, weights: dict | None = None, trend_months: int = TREND_MONTHS) -> list[BoardRow]:
    weights = weights or weights_dict()
    vendors = [v for v in vendor_list(user=user) if v.projects.exists()]
    months = [add_months(month, -k) for k in range(trend_months - 1, -1, -1)]
    trend = {v.code: [] for v in vendors}
    scores = {}
    for v in vendors:
        for m in months:
            s = scorecard(user=user, vendor=v, month=m, weights=weights)
            trend[v.code].append((m, s.total))
            if m == month:
                scores[v.code] = s
    ranks = scoring.rank({code: s.total for code, s in scores.items()})
    rows = []
    for v in vendors:
        previous = trend[v.code][-2][1] if len(trend[v.code]) > 1 else None
        total = scores[v.code].total
        change = total - previous if total is not None and previous is not None else None
        rows.append(BoardRow(v, scores[v.code], ranks[v.code], trend[v.code], change))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.vendor.code))
    return rows
