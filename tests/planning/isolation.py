"""Rows for the isolation walker: plans of vendor A's project, vendor B's project and the shared
one, with tasks assigned to each vendor's people (and to each of vendor A's agents), RACI roles
at both vendors and readiness sign-offs."""

from datetime import date

from steward.planning import services
from steward.planning.models import Task


def _plan(world, project, business_type: str, note: str):
    lead = world.user("project_lead")
    plan = services.plan_create(actor=lead, project=project, start_date=date(2025, 1, 6), planned_headcount=3)
    services.needs_update(actor=lead, plan=plan, business_type=business_type, peak_seasons=f"{business_type} peak",
                          needs_notes=note)
    services.signoff_record(actor=lead, plan=plan, item="data_handover", note=f"{note} handover")
    return plan


def _task(world, plan, key: str, title: str, assignee):
    return services.task_create(actor=world.user("project_lead"), phase=plan.phases.get(key=key), title=title,
                                assignee=assignee, due_date=date(2025, 3, 1), description=f"{title} details")


def seed(world):
    plan_a = _plan(world, world.project_a, "Alphaplan retail", "Alphaplan notes")
    plan_b = _plan(world, world.project_b, "Bravosecret insurance", "Bravosecret needs notes")
    shared = _plan(world, world.shared, "Sharedplan mailbox", "Sharedplan notes")

    _task(world, plan_a, "pilot", "Alphatask for agent one", world.user("a-agent1"))
    _task(world, plan_a, "pilot", "Alphatask for agent two secret", world.user("a-agent2"))
    _task(world, plan_b, "pilot", "Bravosecret task for the floor", world.user("b-agent1"))
    _task(world, plan_b, "training", "Bravosecret training task", world.user("b-manager"))
    # On the shared plan both vendors see the task; vendor A must not learn who at B holds it.
    shared_task = _task(world, shared, "pilot", "Sharedtask held at the other vendor", world.user("b-agent1"))
    services.task_move(actor=world.user("b-manager"), task=shared_task, status="blocked")
    _task(world, shared, "pilot", "Sharedtask of agent two secret", world.user("a-agent2"))
    services.raci_party_add(actor=world.user("project_lead"), plan=plan_b, name="Bravosecret floor lead",
                            vendor=world.vendor_b)
    services.raci_party_add(actor=world.user("project_lead"), plan=shared, name="Floor supervisor",
                            vendor=world.vendor_b)
    assert Task.objects.filter(phase__plan=plan_b).exists()
