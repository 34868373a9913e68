"""The stated rounding rule: every mode (half up, half even, up, down) to 0.01 and to a whole
unit, computed by hand incl. the .005 half; lines rounded, totals the sum of rounded lines, the
at-risk pool rounded down; the rule stored on invoices and stated on pages, PDF and XLSX."""

import datetime as dt
import io
from decimal import Decimal as D
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from steward.contracts import services
from steward.contracts.invoicing import Adjustment, SlaAmount, draft_invoice
from steward.contracts.pricing import Component, PricingError, Rate, Rounding, RoundingMode, Usage, period_charge

JAN1 = dt.date(2025, 1, 1)
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 4, 1))
MODES = list(RoundingMode)
CENT, UNIT = D("0.01"), D("1")


def rule(mode, unit=CENT):
    return Rounding(RoundingMode(mode), unit)


@pytest.mark.parametrize(("value", "expected"), [
    # value: half_up, half_even, up, down
    ("2.345", ("2.35", "2.34", "2.35", "2.34")),
    ("2.355", ("2.36", "2.36", "2.36", "2.35")),
    ("2.3451", ("2.35", "2.35", "2.35", "2.34")),
    ("2.341", ("2.34", "2.34", "2.35", "2.34")),
    ("-2.345", ("-2.35", "-2.34", "-2.35", "-2.34")),
    ("0.005", ("0.01", "0.00", "0.01", "0.00")),
    ("7.00", ("7.00", "7.00", "7.00", "7.00")),
])
def test_each_mode_to_the_cent(value, expected):
    assert [rule(m).round(D(value)) for m in ("half_up", "half_even", "up", "down")] == [D(x) for x in expected]


@pytest.mark.parametrize(("value", "expected"), [
    ("2.5", ("3.00", "2.00", "3.00", "2.00")),
    ("3.5", ("4.00", "4.00", "4.00", "3.00")),
    ("3.01", ("3.00", "3.00", "4.00", "3.00")),
    ("-2.5", ("-3.00", "-2.00", "-3.00", "-2.00")),
])
def test_each_mode_to_a_whole_unit(value, expected):
    assert [rule(m, UNIT).round(D(value)) for m in ("half_up", "half_even", "up", "down")] == [D(x) for x in expected]


def test_a_half_is_decided_exactly_on_fractions():
    # 1/200 = 0.005 exactly; a hair below it never rounds up under half up.
    assert rule("half_up").round(Fraction(1, 200)) == D("0.01")
    assert rule("half_up").round(Fraction(1, 200) - Fraction(1, 10**12)) == D("0.00")
    with pytest.raises(PricingError):
        Rounding(RoundingMode.HALF_UP, D("0.05"))


@pytest.mark.parametrize(("mode", "cents", "units"), [
    # 1,001 contacts × 0.005 = 5.005 (to 0.01) and 1,001 × 2.5 = 2,502.5 (to 1)
    ("half_up", "5.01", "2503.00"), ("half_even", "5.00", "2502.00"),
    ("up", "5.01", "2503.00"), ("down", "5.00", "2502.00"),
])
def test_per_contact_charge_under_each_rule(mode, cents, units):
    c = period_charge(model="per_contact", rates=[Rate(Component.HANDLED_CONTACT, D("0.005"), JAN1)],
                      start=MARCH[0], end=MARCH[1], usage=Usage(handled_contacts=1001), rounding=rule(mode))
    assert c.total == D(cents) == c.lines[0].amount
    c = period_charge(model="per_contact", rates=[Rate(Component.HANDLED_CONTACT, D("2.5"), JAN1)],
                      start=MARCH[0], end=MARCH[1], usage=Usage(handled_contacts=1001), rounding=rule(mode, UNIT))
    assert c.total == D(units)


@pytest.mark.parametrize(("mode", "unit", "lines"), [
    # 20 FTE × 9,000 × 15/31 = 87,096.774… and 20 × 9,300 × 16/31 = 96,000 exactly; the component
    # total 183,096.774… is rounded once, then the lines share it (largest remainder: the first).
    ("half_up", CENT, ("87096.77", "96000.00")),
    ("half_even", CENT, ("87096.77", "96000.00")),
    ("up", CENT, ("87096.78", "96000.00")),
    ("down", CENT, ("87096.77", "96000.00")),
    ("half_up", UNIT, ("87097.00", "96000.00")),
    ("down", UNIT, ("87096.00", "96000.00")),
])
def test_segment_lines_share_the_rounded_component_total(mode, unit, lines):
    rates = [Rate(Component.FTE_MONTH, D("9000"), JAN1), Rate(Component.FTE_MONTH, D("9300"), dt.date(2025, 3, 16))]
    c = period_charge(model="per_fte", rates=rates, start=MARCH[0], end=MARCH[1], usage=Usage(fte=D(20)),
                      rounding=rule(mode, unit))
    assert [line.amount for line in c.lines] == [D(x) for x in lines]
    assert c.total == sum(D(x) for x in lines)


@pytest.mark.parametrize(("mode", "expected"), [
    # per minute: 1,234.5 min × 0.85 = 1,049.325; pool 10 % of the rounded fees, rounded DOWN to
    # the unit; credit claim 50.5; adjustment −10.5; bonus 2.5; total = sum of the lines.
    #        fees        pool      credit   adjustment  bonus   total
    ("half_up", ("1049.00", "104.00", "51.00", "-11.00", "3.00", "990.00")),
    ("half_even", ("1049.00", "104.00", "50.00", "-10.00", "2.00", "991.00")),
    ("up", ("1050.00", "105.00", "51.00", "-11.00", "3.00", "991.00")),
    ("down", ("1049.00", "104.00", "50.00", "-10.00", "2.00", "991.00")),
])
def test_invoice_to_a_whole_unit_under_each_rule(mode, expected):
    r = rule(mode, UNIT)
    c = period_charge(model="per_minute", rates=[Rate(Component.MINUTE, D("0.85"), JAN1)], start=MARCH[0],
                      end=MARCH[1], usage=Usage(minutes=D("1234.5")), rounding=r)
    d = draft_invoice(charge=c, at_risk_percent=D(10), credits=[SlaAmount("sl", "r", D("50.5"))],
                      bonuses=[SlaAmount("csat", "r", D("2.5"))], adjustments=[Adjustment("refund", D("-10.5"))],
                      rounding=r)
    assert (d.fees, d.at_risk_pool, d.credits, d.adjustments, d.bonuses, d.total) == tuple(D(x) for x in expected)
    assert d.total == sum(line.amount for line in d.lines)


def test_credits_scaled_to_the_pool_in_whole_units():
    # fixed 1,000 a month, 10 % at risk → pool 100; claims 70 + 70 = 140 > 100 → 50 + 50 (to 1)
    # and claims 70 + 35 = 105 → 66.67 + 33.33 exactly → 67 + 33 (largest remainder to the first).
    c = period_charge(model="fixed", rates=[Rate(Component.FIXED_MONTH, D("1000"), JAN1)], start=MARCH[0],
                      end=MARCH[1], usage=Usage(), rounding=rule("half_even", UNIT))
    d = draft_invoice(charge=c, at_risk_percent=D(10), rounding=rule("half_even", UNIT),
                      credits=[SlaAmount("a", "r", D(70)), SlaAmount("b", "r", D(35))])
    assert [line.amount for line in d.lines if line.kind == "credit"] == [D("-67.00"), D("-33.00")]
    assert d.credits == d.at_risk_pool == D("100.00") and d.total == D("900.00")


@settings(max_examples=120, deadline=None)
@given(mode=st.sampled_from(MODES), unit=st.sampled_from([CENT, UNIT]),
       fte=st.decimals(min_value=0, max_value=300, places=2),
       rate=st.decimals(min_value=0, max_value=20000, places=4),
       contact_rate=st.decimals(min_value=0, max_value=20, places=3),
       contacts=st.integers(min_value=0, max_value=10**6),
       change_day=st.integers(min_value=2, max_value=31),
       at_risk=st.decimals(min_value=0, max_value=100, places=2),
       claims=st.lists(st.decimals(min_value=0, max_value=10**6, places=3), max_size=5),
       bonuses=st.lists(st.decimals(min_value=0, max_value=10**4, places=3), max_size=3),
       adjustments=st.lists(st.decimals(min_value=-10**4, max_value=10**4, places=3), max_size=3))
def test_under_every_rule_totals_are_sums_of_lines_and_credits_fit_the_pool(
        mode, unit, fte, rate, contact_rate, contacts, change_day, at_risk, claims, bonuses, adjustments):
    r = Rounding(mode, unit)
    rates = [Rate(Component.FTE_MONTH, rate, JAN1), Rate(Component.HANDLED_CONTACT, contact_rate, JAN1),
             Rate(Component.HANDLED_CONTACT, contact_rate + D("0.5"), dt.date(2025, 3, change_day)),
             Rate(Component.MINIMUM_MONTH, D("50000"), JAN1)]
    c = period_charge(model="hybrid", rates=rates, start=MARCH[0], end=MARCH[1],
                      usage=Usage(fte=fte, handled_contacts=contacts), rounding=r)
    assert c.total == sum(line.amount for line in c.lines)
    d = draft_invoice(charge=c, at_risk_percent=at_risk, rounding=r,
                      credits=[SlaAmount(f"t{i}", "r", x) for i, x in enumerate(claims)],
                      bonuses=[SlaAmount(f"b{i}", "r", x) for i, x in enumerate(bonuses)],
                      adjustments=[Adjustment(f"a{i}", x) for i, x in enumerate(adjustments)])
    assert d.total == sum(line.amount for line in d.lines)
    assert d.total == d.fees + d.adjustments - d.credits + d.bonuses
    assert all(r.is_rounded(line.amount) for line in d.lines)
    assert d.credits <= d.at_risk_pool <= d.fees * at_risk / 100  # never above the contract's share
    assert d.credits == min(d.credits_claimed, d.at_risk_pool)


# --------------------------------------------------------------------------- stored invoices

def test_contract_rule_is_applied_stored_and_stated(client, world, make_contract):
    finance = world.user("finance")
    contract = make_contract(pricing_model="fixed", rounding_mode="half_even", rounding_unit="1",
                             currency="JPY")
    services.rate_add(actor=finance, contract=contract, component="fixed_month", amount=D("1000.5"),
                      effective_from=JAN1)
    invoice = services.invoice_generate(actor=finance, contract=contract, month=dt.date(2025, 3, 1),
                                        adjustments=[("Training", D("2.5"))])
    # 1,000.5 → half even to 1 → 1,000; the adjustment 2.5 → 2; total 1,002
    assert (invoice.fees, invoice.adjustments, invoice.total) == (D("1000.00"), D("2.00"), D("1002.00"))
    assert (invoice.rounding_mode, invoice.rounding_unit) == ("half_even", "1")
    # Changing the contract's rule later does not restate an invoice computed under the old one.
    services.contract_update(actor=world.user("client_admin"), contract=contract, rounding_mode="up")
    invoice.refresh_from_db()
    assert invoice.rounding_mode == "half_even"
    services.invoice_send(actor=finance, invoice=invoice)
    services.invoice_confirm(actor=world.user("a-manager"), invoice=invoice)
    services.invoice_approve(actor=finance, invoice=invoice)
    with pytest.raises(ValidationError):  # 0.4 rounds (half even, to 1) to nothing
        services.credit_note_create(actor=finance, invoice=invoice, amount=D("0.4"), reason="x")
    note = services.credit_note_create(actor=finance, invoice=invoice, amount=D("10.5"), reason="goodwill")
    assert note.total == D("-10.00") and note.rounding_unit == "1"

    client.force_login(finance)
    with translation.override("en"):
        page = client.get(f"/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Half even (banker&#x27;s rounding) to 1 (a currency without cents)" in page
        page = client.get(contract.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Up (any remainder away from zero) to 1" in page
        sheet = load_workbook(io.BytesIO(client.get(f"/invoices/{invoice.pk}/invoice.xlsx",
                                                    HTTP_ACCEPT_LANGUAGE="en").content)).active
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        assert any("Half even" in c and "sum of its rounded lines" in c for c in cells)
        pdf = client.get(f"/invoices/{invoice.pk}/invoice.pdf", HTTP_ACCEPT_LANGUAGE="en").content
    import pypdfium2
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "Half even" in text
    with translation.override("en"):
        data = client.get(f"/api/invoices/{invoice.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (data["rounding_mode"], data["rounding_unit"]) == ("half_even", "1")
    assert data["rounding_rule"].startswith("Half even")
