"""A vendor with a month of contacts, a contract with an SLA, a corrective action and a risk."""

import datetime as dt
from decimal import Decimal

from steward.contracts import services as contract_services
from steward.improvement import services as improvement_services
from tests.workforce import rollups

MONTH = dt.date(2026, 2, 1)
SLA = """sla: alpha-sla
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20}
    period: month
    target: ">= 0.80"
    allocation_percent: 60
  - metric: csat
    params: {scale: 5, top_box: 2}
    target: ">= 0.85"
    allocation_percent: 40
"""


def contract(world, vendor, project, code="alpha-2026"):
    c = contract_services.contract_create(
        actor=None, code=code, vendor_code=vendor.code, project_codes=[project.code], title="阿尔法 服务协议",
        status="active", signed_on=dt.date(2025, 12, 1), start_date=dt.date(2026, 1, 1), end_date=None,
        currency="CNY", pricing_model="per_contact", sla_policy_text=SLA)
    contract_services.rate_add(actor=None, contract=c, component="handled_contact", amount=Decimal("5.00"),
                               effective_from=dt.date(2026, 1, 1))
    return c


def month_of_contacts(world, vendor, project, seed=1, base=200, wait_seconds=10):
    rollups.load(project, vendor, end=dt.date(2026, 2, 28), days=59, base=base, seed=seed, wait_seconds=wait_seconds)


def capa(world, vendor, project, title):
    case = improvement_services.capa_open(actor=world.user("client_admin"), vendor=vendor, project=project,
                                          title=title, problem=f"{title}: answers too slow", due_date=dt.date(2026, 2, 20),
                                          source="kpi_breach")
    type(case).objects.filter(pk=case.pk).update(opened_at=dt.datetime(2026, 2, 3, 2, 0, tzinfo=dt.UTC))
    case.refresh_from_db()
    return case
