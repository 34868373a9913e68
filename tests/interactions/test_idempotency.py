"""An API batch's Idempotency-Key: a retry returns the first result, even when two identical
requests race past the first check at the same moment."""

import pytest

from steward.interactions import liveness, services
from steward.interactions.models import ImportBatch, Interaction

ROWS = [{"external_id": "K-1", "channel": "chat", "arrived_at": "2025-03-03T09:00:00+08:00"}]


def test_a_retry_returns_the_first_result_and_stores_nothing_again(world):
    first = services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                    records=ROWS, idempotency_key="k")
    again = services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                    records=ROWS, idempotency_key="k")
    assert (again.batch.pk, again.inserted) == (first.batch.pk, 1)
    assert Interaction.objects.count() == 1 and ImportBatch.objects.count() == 1


def test_a_racing_duplicate_gets_the_other_requests_batch_not_an_error(world, monkeypatch):
    other = services.batch_create(actor=None, project=world.project_a, vendor=world.vendor_a,
                                  profile="generic", file_format="api", idempotency_key="race")
    ImportBatch.objects.filter(pk=other.pk).update(status=ImportBatch.Status.DONE)  # the other finished
    real_lookup = services._batch_with_key
    calls = []

    def first_check_misses(vendor, key, digest):
        calls.append(key)
        return None if len(calls) == 1 else real_lookup(vendor, key, digest)

    monkeypatch.setattr(services, "_batch_with_key", first_check_misses)
    result = services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                     records=ROWS, idempotency_key="race")
    assert result.batch.pk == other.pk and not Interaction.objects.exists()
    assert ImportBatch.objects.filter(idempotency_key="race").count() == 1
    # While the other still runs, the duplicate is told so (the API answers 409)
    with liveness.running(other.pk):
        ImportBatch.objects.filter(pk=other.pk).update(status=ImportBatch.Status.RUNNING)
        calls.clear()
        with pytest.raises(services.IdempotencyInFlight, match=f"#{other.pk}"):
            services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                    records=ROWS, idempotency_key="race")


def test_the_same_key_with_other_records_is_refused_and_stores_nothing(world):
    first = services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                    records=ROWS, idempotency_key="k")
    other = [{**ROWS[0], "external_id": "K-2"}]
    with pytest.raises(services.IdempotencyMismatch, match=f"#{first.batch.pk}"):
        services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                records=other, idempotency_key="k")
    with pytest.raises(services.IdempotencyMismatch):  # the same records with other options
        services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                records=ROWS, idempotency_key="k", allow_rejects=False)
    assert list(Interaction.objects.values_list("external_id", flat=True)) == ["K-1"]
    assert ImportBatch.objects.count() == 1
