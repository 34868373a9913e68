"""Contract services and selectors: parties and projects, SLA validation, rates against the
pricing model and the price-adjustment cap, renewal notices, and the pricing of a period."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from steward.contracts import pricing, selectors, services
from steward.contracts.models import Contract

from .conftest import SLA_YAML, terms


def test_contract_links_one_vendor_and_only_projects_it_serves(world, make_contract):
    contract = make_contract(projects=[world.project_a, world.shared])
    assert contract.vendor == world.vendor_a
    assert {p.code for p in contract.projects.all()} == {"alpha-only", "shared-mail"}
    with pytest.raises(ValidationError) as error:
        make_contract(code="alpha-2", projects=[world.project_b])
    assert "bravo-only" in str(error.value)
    assert not Contract.objects.filter(code="alpha-2").exists()


def test_vendor_users_cannot_write_contracts(world):
    with pytest.raises(PermissionDenied):
        services.contract_create(actor=world.user("a-manager"), code="x", vendor_code="alpha", **terms())


def test_term_dates_are_checked(world, make_contract):
    with pytest.raises(ValidationError) as error:
        make_contract(end_date=dt.date(2024, 12, 31))
    assert "end_date" in error.value.message_dict


def test_sla_policy_is_validated_and_sets_name_version_and_at_risk(world, make_contract):
    contract = make_contract(sla_policy_text=SLA_YAML, at_risk_percent=Decimal("3"))
    assert (contract.sla_policy_name, contract.sla_policy_version, contract.at_risk_percent) == (
        "presales-chat", 3, Decimal("10"))
    with pytest.raises(ValidationError) as error:
        services.contract_update(actor=world.user("client_admin"), contract=contract,
                                 **terms(sla_policy_text=SLA_YAML.replace("version: 3", "version: 0")))
    assert "line 2" in " ".join(error.value.message_dict["sla_policy_text"])
    contract.refresh_from_db()
    assert contract.sla_policy_version == 3
    cleared = services.contract_update(actor=world.user("client_admin"), contract=contract,
                                       **terms(sla_policy_text="", at_risk_percent=Decimal("5")))
    assert (cleared.sla_policy_name, cleared.sla_policy_version, cleared.at_risk_percent) == ("", None, Decimal("5"))


def test_rates_must_fit_the_pricing_model(world, fte_contract):
    with pytest.raises(ValidationError) as error:
        services.rate_add(actor=world.user("finance"), contract=fte_contract, component="handled_contact",
                          amount=Decimal("4"), effective_from=dt.date(2025, 1, 1))
    assert "component" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # switching model would orphan the FTE rate
        services.contract_update(actor=world.user("finance"), contract=fte_contract,
                                 **terms(pricing_model="per_contact"))
    assert "pricing_model" in error.value.message_dict


def test_price_adjustment_cap(world, fte_contract):
    finance = world.user("finance")
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.rate_add(actor=finance, contract=fte_contract, component="fte_month", amount=Decimal("9450.01"),
                          effective_from=dt.date(2026, 1, 1))
    assert "at most 9450" in str(error.value)
    services.rate_add(actor=finance, contract=fte_contract, component="fte_month", amount=Decimal("9450"),
                      effective_from=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.rate_add(actor=finance, contract=fte_contract, component="fte_month", amount=Decimal("9000"),
                          effective_from=dt.date(2026, 1, 1))
    assert "effective_from" in error.value.message_dict


def test_period_charge_uses_the_contracts_dated_rates(world, fte_contract):
    services.rate_add(actor=world.user("finance"), contract=fte_contract, component="fte_month",
                      amount=Decimal("9300"), effective_from=dt.date(2025, 3, 16))
    charge = selectors.period_charge(user=world.user("a-manager"), contract=fte_contract, start=dt.date(2025, 3, 1),
                                     end=dt.date(2025, 4, 1), usage=pricing.Usage(fte=Decimal(20)))
    assert charge.total == Decimal("183096.77")


def test_renewal_notice_due_selector_and_command(world, make_contract):
    on = dt.date(2025, 10, 1)
    # ends 2025-12-20, 90 days' notice → deadline 2025-09-21 (passed, still running)
    make_contract(code="due-passed", end_date=dt.date(2025, 12, 20))
    # ends 2026-02-01 → deadline 2025-11-03, within 60 days of Oct 1
    make_contract(code="due-soon", end_date=dt.date(2026, 2, 1), vendor=world.vendor_b, projects=[])
    make_contract(code="later", end_date=dt.date(2026, 6, 1))
    make_contract(code="open", end_date=None)
    make_contract(code="draft", end_date=dt.date(2025, 12, 20), status="draft")
    make_contract(code="over", start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 9, 30))
    due = selectors.renewal_notices_due(user=world.user("client_admin"), within_days=60, on=on)
    assert [c.code for c in due] == ["due-passed", "due-soon"]
    mine = selectors.renewal_notices_due(user=world.user("a-manager"), within_days=60, on=on)
    assert [c.code for c in mine] == ["due-passed"]
    today = dt.date.today()  # the command reads the real date in the client's time zone
    make_contract(code="cmd-due", start_date=today - dt.timedelta(days=10), end_date=today + dt.timedelta(days=100))
    make_contract(code="cmd-later", start_date=today - dt.timedelta(days=10), end_date=today + dt.timedelta(days=400))
    out = io.StringIO()
    call_command("contract_reminders", "--days", "30", stdout=out)
    listed = {line.split("\t")[0] for line in out.getvalue().splitlines()}
    assert "cmd-due" in listed and "cmd-later" not in listed
