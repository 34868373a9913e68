import datetime as dt

import pytest

from steward.contracts import services as contract_services
from steward.interactions.models import Agent
from steward.metrics import services as metric_services
from steward.planning import services

SLA_TEXT = """sla: {name}
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {{threshold_seconds: 20, short_abandon_seconds: 5}}
    period: month
    target: ">= 0.80"
    allocation_percent: 100
"""


@pytest.fixture
def plan(world):
    """A plan of the shared project (both vendors serve it), from the template."""
    return services.plan_create(actor=world.user("project_lead"), project=world.shared,
                                start_date=dt.date(2025, 1, 6), planned_headcount=2)


@pytest.fixture
def plan_a(world):
    return services.plan_create(actor=world.user("project_lead"), project=world.project_a,
                                start_date=dt.date(2025, 1, 6), planned_headcount=2)


def add_agents(project, vendor, n: int, prefix: str = "AG") -> list[Agent]:
    agents = []
    for i in range(n):
        agent = Agent.objects.create(vendor=vendor, code=f"{prefix}-{project.code}-{i}", name=f"Agent {i}")
        agent.projects.add(project)
        agents.append(agent)
    return agents


def make_ready(world, plan, *, agents: bool = True, sla: bool = True, contract: bool = True, handover: bool = True,
               access: bool = True, security: bool = True) -> None:
    """Make each readiness condition hold (or leave out the ones switched off)."""
    admin, project = world.user("client_admin"), plan.project
    if agents:
        for vendor in project.vendors.all():
            add_agents(project, vendor, plan.planned_headcount or 1, prefix=vendor.code)
    if sla:
        metric_services.sla_policy_save(actor=admin, project=project, text=SLA_TEXT.format(name=f"{project.code}-sla"))
    if contract:
        for vendor in project.vendors.all():
            contract_services.contract_create(
                actor=admin, code=f"C-{project.code}-{vendor.code}", vendor_code=vendor.code,
                project_codes=[project.code], title=f"Contract {vendor.code}", status="active",
                signed_on=dt.date(2024, 12, 1), start_date=dt.date(2025, 1, 1), pricing_model="per_fte")
    lead = world.user("project_lead")
    if handover:
        services.signoff_record(actor=lead, plan=plan, item="data_handover", note="CRM export loaded")
    if access:
        services.signoff_record(actor=lead, plan=plan, item="system_access")
    if access and security:
        services.signoff_record(actor=world.user("client_admin"), plan=plan, item="security_signoff")


@pytest.fixture(autouse=True)
def english():
    """Service messages are asserted in English, whatever the catalogue holds."""
    from django.utils import translation

    with translation.override("en"):
        yield
