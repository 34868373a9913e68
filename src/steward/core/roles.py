"""Roles and what each may do. Pure data: no Django imports, so it is cheap to test.

A user holds exactly one role. Client-side roles see every vendor; vendor-side roles are
tied to one vendor and see only its data (see visibility.py). Capabilities are named like
Django permissions ("app.action_model") so templates can use `perms.core.view_vendor`.
"""

from enum import StrEnum


class Side(StrEnum):
    CLIENT = "client"
    VENDOR = "vendor"


class Role(StrEnum):
    CLIENT_ADMIN = "client_admin"
    OUTSOURCING_MANAGER = "outsourcing_manager"
    QA_ANALYST = "qa_analyst"
    FINANCE = "finance"
    PROJECT_LEAD = "project_lead"
    AUDITOR = "auditor"
    VENDOR_MANAGER = "vendor_manager"
    AGENT = "agent"

    @property
    def side(self) -> Side:
        return Side.VENDOR if self in VENDOR_ROLES else Side.CLIENT


VENDOR_ROLES = frozenset({Role.VENDOR_MANAGER, Role.AGENT})
CLIENT_ROLES = frozenset(set(Role) - VENDOR_ROLES)

_READ_ALL = frozenset(
    {
        "core.view_vendor",
        "core.view_project",
        "core.view_organisation",
        "interactions.view_interaction",
        "interactions.view_importbatch",
    }
)
# Importing contacts (upload, API batches, undo) and editing mapping profiles.
_IMPORT = frozenset(
    {
        "interactions.add_importbatch",
        "interactions.delete_importbatch",
        "interactions.change_mappingprofile",
    }
)

ROLE_CAPABILITIES: dict[Role, frozenset[str]] = {
    Role.CLIENT_ADMIN: _READ_ALL
    | {
        "core.add_vendor",
        "core.change_vendor",
        "core.add_project",
        "core.change_project",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.change_organisation",
        "core.view_audit",
    }
    | _IMPORT,
    Role.OUTSOURCING_MANAGER: _READ_ALL
    | _IMPORT
    | {"core.add_vendor", "core.change_vendor", "core.add_project", "core.change_project"},
    Role.QA_ANALYST: _READ_ALL,
    Role.FINANCE: _READ_ALL,
    Role.PROJECT_LEAD: _READ_ALL | {"core.add_project", "core.change_project"},
    # The auditor sees everything, including the audit trail, and changes nothing.
    Role.AUDITOR: _READ_ALL | {"core.view_user", "core.view_audit"},
    # Vendor roles read only their own vendor's rows; visibility.py does the scoping.
    Role.VENDOR_MANAGER: frozenset({"core.view_vendor", "core.view_project", "core.view_user"})
    | {"interactions.view_interaction", "interactions.view_importbatch",
       "interactions.add_importbatch", "interactions.delete_importbatch"},
    # Agents see their own contacts only (Interaction's agent visibility path).
    Role.AGENT: frozenset({"core.view_vendor", "core.view_project", "interactions.view_interaction"}),
}


# Vendor registry (steward.vendors): profiles, certifications, documents, contacts, status.
_REGISTRY_EDIT = {"vendors.view_registry", "vendors.change_registry", "vendors.change_status", "vendors.add_document"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _REGISTRY_EDIT,
    Role.OUTSOURCING_MANAGER: _REGISTRY_EDIT,
    Role.QA_ANALYST: {"vendors.view_registry"},
    Role.FINANCE: {"vendors.view_registry"},
    Role.PROJECT_LEAD: {"vendors.view_registry"},
    Role.AUDITOR: {"vendors.view_registry"},
    # A vendor manager reads its own vendor's registry and uploads its own documents.
    Role.VENDOR_MANAGER: {"vendors.view_registry", "vendors.add_document"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Collaboration (meetings, action items, announcements, feedback box) and improvement (CAPA,
# risks). Services add side checks on top: only vendor staff answer a CAPA, only the client
# verifies it; an agent's feedback carries no identity.
_COLLAB_VIEW = {"collaboration.view_meeting", "collaboration.view_actionitem", "collaboration.view_announcement",
                "collaboration.view_feedbackmessage"}
_COLLAB_RUN = _COLLAB_VIEW | {"collaboration.add_meeting", "collaboration.change_meeting",
                              "collaboration.change_actionitem", "collaboration.add_announcement",
                              "collaboration.change_feedbackmessage"}
_IMPROVE_VIEW = {"improvement.view_correctiveaction", "improvement.view_risk"}
_IMPROVE_RUN = _IMPROVE_VIEW | {"improvement.add_correctiveaction", "improvement.change_correctiveaction",
                                "improvement.verify_correctiveaction", "improvement.add_risk", "improvement.change_risk"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _COLLAB_RUN | _IMPROVE_RUN,
    Role.OUTSOURCING_MANAGER: _COLLAB_RUN | _IMPROVE_RUN,
    Role.PROJECT_LEAD: _COLLAB_RUN | _IMPROVE_RUN,
    Role.QA_ANALYST: _COLLAB_VIEW | _IMPROVE_VIEW | {"improvement.add_correctiveaction", "improvement.change_correctiveaction"},
    Role.FINANCE: _COLLAB_VIEW | _IMPROVE_VIEW,
    Role.AUDITOR: _COLLAB_VIEW | _IMPROVE_VIEW,
    Role.VENDOR_MANAGER: _COLLAB_VIEW | _IMPROVE_VIEW | {"collaboration.change_actionitem",
                                                          "improvement.change_correctiveaction"},
    Role.AGENT: {"collaboration.view_actionitem", "collaboration.change_actionitem", "collaboration.view_announcement",
                 "collaboration.view_feedbackmessage", "collaboration.add_feedbackmessage"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra


# Contracts (steward.contracts): client roles read them, a vendor manager reads its own;
# administrators, outsourcing managers and finance write them.
_CONTRACT_EDIT = {"contracts.view_contract", "contracts.add_contract", "contracts.change_contract"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _CONTRACT_EDIT,
    Role.OUTSOURCING_MANAGER: _CONTRACT_EDIT,
    Role.FINANCE: _CONTRACT_EDIT,
    Role.QA_ANALYST: {"contracts.view_contract"},
    Role.PROJECT_LEAD: {"contracts.view_contract"},
    Role.AUDITOR: {"contracts.view_contract"},
    Role.VENDOR_MANAGER: {"contracts.view_contract"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Invoices and cost analytics (steward.contracts): finance and administrators generate, send,
# approve and correct (credit notes); outsourcing managers prepare drafts; other client roles
# read; a vendor manager reads its own vendor's invoices and confirms or disputes them.
_INVOICE_VIEW = {"contracts.view_invoice", "contracts.view_costs"}
_INVOICE_RUN = _INVOICE_VIEW | {"contracts.add_invoice", "contracts.approve_invoice"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _INVOICE_RUN,
    Role.FINANCE: _INVOICE_RUN,
    Role.OUTSOURCING_MANAGER: _INVOICE_VIEW | {"contracts.add_invoice"},
    Role.QA_ANALYST: _INVOICE_VIEW,
    Role.PROJECT_LEAD: _INVOICE_VIEW,
    Role.AUDITOR: _INVOICE_VIEW,
    Role.VENDOR_MANAGER: {"contracts.view_invoice", "contracts.confirm_invoice"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Budgets (steward.contracts): the client's own figures. Finance and administrators set them;
# client roles that read cost analytics read them; no vendor-side role ever does.
_BUDGET_EDIT = {"contracts.view_budget", "contracts.add_budget", "contracts.change_budget",
                "contracts.delete_budget"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _BUDGET_EDIT,
    Role.FINANCE: _BUDGET_EDIT,
    Role.OUTSOURCING_MANAGER: {"contracts.view_budget"},
    Role.QA_ANALYST: {"contracts.view_budget"},
    Role.PROJECT_LEAD: {"contracts.view_budget"},
    Role.AUDITOR: {"contracts.view_budget"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Quality (steward.quality): QA analysts write scorecards and evaluate; vendor staff read their
# own evaluations (agents only their own contacts', visibility.py), acknowledge and dispute.
_QA_VIEW = {"quality.view_scorecard", "quality.view_evaluation"}
_QA_RUN = _QA_VIEW | {"quality.change_scorecard", "quality.add_evaluation"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _QA_RUN,
    Role.OUTSOURCING_MANAGER: _QA_RUN,
    Role.QA_ANALYST: _QA_RUN | {"quality.change_evaluation", "quality.review_dispute"},
    Role.FINANCE: _QA_VIEW,
    Role.PROJECT_LEAD: _QA_VIEW,
    Role.AUDITOR: _QA_VIEW,
    Role.VENDOR_MANAGER: _QA_VIEW | {"quality.dispute_evaluation"},
    Role.AGENT: {"quality.view_evaluation", "quality.acknowledge_evaluation", "quality.dispute_evaluation"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Coaching (steward.quality): client QA staff and the vendor's team lead (vendor manager) assign
# coaching from an evaluation and verify it; the agent reads their own, acknowledges and marks it
# done (services check who is who; visibility keeps an agent to their own coachings).
for _role, _extra in {
    Role.CLIENT_ADMIN: {"quality.view_coaching", "quality.add_coaching"},
    Role.OUTSOURCING_MANAGER: {"quality.view_coaching", "quality.add_coaching"},
    Role.QA_ANALYST: {"quality.view_coaching", "quality.add_coaching"},
    Role.PROJECT_LEAD: {"quality.view_coaching"},
    Role.AUDITOR: {"quality.view_coaching"},
    Role.VENDOR_MANAGER: {"quality.view_coaching", "quality.add_coaching"},
    Role.AGENT: {"quality.view_coaching"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra


# Sourcing (steward.sourcing): client roles read tenders; administrators and outsourcing
# managers run them and decide; client roles but the auditor may be named evaluators; a vendor
# manager reads its own invitations and submits its vendor's proposal in the portal.
_TENDER_VIEW = {"sourcing.view_event"}
_TENDER_RUN = _TENDER_VIEW | {"sourcing.add_event", "sourcing.change_event", "sourcing.decide_event",
                              "sourcing.score_event"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _TENDER_RUN,
    Role.OUTSOURCING_MANAGER: _TENDER_RUN,
    Role.QA_ANALYST: _TENDER_VIEW | {"sourcing.score_event"},
    Role.FINANCE: _TENDER_VIEW | {"sourcing.score_event"},
    Role.PROJECT_LEAD: _TENDER_VIEW | {"sourcing.score_event"},
    Role.AUDITOR: _TENDER_VIEW,
    Role.VENDOR_MANAGER: {"sourcing.view_portal", "sourcing.submit_proposal"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Metrics (steward.metrics): KPI dashboards and SLA policies. Vendor managers read their own
# vendor's numbers and the policies of their projects; client roles that own contracts write policies.
_KPI_VIEW = {"metrics.view_kpi", "metrics.view_slapolicy", "metrics.view_alert"}
_ALERT_RUN = {"metrics.add_alertrule", "metrics.change_alert"}
# Holiday years (the cn-* business calendars' data): client roles read them; administrators enter them.
_HOLIDAYS_VIEW = {"metrics.view_holidayyear"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _KPI_VIEW | {"metrics.add_slapolicy"} | _ALERT_RUN | _HOLIDAYS_VIEW | {"metrics.change_holidayyear"},
    Role.OUTSOURCING_MANAGER: _KPI_VIEW | {"metrics.add_slapolicy"} | _ALERT_RUN | _HOLIDAYS_VIEW,
    Role.FINANCE: _KPI_VIEW | {"metrics.add_slapolicy"} | _HOLIDAYS_VIEW,
    Role.PROJECT_LEAD: _KPI_VIEW | {"metrics.add_slapolicy"} | _ALERT_RUN | _HOLIDAYS_VIEW,
    Role.QA_ANALYST: _KPI_VIEW | _HOLIDAYS_VIEW,
    Role.AUDITOR: _KPI_VIEW | _HOLIDAYS_VIEW,
    # Vendor managers see and acknowledge their own vendor's alerts.
    Role.VENDOR_MANAGER: _KPI_VIEW | {"metrics.change_alert"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Workforce (steward.workforce): forecasts, staffing plans, events and commitments; reviews
# (steward.reviews): vendor scorecards and business-review packs. Vendor managers read their
# own vendor's forecast, plan, scorecard and pack (visibility.py scopes the data).
_WFM_VIEW = {"workforce.view_forecast", "reviews.view_scorecard"}
_WFM_RUN = _WFM_VIEW | {"workforce.change_forecast", "reviews.change_weights"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _WFM_RUN,
    Role.OUTSOURCING_MANAGER: _WFM_RUN,
    Role.PROJECT_LEAD: _WFM_VIEW | {"workforce.change_forecast"},
    Role.FINANCE: _WFM_VIEW,
    Role.QA_ANALYST: _WFM_VIEW,
    Role.AUDITOR: _WFM_VIEW,
    Role.VENDOR_MANAGER: _WFM_VIEW,
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra


# Training and knowledge (steward.training): everyone reads the knowledge base and the
# curriculum (vendor users their own agents' sessions and results, agents only their own);
# the client writes articles and courses; the client and a vendor manager (own vendor) run
# sessions, record results and activate agents (the training gate applies to every path).
_TRAIN_VIEW = {"training.view_article", "training.view_training"}
_TRAIN_RUN = _TRAIN_VIEW | {"training.add_session", "training.add_result", "training.activate_agent"}
_TRAIN_ALL = _TRAIN_RUN | {"training.change_article", "training.change_course"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _TRAIN_ALL,
    Role.OUTSOURCING_MANAGER: _TRAIN_ALL,
    Role.PROJECT_LEAD: _TRAIN_ALL,
    Role.QA_ANALYST: _TRAIN_VIEW | {"training.change_article", "training.add_result"},
    Role.FINANCE: _TRAIN_VIEW,
    Role.AUDITOR: _TRAIN_VIEW,
    Role.VENDOR_MANAGER: _TRAIN_RUN,
    Role.AGENT: _TRAIN_VIEW | {"training.acknowledge_article"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra


def capabilities(role: str | None) -> frozenset[str]:
    try:
        return ROLE_CAPABILITIES[Role(role)]
    except ValueError:
        return frozenset()

# Planning (steward.planning): client roles read project plans; administrators, outsourcing
# managers and project leads write them, record the go-live checklist and take projects live.
# A vendor manager reads its projects' plans and moves its own company's tasks; agents have no
# plan pages. Services add side checks (only the client signs off readiness or goes live).
_PLAN_VIEW = {"planning.view_plan"}
_PLAN_RUN = _PLAN_VIEW | {"planning.change_plan", "planning.change_task", "planning.signoff_plan",
                          "planning.golive_plan"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _PLAN_RUN,
    Role.OUTSOURCING_MANAGER: _PLAN_RUN,
    Role.PROJECT_LEAD: _PLAN_RUN,
    Role.QA_ANALYST: _PLAN_VIEW,
    Role.FINANCE: _PLAN_VIEW,
    Role.AUDITOR: _PLAN_VIEW,
    Role.VENDOR_MANAGER: _PLAN_VIEW | {"planning.change_task"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra

# Integrations (steward.integrations): client administrators manage webhook endpoints (replay
# deliveries) and watch the background jobs (retry a failed run); auditors read both.
_INTEGRATIONS_VIEW = {"integrations.view_webhookendpoint", "integrations.view_jobrun"}
for _role, _extra in {
    Role.CLIENT_ADMIN: _INTEGRATIONS_VIEW | {"integrations.change_webhookendpoint", "integrations.change_jobrun"},
    Role.AUDITOR: _INTEGRATIONS_VIEW,
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _extra
