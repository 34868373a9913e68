"""Demo contracts: one per demo vendor, each with a different pricing model, dated rates (one
mid-term increase within the cap), responsibilities and an SLA policy. Idempotent."""

import datetime as dt
from decimal import Decimal

from steward.contracts import selectors, services
from steward.contracts.models import Budget, Contract, Invoice
from steward.core.models import User, Vendor
from steward.vendors.selectors import today

SLA = """sla: {name}
version: 1
at_risk_percent: {at_risk}
terms:
  - metric: service_level
    params: {{threshold_seconds: 20, short_abandon_seconds: 5}}
    period: month
    target: ">= 0.80"
    allocation_percent: 50
    credit_tiers: [{{below: 0.80, credit_percent: 50}}, {{below: 0.75, credit_percent: 100}}]
  - metric: csat
    params: {{scale: 5, top_box: 2}}
    target: ">= 0.85"
    allocation_percent: 30
    bonus: {{at_or_above: 0.92, bonus_percent: 2}}
  - metric: qa_score
    target: ">= 90"
    allocation_percent: 20
"""

# Bamboo's agreement rounds half even (banker's rounding); the others half up, to the cent.
ROUNDING = {"bamboo-2025": "half_even"}

# code, vendor, projects, title, model, rates [(component, amount, months after start)], at risk %
CONTRACTS = [
    ("aurora-2025", "aurora", ["presales-chat", "support-email"], "极光 售前与邮件服务协议 Aurora chat & email",
     "per_contact", [("handled_contact", "6.80", 0), ("handled_contact", "7.00", 12)], 10),
    ("bamboo-2025", "bamboo", ["presales-chat", "aftersales-voice"], "青竹 座席外包协议 Bamboo seats",
     "per_fte", [("fte_month", "9000", 0), ("fte_month", "9270", 12)], 8),
    ("cedar-2025", "cedar", ["aftersales-voice", "support-email"], "雪松 混合计费协议 Cedar hybrid",
     "hybrid", [("fixed_month", "30000", 0), ("handled_contact", "3.20", 0), ("minimum_month", "120000", 0)], 12),
]

RESPONSIBILITIES = [
    ("headcount", "vendor", "Keep the contracted headcount staffed; vacancies filled within 15 working days."),
    ("training", "vendor", "New agents complete the client's 10-day product training before going live."),
    ("training", "client", "Provide product training material and a trainer for the first wave."),
    ("supervision", "client", "The client may monitor calls and sit in on the floor with 2 days' notice."),
    ("data_security", "vendor", "No customer data leaves the client's systems; recordings encrypted at rest."),
]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


def load(stdout) -> None:
    start = _add_months(today().replace(day=1), -14)
    vendors = set(Vendor.objects.values_list("code", flat=True))
    for code, vendor, projects, title, model, rates, at_risk in CONTRACTS:
        if vendor not in vendors or Contract.objects.filter(code=code).exists():
            continue
        contract = services.contract_create(
            actor=None, code=code, vendor_code=vendor, project_codes=projects, title=title, status="active",
            signed_on=start - dt.timedelta(days=20), start_date=start, end_date=_add_months(start, 24) - dt.timedelta(days=1),
            auto_renew=vendor != "cedar", renewal_term_months=12, notice_days=90, currency="CNY", pricing_model=model,
            flex_percent=Decimal("10"), flex_notice_days=30, price_adjustment_cap_percent=Decimal("5"),
            payment_terms_days=45, payment_terms_note="月结，发票后 45 天付款 Monthly, net 45 after invoice",
            sla_policy_text=SLA.format(name=f"{vendor}-sla", at_risk=at_risk),
            rounding_mode=ROUNDING.get(code, "half_up"),
        )
        for component, amount, months in rates:
            services.rate_add(actor=None, contract=contract, component=component, amount=Decimal(amount),
                              effective_from=_add_months(start, months))
        for category, party, text in RESPONSIBILITIES:
            services.responsibility_add(actor=None, contract=contract, category=category, party=party,
                                        description=text)
    _invoices(stdout)
    _budgets(stdout)
    stdout.write(f"Contracts: {Contract.objects.count()}.")


# Bamboo bills per FTE: the FTE billed each month (not in the contacts).
DEMO_FTE = {"bamboo-2025": Decimal("38")}
# What last month's invoice of each contract has reached: one approved, one awaiting the
# vendor's confirmation, and the deteriorating vendor's (credits) confirmed and awaiting approval.
LAST_MONTH = {"aurora-2025": "approved", "bamboo-2025": "sent", "cedar-2025": "confirmed"}


def _invoices(stdout) -> None:
    """Invoices for the two months before this one (the demo contacts cover them): the earlier
    month approved and paid for every contract, last month at the stages above. Idempotent."""
    finance = User.objects.filter(role="finance", is_active=True).order_by("pk").first()
    if finance is None:
        return
    last = (today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    made = 0
    for code, stage in LAST_MONTH.items():
        contract = Contract.objects.filter(code=code).first()
        if contract is None:
            continue
        manager = User.objects.filter(role="vendor_manager", vendor=contract.vendor, is_active=True).first()
        if manager is None:
            continue
        for month, target in ((before, "paid"), (last, stage)):
            if Invoice.objects.filter(contract=contract, period_start=month, kind=Invoice.Kind.INVOICE).exists():
                continue
            adjustments = [("新人培训附加费 Extra training fee (wave 3)", Decimal("4800"))] if (
                code == "bamboo-2025" and month == last) else []
            invoice = services.invoice_generate(actor=finance, contract=contract, month=month,
                                                fte=DEMO_FTE.get(code), adjustments=adjustments)
            made += 1
            if target == "draft":
                continue
            services.invoice_send(actor=finance, invoice=invoice)
            if target == "sent":
                continue
            services.invoice_confirm(actor=manager, invoice=invoice)
            if target == "confirmed":
                continue
            services.invoice_approve(actor=finance, invoice=invoice)
            if target == "paid":
                services.invoice_mark_paid(actor=finance, invoice=invoice)
    stdout.write(f"Invoices: {made} created.")


# The finance team's budget for this year, per project: a little below the demo invoices'
# average month (so some months run over), with a target cost per handled contact.
BUDGET_SHARE = Decimal("0.96")
DEFAULT_MONTHLY_BUDGET = Decimal("150000")


def _budgets(stdout) -> None:
    finance = User.objects.filter(role="finance", is_active=True).order_by("pk").first()
    if finance is None:
        return
    year = today().year
    first = _add_months(today().replace(day=1), -2)
    allocations = selectors.invoice_allocations(user=finance, first=first, last=today())
    projects = sorted({p for c in Contract.objects.all() for p in c.projects.values_list("code", flat=True)})
    made = 0
    for code in projects:
        if Budget.objects.filter(project__code=code, vendor__isnull=True, month__year=year).exists():
            continue
        mine = [a for a in allocations if a.project.code == code and a.invoice.kind == Invoice.Kind.INVOICE]
        months = {a.invoice.period_start for a in mine} or {first}
        cost = sum((a.amount for a in mine), Decimal(0))
        handled = sum(a.handled for a in mine)
        monthly = (cost / len(months) * BUDGET_SHARE).quantize(Decimal("1000")) if cost else DEFAULT_MONTHLY_BUDGET
        target = (cost / handled * BUDGET_SHARE).quantize(Decimal("0.01")) if handled else None
        services.budget_set_year(actor=finance, project_code=code, year=year, amount=monthly * 12,
                                 target_cost_per_contact=target, note="年度预算 Annual budget (finance)")
        made += 1
    stdout.write(f"Budgets: {made} project years set.")
