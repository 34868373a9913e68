"""Two generations of the same contract's month at once, on a real PostgreSQL server: the second
waits for the first and is refused with its reason, not failed on the unique constraint (500)."""

import datetime as dt
import time
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from steward.contracts import services
from steward.contracts.models import Contract, Invoice
from tests.interactions.test_concurrency import run_in_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # pg_locks is read live; pg_stat_activity would be a snapshot for the whole transaction.
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_second_generation_at_once_is_refused_with_its_reason(world, make_contract):
    contract = make_contract(pricing_model="fixed")
    finance = world.user("finance")
    services.rate_add(actor=finance, contract=contract, component="fixed_month", amount=D("1000"),
                      effective_from=dt.date(2025, 1, 1))
    errors: list = []
    second = run_in_thread(lambda: services.invoice_generate(actor=finance, contract=contract,
                                                             month=dt.date(2025, 3, 1)), errors)
    with transaction.atomic():
        services.invoice_generate(actor=finance, contract=Contract.objects.get(pk=contract.pk),
                                  month=dt.date(2025, 3, 1))
        second.start()  # it reaches the contract's lock while the first is still uncommitted
        deadline = time.monotonic() + 20
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_a_lock(), errors
    second.join(timeout=30)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert list(errors[0].message_dict) == ["month"]  # "… already has an invoice for 2025-03."
    assert Invoice.objects.filter(contract=contract).count() == 1
