from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from steward.core.models import Organisation
from steward.core.notifications import unread_count

# The navigation: a link home, then groups of pages (each shown only with the permission it
# needs; a group with one page left becomes a plain link). Pages of a new app go in its group.
NAVIGATION = [
    (_("Operations"), [
        (_("KPIs"), "metrics:index", "metrics.view_kpi"),
        (_("Alerts"), "metrics:alerts", "metrics.view_alert"),
        (_("Contacts"), "interactions:list", "interactions.view_interaction"),
        (_("Imports"), "interactions:batches", "interactions.view_importbatch"),
        (_("Forecast and staffing"), "workforce:index", "workforce.view_forecast"),
    ]),
    (_("Quality"), [
        (_("Evaluations"), "quality:evaluation-list", "quality.view_evaluation"),
        (_("Scorecards"), "quality:scorecard-list", "quality.view_scorecard"),
        (_("Compliance hits"), "quality:hit-list", "quality.view_evaluation"),
        (_("Coaching"), "quality:coaching-list", "quality.view_coaching"),
        (_("Calibration"), "quality:calibration-list", "quality.add_evaluation"),
    ]),
    (_("Vendors"), [
        (_("Vendors"), "vendor-list", "core.view_vendor"),
        (_("Certifications"), "certification-list", "vendors.view_registry"),
        (_("Contracts"), "contract-list", "contracts.view_contract"),
        (_("Vendor scorecards"), "reviews:board", "reviews.view_scorecard"),
        (_("Invoices"), "invoice-list", "contracts.view_invoice"),
        (_("Cost analytics"), "cost-analytics", "contracts.view_costs"),
        (_("Budgets"), "budget-list", "contracts.view_budget"),
        (_("Pricing comparison"), "pricing-comparison", "contracts.view_costs"),
        (_("Tenders"), "sourcing:event-list", "sourcing.view_event"),
        (_("Tenders"), "sourcing:portal", "sourcing.view_portal"),
    ]),
    (_("Engagement"), [
        (_("Projects"), "project-list", "core.view_project"),
        (_("Project plans"), "planning:index", "planning.view_plan"),
        (_("Meetings"), "meeting-list", "collaboration.view_meeting"),
        (_("Announcements"), "announcement-list", "collaboration.view_announcement"),
        (_("Feedback"), "feedback-box", "collaboration.view_feedbackmessage"),
    ]),
    (_("Training"), [
        (_("Training and certification"), "training:index", "training.view_training"),
        (_("Knowledge base"), "training:articles", "training.view_article"),
    ]),
    (_("Improvement"), [
        (_("Corrective actions"), "capa-board", "improvement.view_correctiveaction"),
        (_("Risks"), "risk-list", "improvement.view_risk"),
    ]),
    (_("Administration"), [
        (_("People"), "user-list", "core.view_user"),
        (_("Audit trail"), "audit-trail", "core.view_audit"),
        (_("Webhooks"), "integrations:webhook-list", "integrations.view_webhookendpoint"),
        (_("Background jobs"), "integrations:job-list", "integrations.view_jobrun"),
    ]),
]


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = request.resolver_match.view_name if request.resolver_match else None
    nav = []
    for group_label, pages in NAVIGATION:
        links = [
            {"label": label, "url": reverse(name), "active": name == current}
            for label, name, perm in pages
            if perm is None or user.has_perm(perm)
        ]
        if len(links) == 1:
            nav.append(links[0])
        elif links:
            nav.append({"label": group_label, "links": links, "active": any(l["active"] for l in links)})
    return {
        "nav": nav,
        "home_active": current == "home",
        "organisation": Organisation.current(),
        "unread_notifications": unread_count(user),
    }
