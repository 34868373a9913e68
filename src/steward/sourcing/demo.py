"""Demo tender: the pre-sales chat tender of last year among the three demo vendors, scored by
three evaluators and decided for Aurora. Idempotent: nothing is added when it exists.

The tender is built through the services as it happened (opened, proposals, evaluation,
decision); only its dates are then set back into the past, since the services rightly refuse
proposals after a deadline."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from steward.core.models import Project, User, Vendor
from steward.sourcing import services
from steward.sourcing.models import SourcingEvent, Submission

TITLE = "2025 售前在线咨询外包招标 Pre-sales chat tender 2025"

PROPOSALS = {
    "aurora": dict(
        proposal="14 名专职在线客服，两班倒，质检覆盖 5%，每周运营报告。\n"
                 "14 dedicated chat agents on two shifts, 5 % QA coverage, weekly operations report.",
        cases="某头部电商平台双十一峰值 3 倍弹性 · Peak season ×3 staffing for a leading marketplace",
        pricing_model="per_fte", rates={"fte_month": Decimal("9800")}, proposed_fte=Decimal("14"),
        price_notes="含培训与质检 · training and QA included"),
    "bamboo": dict(
        proposal="按量计费，共享坐席池，峰值时段加派人手。\nPay per contact from a shared pool, extra staff at peaks.",
        cases="某省级运营商在线客服 5 年 · Five years of chat for a provincial telecom",
        pricing_model="per_contact", rates={"handled_contact": Decimal("4.20")},
        price_notes="量超过 20,000 时单价 4.00 · 4.00 above 20,000 contacts"),
    "cedar": dict(
        proposal="固定月费加按量计费，最低承诺 45,000 元。\nFixed fee plus per contact, 45,000 minimum per month.",
        cases="某家电品牌售后工单 · After-sales tickets for an appliance brand",
        pricing_model="hybrid", rates={"fixed_month": Decimal("20000"), "handled_contact": Decimal("2.10"),
                                       "minimum_month": Decimal("45000")},
        price_notes="夜间班次另计 · night shifts extra"),
}

# evaluator → vendor → (qualification, experience, service capability, technology, references, site visit)
SCORES = {
    "manager": {"aurora": (5, 5, 4, 4, 5, 5), "bamboo": (4, 4, 4, 3, 4, 4), "cedar": (3, 3, 3, 3, 3, 2)},
    "qa": {"aurora": (4, 5, 5, 4, 4, 5), "bamboo": (4, 3, 3, 3, 4, 3), "cedar": (3, 2, 3, 2, 3, 3)},
    "finance": {"aurora": (4, 4, 4, 4, 4, 4), "bamboo": (4, 4, 3, 4, 3, 4), "cedar": (4, 3, 3, 3, 3, 3)},
}
HAND = ["qualification", "experience", "service_capability", "technology", "references", "site_visit"]


def load(stdout) -> None:
    if SourcingEvent.objects.filter(title=TITLE).exists():
        stdout.write("Sourcing: demo tender already present.")
        return
    project = Project.objects.filter(code="presales-chat").first()
    vendors = {v.code: v for v in Vendor.objects.filter(code__in=PROPOSALS)}
    users = {u.username: u for u in User.objects.filter(
        username__in=[*SCORES, *(f"{c}-manager" for c in PROPOSALS)])}
    if project is None or len(vendors) < len(PROPOSALS) or len(users) < len(SCORES) + len(PROPOSALS):
        stdout.write("Sourcing: the core demo (project, vendors, users) is missing; no tender added.")
        return
    manager = users["manager"]
    event = services.event_create(
        actor=manager, project=project, title=TITLE, deadline=timezone.now() + dt.timedelta(hours=1),
        volumes={"chat": 18000}, handle_minutes=Decimal("7"), languages=["普通话 Mandarin", "English"],
        service_hours="每天 08:00–24:00 · daily 08:00–24:00",
        description="售前在线咨询：商品、优惠、下单协助。Pre-sales chat: products, promotions, help to order.",
        draft_sla="sla: presales-chat\nversion: 1\nterms:\n  - metric: service_level\n"
                  "    params: {threshold_seconds: 20}\n    target: \">= 0.80\"\n",
        evaluators=[users[name] for name in SCORES])
    for code in PROPOSALS:
        services.vendor_invite(actor=manager, event=event, vendor=vendors[code])
    services.event_open(actor=manager, event=event)
    for code, proposal in PROPOSALS.items():
        services.submission_save(actor=users[f"{code}-manager"], event=event, **proposal)
    services.event_start_evaluation(actor=manager, event=event)  # every vendor has submitted
    for item in event.site_visit_items.all()[:3]:
        for code in PROPOSALS:
            services.site_visit_record(actor=manager, item=item, vendor=vendors[code], met=code != "cedar",
                                       note="" if code != "cedar" else "备用电源未演示 · backup power not shown")
    for name, by_vendor in SCORES.items():
        scores = {(vendors[code].pk, key): (value, "") for code, values in by_vendor.items()
                  for key, value in zip(HAND, values)}
        services.scores_save(actor=users[name], event=event, scores=scores, submit=True)
    services.event_decide(
        actor=manager, event=event, chosen_vendor=vendors["aurora"],
        memo="授予极光客服售前在线咨询外包合同，期限两年。Award the pre-sales chat service to Aurora CX for two years.",
        rationale="综合得分最高，评委意见一致；按 FTE 计价在规定量下每次咨询成本高于青竹和雪松，"
                  "但服务能力、案例和现场考察明显更好。Highest weighted score with little spread between "
                  "evaluators; dearer per contact than Bamboo and Cedar at the stated volume, but clearly "
                  "stronger in service capability, references and at the site visit.")
    # Set the dates back to last year's tender (the services only allow future deadlines).
    deadline = timezone.now() - dt.timedelta(days=400)
    SourcingEvent.objects.filter(pk=event.pk).update(deadline=deadline)
    Submission.objects.filter(event=event).update(submitted_at=deadline - dt.timedelta(days=3),
                                                  updated_at=deadline - dt.timedelta(days=2))
    stdout.write(f"Sourcing: 1 decided tender ({len(PROPOSALS)} proposals, {len(SCORES)} evaluators).")
