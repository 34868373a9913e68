import datetime as dt
from decimal import Decimal

import pytest

from steward.contracts import services

SLA_YAML = """sla: presales-chat
version: 3
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    scope: {channel: chat}
    period: month
    target: ">= 0.80"
    allocation_percent: 60
    credit_tiers: [{below: 0.80, credit_percent: 50}, {below: 0.75, credit_percent: 100}]
  - metric: csat
    params: {scale: 5, top_box: 2}
    target: ">= 0.85"
    allocation_percent: 40
    bonus: {at_or_above: 0.92, bonus_percent: 2}
"""


def terms(**overrides):
    base = dict(title="Hotline outsourcing", status="active", start_date=dt.date(2025, 1, 1),
                end_date=dt.date(2026, 12, 31), pricing_model="per_fte", notice_days=90, auto_renew=True)
    base.update(overrides)
    return base


@pytest.fixture
def make_contract(world):
    def make(code="alpha-2025", vendor=None, projects=None, **overrides):
        vendor = vendor or world.vendor_a
        projects = projects if projects is not None else [world.project_a]
        return services.contract_create(actor=world.user("client_admin"), code=code, vendor_code=vendor.code,
                                        project_codes=[p.code for p in projects], **terms(**overrides))

    return make


@pytest.fixture
def fte_contract(world, make_contract):
    contract = make_contract(price_adjustment_cap_percent=Decimal("5"))
    services.rate_add(actor=world.user("finance"), contract=contract, component="fte_month",
                      amount=Decimal("9000"), effective_from=dt.date(2025, 1, 1))
    return contract
