"""Demo corrective actions and risks: an open case against the deteriorating vendor, one in
progress, one verified and closed (in the case library), and a risk register per project.

Idempotent: each object is looked up by its title first.
"""

from datetime import timedelta

from steward.collaboration.selectors import client_today
from steward.core.models import Project, User, Vendor
from steward.improvement import services
from steward.improvement.models import CorrectiveAction, Risk

RISKS = [
    # project, title, category, likelihood, impact, shared with, owner, mitigation, trigger, plan
    ("aftersales-voice", "Peak-season capacity during the 11.11 sale", "peak_capacity", 4, 4, ["bamboo", "cedar"],
     "lead", "Overtime pool and 20 temporary agents trained by October.", "Service level below 70% for 2 hours",
     "Open overflow queue to Bamboo; switch IVR to call-back."),
    ("aftersales-voice", "Cedar agent attrition above 8% a month", "attrition", 4, 3, ["cedar"], "cedar-manager",
     "Retention bonus at 3 months; exit interviews.", "Attrition above 10% in a month",
     "Move 30% of volume to Bamboo within two weeks."),
    ("aftersales-voice", "Cedar financial health", "vendor_financial", 2, 5, [], "manager",
     "Quarterly financial statements; payment terms 30 days.", "Late salary payments reported",
     "Activate the exit plan in the contract; transfer knowledge base and recordings."),
    ("presales-chat", "Chat platform outage", "technology", 2, 4, ["aurora", "bamboo"], "lead",
     "Vendor-side redundancy tested quarterly.", "Platform down for 15 minutes",
     "Switch the website widget to the contact form; post status banner."),
    ("support-email", "Customer data leak through personal devices", "data_breach", 2, 5, ["aurora", "cedar"],
     "admin", "Clean-desk policy, no phones on the floor, DLP on mail.", "Any DLP alert",
     "Incident response: isolate accounts, inform the DPO within 24 hours."),
    ("presales-chat", "Customer churn after price rise", "customer_churn", 3, 3, [], "manager",
     "Retention offers scripted for chat.", "Cancellation rate above 5% in a week", "Escalate to marketing."),
]


def _capa(actor, vendor_code, project_code, title, **kwargs):
    existing = CorrectiveAction.objects.filter(title=title).first()
    if existing:
        return existing, False
    return services.capa_open(actor=actor, vendor=Vendor.objects.get(code=vendor_code),
                              project=Project.objects.get(code=project_code), title=title, **kwargs), True


def load(stdout) -> None:
    manager = User.objects.get(username="manager")
    qa = User.objects.get(username="qa")
    today = client_today()
    created = 0

    _, new = _capa(manager, "cedar", "aftersales-voice", "Service level below target three weeks running",
                   problem="Service level 64–71% in the last three weeks against 80%; abandon rate 11%.",
                   due_date=today + timedelta(days=21), source="kpi_breach",
                   source_reference="service_level, aftersales-voice, last 3 weeks")
    created += new

    capa, new = _capa(qa, "bamboo", "aftersales-voice", "Refund script not followed",
                      problem="7 of 40 evaluated calls skipped the refund eligibility check.",
                      due_date=today + timedelta(days=10), source="qa_finding", source_reference="QA sample, week 3")
    if new:
        bamboo = User.objects.get(username="bamboo-manager")
        services.capa_respond(actor=bamboo, capa=capa, root_cause="New agents were trained on the old script.",
                              response="Retrain all agents and add the check to the desk aid.",
                              whys=["Agents skipped the check", "They did not know it was required",
                                    "Onboarding used the old script"])
        step = services.capa_action_add(actor=bamboo, capa=capa, description="Retrain every agent on the new script",
                                        owner=bamboo, due_date=today - timedelta(days=2))
        services.capa_action_add(actor=bamboo, capa=capa, description="Replace the onboarding deck",
                                 owner=bamboo, due_date=today + timedelta(days=5))
        services.capa_start(actor=bamboo, capa=capa)
        services.capa_action_set_status(actor=bamboo, action=step, status="in_progress")
        created += 1

    capa, new = _capa(manager, "aurora", "presales-chat", "Slow first response on chat",
                      problem="First response above 60 s on 18% of chats in the month.",
                      due_date=today - timedelta(days=20), source="kpi_breach",
                      source_reference="first_response_within, presales-chat")
    if new:
        aurora = User.objects.get(username="aurora-manager")
        services.capa_respond(actor=aurora, capa=capa, root_cause="Agents handled four chats at once at peak.",
                              response="Cap concurrency at three and add two agents at 20:00–22:00.")
        step = services.capa_action_add(actor=aurora, capa=capa, description="Cap chat concurrency at three",
                                        owner=aurora, due_date=today - timedelta(days=40))
        services.capa_start(actor=aurora, capa=capa)
        services.capa_action_set_status(actor=aurora, action=step, status="done")
        services.capa_submit(actor=aurora, capa=capa, note="Concurrency capped since the 5th.")
        services.capa_verify(actor=manager, capa=capa, effective=True,
                             note="First response within 60 s rose from 82% to 95% over the next four weeks.",
                             lessons="Concurrency, not headcount, drove the delay; the cap cost no extra agents.")
        created += 1

    for (project_code, title, category, likelihood, impact, shared, owner, mitigation, trigger, plan) in RISKS:
        project = Project.objects.filter(code=project_code).first()
        if project is None or Risk.objects.filter(title=title, project=project).exists():
            continue
        services.risk_create(actor=manager, project=project, title=title, category=category, likelihood=likelihood,
                             impact=impact, owner=User.objects.get(username=owner),
                             review_date=today + timedelta(days=14 if likelihood * impact >= 12 else 45),
                             mitigation=mitigation, contingency_trigger=trigger, contingency_plan=plan,
                             status="mitigating" if mitigation else "open",
                             vendors=list(Vendor.objects.filter(code__in=shared)))
        created += 1
    stdout.write(f"Improvement: {created} new corrective actions and risks.")
