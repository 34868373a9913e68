"""Rows for the isolation walker: corrective actions of both vendors (with steps and events)
and risks shared with one vendor, both, or none."""

from datetime import date

from steward.improvement import services


def seed(world):
    admin = world.user("client_admin")
    due = date(2025, 4, 30)
    capa_a = services.capa_open(actor=admin, vendor=world.vendor_a, project=world.project_a,
                                title="Alphacapa slow answers", problem="Alphaproblem statement",
                                due_date=due, source="kpi_breach", source_reference="Alpharef SL 2025-02")
    capa_b = services.capa_open(actor=admin, vendor=world.vendor_b, project=world.shared,
                                title="Bravosecret capa rude replies", problem="Bravosecret problem statement",
                                due_date=due, source="qa_finding", source_reference="Bravosecret evaluation 17")
    services.capa_respond(actor=world.user("b-manager"), capa=capa_b, response="Bravosecret response text",
                          root_cause="Bravosecret root cause", whys=["Bravosecret why one"])
    services.capa_action_add(actor=world.user("b-manager"), capa=capa_b, description="Bravosecret coaching step",
                             owner=world.user("b-agent1"), due_date=due)
    services.capa_action_add(actor=admin, capa=capa_a, description="Alphastep retrain the team",
                             owner=world.user("a-manager"), due_date=due)

    review = date(2025, 5, 1)
    services.risk_create(actor=admin, project=world.project_b, title="Bravosecret attrition risk", likelihood=4,
                         impact=3, owner=world.user("b-manager"), review_date=review, vendors=[world.vendor_b],
                         mitigation="Bravosecret mitigation plan")
    services.risk_create(actor=admin, project=world.shared, title="Bravosecret financial health", likelihood=2,
                         impact=5, owner=admin, review_date=review, vendors=[],
                         contingency_plan="Bravosecret contingency: move volume")
    services.risk_create(actor=admin, project=world.project_a, title="Alpharisk peak season", likelihood=3,
                         impact=4, owner=world.user("a-manager"), review_date=review, vendors=[world.vendor_a])
    # Shared with both vendors, owned by vendor B's manager: A sees the risk, not who owns it.
    services.risk_create(actor=admin, project=world.shared, title="Mailbox platform outage", likelihood=2,
                         impact=4, owner=world.user("b-manager"), review_date=review,
                         vendors=[world.vendor_a, world.vendor_b])
