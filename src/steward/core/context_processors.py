from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from steward.core.models import Organisation

# (label, url name, required permission). The navigation shows what the role may open.
NAVIGATION = [
    (_("Home"), "home", None),
    (_("Vendors"), "vendor-list", "core.view_vendor"),
    (_("Certifications"), "certification-list", "vendors.view_registry"),
    (_("Contracts"), "contract-list", "contracts.view_contract"),
    (_("Projects"), "project-list", "core.view_project"),
    (_("Meetings"), "meeting-list", "collaboration.view_meeting"),
    (_("Announcements"), "announcement-list", "collaboration.view_announcement"),
    (_("Feedback"), "feedback-box", "collaboration.view_feedbackmessage"),
    (_("Corrective actions"), "capa-board", "improvement.view_correctiveaction"),
    (_("Risks"), "risk-list", "improvement.view_risk"),
    (_("KPIs"), "metrics:index", "metrics.view_kpi"),
    (_("Contacts"), "interactions:list", "interactions.view_interaction"),
    (_("Imports"), "interactions:batches", "interactions.view_importbatch"),
    (_("Evaluations"), "quality:evaluation-list", "quality.view_evaluation"),
    (_("Scorecards"), "quality:scorecard-list", "quality.view_scorecard"),
    (_("Tenders"), "sourcing:event-list", "sourcing.view_event"),
    (_("Tenders"), "sourcing:portal", "sourcing.view_portal"),
    (_("People"), "user-list", "core.view_user"),
    (_("Audit trail"), "audit-trail", "core.view_audit"),
]


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = request.resolver_match.url_name if request.resolver_match else None
    nav = [
        {"label": label, "url": reverse(name), "active": name == current}
        for label, name, perm in NAVIGATION
        if perm is None or user.has_perm(perm)
    ]
    return {"nav": nav, "organisation": Organisation.current()}
