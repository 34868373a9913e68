"""Cost allocation of an invoice whose contract covers several projects: the invoice is shared
by the handled contacts it was computed from (stored with it at generation), never by the
rollups as they are when the cost page is read, so later imports, undos, a rollup rebuild or a
change of the contract's projects do not move it. Shares are whole rounding units, largest
remainder, and add up to the invoice (and its credit notes) exactly."""

import datetime as dt
import importlib
from decimal import Decimal as D
from fractions import Fraction

import pytest
from django.apps import apps as django_apps
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.contracts import invoicing, selectors, services
from steward.contracts.models import InvoiceLocked, InvoiceVolume
from steward.interactions import services as interactions

MARCH = dt.date(2025, 3, 1)


def answered(prefix, n, *, day="2025-03-10", resolved=0):
    """n answered voice contacts (5 minutes each), the first `resolved` of them resolved."""
    return [{"external_id": f"{prefix}-{i}", "channel": "voice", "arrived_at": f"{day}T10:00:00+08:00",
             "abandoned": "false", "wait_seconds": 10, "talk_seconds": 240, "hold_seconds": 0,
             "wrap_seconds": 60, "agent_code": "a1", **({"outcome": "resolved"} if i < resolved else {})}
            for i in range(n)]


def load(world, project, rows, key):
    return interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=rows,
                                       idempotency_key=key, allow_rejects=False).batch


@pytest.fixture
def three(world, make_contract, make_project):
    """Alpha's per-contact contract (4.00 a contact) on three projects; March 2025: alpha-only
    1 handled contact, delta-desk 2, gamma-desk 4 (2 of them resolved) → fees 7 × 4.00 = 28.00."""
    gamma, delta = make_project("gamma-desk", [world.vendor_a]), make_project("delta-desk", [world.vendor_a])
    contract = make_contract(code="alpha-multi", projects=[world.project_a, gamma, delta], pricing_model="per_contact")
    services.rate_add(actor=world.user("finance"), contract=contract, component="handled_contact",
                      amount=D("4.00"), effective_from=dt.date(2025, 1, 1))
    load(world, world.project_a, answered("A", 1), "alloc-a")
    load(world, delta, answered("D", 2), "alloc-d")
    batch = load(world, gamma, answered("G", 4, resolved=2), "alloc-g")
    return contract, gamma, delta, batch


def march(world):
    return {(a.invoice.number, a.project.code): (a.amount, a.handled, a.resolved)
            for a in selectors.invoice_allocations(user=world.user("finance"), first=MARCH, last=MARCH)}


def test_allocations_keep_the_split_the_invoice_was_computed_on(world, three):
    contract, _, _, gamma_batch = three
    finance = world.user("finance")
    invoice = services.invoice_generate(actor=finance, contract=contract, month=MARCH,
                                        adjustments=[("Rounding test", D("0.01"))])
    # total 28.00 + 0.01 = 28.01, shared 1 : 2 : 4 (of 7) by handled contacts:
    # exact 4.001428…, 8.002857…, 16.005714… → rounded toward zero to the cent 4.00 + 8.00 + 16.00
    # = 28.00; the 1 cent left goes to the largest remainder (0.571… cent: gamma-desk).
    assert invoice.total == D("28.01")
    assert [(v.project.code, v.handled_contacts, v.minutes, v.resolved_tickets) for v in invoice.volumes.all()] == [
        ("alpha-only", 1, D("5.00"), 0), ("delta-desk", 2, D("10.00"), 0), ("gamma-desk", 4, D("20.00"), 2)]
    services.invoice_send(actor=finance, invoice=invoice)
    expected = {(invoice.number, "alpha-only"): (D("4.00"), 1, 0), (invoice.number, "delta-desk"): (D("8.00"), 2, 0),
                (invoice.number, "gamma-desk"): (D("16.01"), 4, 2)}
    assert march(world) == expected

    # Later: 3 more contacts for alpha-only in March (the rollups now say 4 : 2 : 4, which
    # would share 28.01 as 11.21 / 5.60 / 11.20) …
    load(world, world.project_a, answered("A2", 3, day="2025-03-20"), "alloc-a2")
    assert march(world) == expected
    # … gamma-desk's import undone (4 : 2 : 0) …
    interactions.batch_undo(actor=finance, batch=gamma_batch)
    assert march(world) == expected
    # … the rollups rebuilt, and delta-desk taken off the contract: still the invoice's split.
    interactions.rollups_rebuild()
    services.contract_update(actor=world.user("client_admin"), contract=contract,
                             project_codes=["alpha-only", "gamma-desk"])
    assert march(world) == expected

    # A credit note of 0.05 is shared like its invoice: exact 0.714…, 1.428…, 2.857… cents →
    # 0 + 1 + 2 = 3 cents, the 2 left to the largest remainders (gamma-desk 0.857, alpha-only
    # 0.714) → −0.01, −0.01, −0.03; handled contacts are counted once, on the invoice.
    services.invoice_confirm(actor=world.user("a-manager"), invoice=invoice)
    services.invoice_approve(actor=finance, invoice=invoice)
    note = services.credit_note_create(actor=finance, invoice=invoice, amount=D("0.05"), reason="goodwill")
    got = march(world)
    assert {k: v for k, v in got.items() if k[0] == note.number} == {
        (note.number, "alpha-only"): (D("-0.01"), 0, 0), (note.number, "delta-desk"): (D("-0.01"), 0, 0),
        (note.number, "gamma-desk"): (D("-0.03"), 0, 0)}
    assert sum(v[0] for k, v in got.items() if k[0] == invoice.number) == invoice.total
    # gamma-desk's March on the cost page: 16.01 − 0.03 = 15.98 for 4 handled contacts → 4.00 each
    gamma_march = selectors.budget_vs_actual(user=finance, year=2025, project="gamma-desk")[2]
    assert (gamma_march.actual, gamma_march.handled, gamma_march.per_contact) == (D("15.98"), 4, D("4.00"))

    # The stored volumes of an approved invoice are as immutable as its lines.
    stored = invoice.volumes.first()
    stored.handled_contacts = 99
    with pytest.raises(InvoiceLocked):
        stored.save()
    with pytest.raises(InvoiceLocked):
        stored.delete()
    with pytest.raises(InvoiceLocked):
        InvoiceVolume.objects.create(invoice=invoice, project=world.shared, handled_contacts=1)


def test_recomputing_a_draft_refreshes_its_volumes(world, three):
    contract, _, delta, _ = three
    finance = world.user("finance")
    invoice = services.invoice_generate(actor=finance, contract=contract, month=MARCH)
    load(world, delta, answered("D2", 1, day="2025-03-31"), "alloc-d2")
    invoice = services.invoice_recompute(actor=finance, invoice=invoice)
    # 8 contacts × 4.00 = 32.00, shared 1 : 3 : 4 → 4.00, 12.00, 16.00
    assert [(v.project.code, v.handled_contacts) for v in invoice.volumes.all()] == [
        ("alpha-only", 1), ("delta-desk", 3), ("gamma-desk", 4)]
    services.invoice_send(actor=finance, invoice=invoice)
    assert [a for _, a in sorted((k[1], v[0]) for k, v in march(world).items())] == [
        D("4.00"), D("12.00"), D("16.00")]


def test_a_currency_without_cents_is_shared_in_whole_units(world, three):
    contract, *_ = three
    finance = world.user("finance")
    services.contract_update(actor=world.user("client_admin"), contract=contract, rounding_unit="1")
    invoice = services.invoice_generate(actor=finance, contract=contract, month=MARCH,
                                        adjustments=[("Set-up", D(2))])
    services.invoice_send(actor=finance, invoice=invoice)
    # 28 + 2 = 30 to 1, shared 1 : 2 : 4: exact 4.285…, 8.571…, 17.142… → 4 + 8 + 17 = 29, the 1
    # left to delta-desk (remainder 0.571) → 4, 9, 17
    assert invoice.total == D("30.00")
    assert {k[1]: v[0] for k, v in march(world).items()} == {
        "alpha-only": D("4.00"), "delta-desk": D("9.00"), "gamma-desk": D("17.00")}


@pytest.fixture
def single_and_multi(world, three, make_contract):
    """March's draft invoices of a one-project contract (2.50 per contact) and of `three`'s."""
    contract, *_ = three
    finance = world.user("finance")
    single = make_contract(code="alpha-single", pricing_model="per_contact")
    services.rate_add(actor=finance, contract=single, component="handled_contact", amount=D("2.50"),
                      effective_from=dt.date(2025, 1, 1))
    one = services.invoice_generate(actor=finance, contract=single, month=MARCH)
    many = services.invoice_generate(actor=finance, contract=contract, month=MARCH)
    return one, many


def test_an_invoice_stored_without_volumes_falls_back(world, single_and_multi):
    """One restored from a backup taken before volumes were stored: a single-project invoice is
    shared by its own totals; a multi-project one by the rollups of its served days now."""
    one, many = single_and_multi
    finance = world.user("finance")
    for invoice in (one, many):
        services.invoice_send(actor=finance, invoice=invoice)
    InvoiceVolume.objects.filter(invoice__in=[one, many]).delete()  # as a restore would leave them
    load(world, world.project_a, answered("A3", 1, day="2025-03-20"), "alloc-a3")
    got = march(world)
    # the single-project invoice: 1 contact × 2.50 = 2.50, all on alpha-only with its own 1 contact
    assert got[(one.number, "alpha-only")] == (D("2.50"), 1, 0)
    # the multi-project one (28.00): the rollups now say 2 : 2 : 4 → 7.00, 7.00, 14.00
    assert [got[(many.number, p)][0] for p in ("alpha-only", "delta-desk", "gamma-desk")] == [
        D("7.00"), D("7.00"), D("14.00")]


def test_the_data_migration_stores_the_volumes_of_earlier_invoices(world, single_and_multi):
    one, many = single_and_multi
    before = {i.pk: list(i.volumes.values_list("project__code", "handled_contacts", "minutes", "resolved_tickets"))
              for i in (one, many)}
    InvoiceVolume.objects.all().delete()
    migration = importlib.import_module("steward.contracts.migrations.0005_invoice_volumes_of_earlier_invoices")
    migration.store_volumes(django_apps, None)
    after = {i.pk: list(i.volumes.values_list("project__code", "handled_contacts", "minutes", "resolved_tickets"))
             for i in (one, many)}
    assert after == before
    assert before[one.pk] == [("alpha-only", 1, D("5.00"), 0)]


@pytest.mark.parametrize(("amount", "weights", "unit", "expected"), [
    # 28.01 by 1 : 2 : 4: floors 4.00 + 8.00 + 16.00, 1 cent to the largest remainder (16.0057)
    (D("28.01"), [1, 2, 4], D("0.01"), ["4.00", "8.00", "16.01"]),
    # −0.05 mirrors 0.05: 0 + 1 + 2 cents, 2 left to remainders 0.857 then 0.714
    (D("-0.05"), [1, 2, 4], D("0.01"), ["-0.01", "-0.01", "-0.03"]),
    # equal remainders: the earlier part first
    (D("0.02"), [1, 1, 1], D("0.01"), ["0.01", "0.01", "0.00"]),
    # a currency without cents: 1,000 in thirds → 334, 333, 333
    (D("1000.00"), [1, 1, 1], D(1), ["334.00", "333.00", "333.00"]),
    # nobody handled anything: even shares
    (D("100.00"), [0, 0, 0], D("0.01"), ["33.34", "33.33", "33.33"]),
    (D("0.00"), [5, 0], D("0.01"), ["0.00", "0.00"]),
])
def test_split_by_hand(amount, weights, unit, expected):
    parts = invoicing.split(amount, weights, unit)
    assert parts == [D(e) for e in expected] and sum(parts) == amount
    assert all(str(p) == e for p, e in zip(parts, expected))  # two places, no −0.00


def test_split_refuses_an_amount_that_is_not_a_multiple_of_the_unit():
    with pytest.raises(ValueError):
        invoicing.split(D("10.50"), [1, 1], D(1))


@settings(max_examples=300)
@given(units=st.integers(-10**9, 10**9), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=8),
       unit=st.sampled_from([D("0.01"), D(1)]))
def test_split_adds_up_exactly_in_whole_units(units, weights, unit):
    amount = (units * unit).quantize(D("0.01"))
    parts = invoicing.split(amount, weights, unit)
    assert sum(parts) == amount and len(parts) == len(weights)
    total = sum(weights) or len(weights)
    for part, w in zip(parts, weights or []):
        exact = Fraction(amount) * Fraction(w if sum(weights) else 1, total)
        assert (part / unit) == int(part / unit)  # a whole number of units
        assert abs(Fraction(part) - exact) < Fraction(unit)  # less than one unit from its exact share
        assert part == 0 or (part > 0) == (amount > 0)  # never the other sign
