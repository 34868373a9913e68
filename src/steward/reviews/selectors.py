"""Reads for vendor scorecards and review packs. Every query starts from visible_to(user), so a
vendor user only ever sees its own vendor's numbers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Sum
from django.utils.translation import gettext as _

from steward.contracts import pricing
from steward.contracts.models import Contract, ContractRate
from steward.core.forms import month_refusal
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
    """'2026-10' → 2026-10-01; anything else is a clear error, as is a month outside
    core.forms.MONTH_YEARS (9999-12 would overflow the trend's and the month's arithmetic)."""
    try:
        month = dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        raise PeriodError(_("Give the month as YYYY-MM, e.g. 2026-10.")) from None
    refusal = month_refusal(month)
    if refusal:
        raise PeriodError(refusal)
    return month


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


# --------------------------------------------------------------------------- reads


class Reads:
    """What the scorecards of some vendors read, each read once for all of them: every query
    below is grouped by vendor (one query for the board's vendors, not one per vendor and month),
    and the engine's statistics of a project and period are shared by the SLA terms and the CSAT
    component that ask for them. A board makes one for its vendors and months; ``components``
    of a single vendor makes its own. The numbers are the same either way: only the number of
    queries differs."""

    def __init__(self, *, user, vendors: Sequence[Vendor]):
        self.user = user
        self.vendor_pks = sorted({v.pk for v in vendors})
        self.codes = sorted({v.code for v in vendors})
        self.measured: dict = {}  # the engine's statistics (metrics.selectors.results_by_vendor's memo)
        self._done: dict = {}

    def _once(self, key, compute):
        if key not in self._done:
            self._done[key] = compute()
        return self._done[key]

    def projects(self, vendor: Vendor) -> list[Project]:
        """``vendor_projects``: the vendor's projects the user may see, by code."""
        def read():
            out = defaultdict(list)
            links = (Project.vendors.through.objects
                     .filter(vendor_id__in=self.vendor_pks, project__in=Project.objects.visible_to(self.user))
                     .select_related("project").order_by("project__code"))
            for link in links:
                out[link.vendor_id].append(link.project)
            return out
        return self._once("projects", read)[vendor.pk]

    def contracts(self, vendor: Vendor, first: dt.date, last: dt.date) -> list[Contract]:
        """The vendor's contracts with an SLA policy, not drafts, in force some day of first…last,
        by code; each with its ``visible_rates`` and ``visible_projects`` (by code)."""
        def read():
            visible = Project.objects.visible_to(self.user).values("pk")
            return list(Contract.objects.visible_to(self.user).filter(vendor_id__in=self.vendor_pks)
                        .exclude(sla_policy_text="").exclude(status=Contract.Status.DRAFT).order_by("code")
                        .prefetch_related(
                            Prefetch("rates", queryset=ContractRate.objects.visible_to(self.user),
                                     to_attr="visible_rates"),
                            Prefetch("projects", queryset=Project.objects.filter(pk__in=visible).order_by("code"),
                                     to_attr="visible_projects")))
        return [c for c in self._once("contracts", read)
                if c.vendor_id == vendor.pk and c.start_date <= last and (c.end_date is None or c.end_date >= first)]

    def month_policy(self, contract: Contract) -> sla.SlaPolicy | None:
        """The contract's SLA policy with its monthly terms only; None when it has none or does
        not parse."""
        def read():
            try:
                policy = sla.parse_policy(contract.sla_policy_text)
            except sla.SlaValidationError:
                return None
            terms = tuple(t for t in policy.terms if t.period == "month")
            return sla.SlaPolicy(policy.sla, policy.version, policy.at_risk_percent, terms,
                                 policy.calendar) if terms else None
        return self._once(("policy", contract.pk), read)

    def seats(self, project: Project, vendor: Vendor, on: dt.date) -> Decimal:
        """``committed_seats``: the seats of the newest commitment in effect on ``on``."""
        def read():
            from steward.workforce.models import Commitment

            out = defaultdict(list)  # (project, vendor) → commitments, newest first
            for c in (Commitment.objects.visible_to(self.user).filter(vendor_id__in=self.vendor_pks)
                      .order_by("-effective_from")):
                out[(c.project_id, c.vendor_id)].append(c)
            return out
        c = next((c for c in self._once("seats", read)[(project.pk, vendor.pk)] if c.effective_from <= on), None)
        return c.seats if c else Decimal(0)

    def usage(self, project: Project, vendor: Vendor, period: engine.Period, seats: Decimal) -> pricing.Usage:
        """The vendor's volumes in the project and period, as its contract's pricing reads them."""
        def read():
            return {row.pop("vendor_id"): row for row in IntervalRollup.objects.visible_to(self.user).filter(
                project=project, vendor_id__in=self.vendor_pks, interval_start__gte=period.start,
                interval_start__lt=period.end,
            ).values("vendor_id").annotate(handled=Sum("answered"), handle=Sum("handle_sum"),
                                           resolved=Sum("outcome_resolved")).order_by()}
        row = self._once(("usage", project.pk, period), read).get(vendor.pk, {})
        minutes = (Decimal(row.get("handle") or 0) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return pricing.Usage(fte=seats, handled_contacts=row.get("handled") or 0, minutes=minutes,
                             resolved_tickets=row.get("resolved") or 0)

    def result(self, *, project: Project, period: engine.Period, vendor: Vendor, key: str, params=None,
               scope=None):
        """One catalog metric of the vendor, measured as the SLA page measures it."""
        return metrics_selectors.results_by_vendor(
            user=self.user, project=project, period=period, vendors=self.codes, key=key, params=params,
            scope=scope, memo=self.measured)[vendor.code]

    def qa(self, vendor: Vendor, start: dt.datetime, end: dt.datetime) -> list[dict]:
        """The vendor's submitted QA evaluations of [start, end): count and sum per project code."""
        def read():
            out = defaultdict(list)
            for row in (Evaluation.objects.visible_to(self.user)
                        .filter(vendor_id__in=self.vendor_pks, status__in=QA_DONE, submitted_at__gte=start,
                                submitted_at__lt=end, score__isnull=False)
                        .values("vendor_id", "interaction__project__code").annotate(n=Count("pk"), total=Sum("score"))
                        .order_by("vendor_id", "interaction__project__code")):
                out[row.pop("vendor_id")].append(row)
            return out
        return self._once(("qa", start, end), read)[vendor.pk]

    def capas(self, vendor: Vendor, start: dt.datetime, end: dt.datetime, first: dt.date, last: dt.date):
        """(the vendor's corrective actions opened in [start, end) by opening, each with
        ``responded``: its first response or None; those due first…last, by due date)."""
        def read():
            capas = CorrectiveAction.objects.visible_to(self.user).filter(vendor_id__in=self.vendor_pks)
            opened = list(capas.filter(opened_at__gte=start, opened_at__lt=end).order_by("opened_at", "pk"))
            responses = dict(CapaEvent.objects.visible_to(self.user)
                             .filter(capa_id__in=[c.pk for c in opened], to_status="responded")
                             .values_list("capa_id").annotate(first=Min("at")).order_by()) if opened else {}
            out = defaultdict(lambda: ([], []))
            for c in opened:
                c.responded = responses.get(c.pk)
                out[c.vendor_id][0].append(c)
            for c in capas.filter(due_date__gte=first, due_date__lte=last).order_by("due_date", "pk"):
                out[c.vendor_id][1].append(c)
            return out
        return self._once(("capa", start, end, first, last), read)[vendor.pk]

    def compliance(self, hit_model, vendor: Vendor, start: dt.datetime, end: dt.datetime):
        """(scanned contacts, contacts with a hit, hits per kind by kind) of the vendor's contacts
        that arrived in [start, end)."""
        def read():
            contacts = dict(Interaction.objects.visible_to(self.user)
                            .filter(vendor_id__in=self.vendor_pks, arrived_at__gte=start, arrived_at__lt=end)
                            .exclude(transcript="").values_list("vendor_id").annotate(n=Count("pk")).order_by())
            hits = hit_model.objects.visible_to(self.user).filter(
                vendor_id__in=self.vendor_pks, arrived_at__gte=start, arrived_at__lt=end)
            flagged = dict(hits.values_list("vendor_id").annotate(n=Count("interaction_id", distinct=True))
                           .order_by())
            by_kind = defaultdict(list)
            for row in hits.values("vendor_id", "kind").annotate(n=Count("pk")).order_by("vendor_id", "kind"):
                by_kind[row["vendor_id"]].append({"kind": row["kind"], "n": row["n"]})
            return contacts, flagged, by_kind
        contacts, flagged, by_kind = self._once(("compliance", start, end), read)
        return contacts.get(vendor.pk, 0), flagged.get(vendor.pk, 0), by_kind[vendor.pk]


# --------------------------------------------------------------------------- SLA


@dataclass
class SlaResult:
    contract: Contract
    project: Project
    period: engine.Period
    fee: Decimal
    fee_note: str
    evaluation: sla.Evaluation


def committed_seats(*, user, project: Project, vendor: Vendor, on: dt.date) -> Decimal:
    from steward.workforce.models import Commitment

    c = (Commitment.objects.visible_to(user).filter(project=project, vendor=vendor, effective_from__lte=on)
         .order_by("-effective_from").first())
    return c.seats if c else Decimal(0)


def sla_results(*, user, vendor: Vendor, month: dt.date, reads: Reads | None = None) -> list[SlaResult]:
    """The month's SLA evaluation of each of the vendor's active contracts with a policy, per
    project. The fee is the contract's pricing applied to that project's volumes of the month
    (per-FTE contracts: the committed seats); credits and bonuses follow the contract's policy."""
    reads = reads or Reads(user=user, vendors=[vendor])
    first, last = month, month_last(month)
    out = []
    for contract in reads.contracts(vendor, first, last):
        policy = reads.month_policy(contract)
        if policy is None:
            continue
        rates = [r.as_pricing_rate() for r in contract.visible_rates]
        for project in contract.visible_projects:
            period = engine.period(first, last, project.time_zone)
            seats = reads.seats(project, vendor, last)
            usage = reads.usage(project, vendor, period, seats)
            note = ""
            try:
                fee = pricing.period_charge(model=contract.pricing_model, rates=rates, start=first,
                                            end=last + dt.timedelta(days=1), usage=usage,
                                            rounding=contract.rounding).total
            except pricing.PricingError as exc:
                fee, note = Decimal("0.00"), str(exc)
            # Measured exactly as the SLA page measures (FCR and QA included): one standard.
            results = [reads.result(project=project, period=period, vendor=vendor, key=term.metric,
                                    params=term.clean_params, scope=term.scope_values) for term in policy.terms]
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


def _qa_component(*, reads: Reads, vendor: Vendor, start: dt.datetime, end: dt.datetime) -> scoring.Component:
    rows = reads.qa(vendor, start, end)
    n = sum(r["n"] for r in rows)
    total = sum((r["total"] for r in rows), Decimal(0))
    score = (total / n).quantize(Decimal("0.0001"), ROUND_HALF_UP) if n else None
    return scoring.Component("qa", score, total, n, _("mean of %(n)s QA evaluations") % {"n": n},
                             tuple({"project": r["interaction__project__code"], "evaluations": r["n"],
                                    "mean": (r["total"] / r["n"]).quantize(Decimal("0.01"))} for r in rows))


def _csat_component(*, reads: Reads, vendor: Vendor, projects: list[Project], first: dt.date,
                    last: dt.date) -> scoring.Component:
    rows, top, answers = [], 0, 0
    for project in projects:
        period = engine.period(first, last, project.time_zone)
        r = reads.result(project=project, period=period, vendor=vendor, key="csat")
        if r.denominator:
            top += int(r.numerator)
            answers += int(r.denominator)
            rows.append({"project": project.code, "top_box": int(r.numerator), "answers": int(r.denominator),
                         "value": round(r.value, 4)})
    return scoring.Component("csat", scoring.ratio_score(top, answers), top, answers,
                             _("%(top)s of %(n)s survey answers in the top two boxes") % {"top": top, "n": answers},
                             tuple(rows))


def _capa_component(*, reads: Reads, vendor: Vendor, start: dt.datetime, end: dt.datetime, first: dt.date,
                    last: dt.date) -> scoring.Component:
    """Two checks per corrective action: opened this month → answered within RESPONSE_DAYS;
    due this month → closed by its due date."""
    rows, ok, judged = [], 0, 0
    opened, due = reads.capas(vendor, start, end, first, last)
    for c in opened:
        answered = c.responded
        in_time = answered is not None and answered - c.opened_at <= dt.timedelta(days=RESPONSE_DAYS)
        judged += 1
        ok += in_time
        rows.append({"capa": c.pk, "title": c.title, "check": "response", "ok": in_time,
                     "when": answered})
    for c in due:
        closed_in_time = c.closed_at is not None and c.closed_at.date() <= c.due_date
        judged += 1
        ok += closed_in_time
        rows.append({"capa": c.pk, "title": c.title, "check": "closure", "ok": closed_in_time, "when": c.closed_at})
    return scoring.Component("capa", scoring.ratio_score(ok, judged), ok, judged,
                             _("%(ok)s of %(n)s corrective-action deadlines kept") % {"ok": ok, "n": judged},
                             tuple(rows))


def _compliance_component(*, reads: Reads, vendor: Vendor, start: dt.datetime,
                          end: dt.datetime) -> scoring.Component | None:
    hit_model = compliance_model()
    if hit_model is None:
        return None
    contacts, flagged, by_kind = reads.compliance(hit_model, vendor, start, end)
    clean = max(contacts - flagged, 0)
    return scoring.Component("compliance", scoring.ratio_score(clean, contacts), clean, contacts,
                             _("%(clean)s of %(n)s scanned contacts without a compliance hit")
                             % {"clean": clean, "n": contacts},
                             tuple({"kind": r["kind"], "hits": r["n"]} for r in by_kind))


def components(*, user, vendor: Vendor, month: dt.date, results: list[SlaResult] | None = None,
               reads: Reads | None = None) -> list[scoring.Component]:
    reads = reads or Reads(user=user, vendors=[vendor])
    first, last = month, month_last(month)
    projects = reads.projects(vendor)
    tz = projects[0].time_zone if projects else "Asia/Shanghai"
    whole = engine.period(first, last, tz)
    if results is None:
        results = sla_results(user=user, vendor=vendor, month=month, reads=reads)
    out = [
        _sla_component(results),
        _qa_component(reads=reads, vendor=vendor, start=whole.start, end=whole.end),
        _csat_component(reads=reads, vendor=vendor, projects=projects, first=first, last=last),
        _capa_component(reads=reads, vendor=vendor, start=whole.start, end=whole.end, first=first, last=last),
    ]
    compliance = _compliance_component(reads=reads, vendor=vendor, start=whole.start, end=whole.end)
    if compliance is not None:
        out.append(compliance)
    return out


def scorecard(*, user, vendor: Vendor, month: dt.date, weights: dict | None = None,
              reads: Reads | None = None) -> scoring.Score:
    return scoring.combine(components(user=user, vendor=vendor, month=month, reads=reads), weights or weights_dict())


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
    """Every visible vendor with a project, ranked by its score of ``month``, with the totals of
    the ``trend_months`` months up to it. The vendors' scorecards share one ``Reads``: the number
    of queries grows with the months and projects, not with the vendors."""
    weights = weights or weights_dict()
    vendors = list(vendor_list(user=user).filter(
        Exists(Project.vendors.through.objects.filter(vendor_id=OuterRef("pk")))))
    reads = Reads(user=user, vendors=vendors)
    months = [add_months(month, -k) for k in range(trend_months - 1, -1, -1)]
    trend = {v.code: [] for v in vendors}
    scores = {}
    with engine.one_page():
        for v in vendors:
            for m in months:
                s = scorecard(user=user, vendor=v, month=m, weights=weights, reads=reads)
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
