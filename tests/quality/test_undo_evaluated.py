"""Undoing an import whose contacts have QA evaluations is refused with its reason (the
evaluations are kept records), not a 500; what merely hangs off a contact (its compliance scan)
goes with it."""

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from steward.interactions import services as interactions
from steward.interactions.models import ImportBatch, Interaction
from steward.quality import services
from steward.quality.models import ComplianceScan

pytestmark = pytest.mark.django_db


def test_an_undo_that_would_delete_evaluated_contacts_is_refused_with_its_reason(
        client, world, contacts, published_scorecard):
    analyst = world.user("qa_analyst")
    services.evaluation_assign(actor=analyst, interaction=contacts["QA-amy-3"], analyst=analyst,
                               scorecard=published_scorecard)
    batch = ImportBatch.objects.get(idempotency_key="qa-a")
    client.force_login(world.user("client_admin"))
    page = client.post(reverse("interactions:undo", args=[batch.pk]), {"confirm": "yes"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Contacts this import created have evaluations (1), which an undo cannot delete" in page.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Interaction.objects.filter(import_batch=batch).count() == 4


def test_an_undo_deletes_what_cascades_from_its_contacts_set_wise(world, contacts, monkeypatch):
    batch = ImportBatch.objects.get(idempotency_key="qa-a")
    for contact in Interaction.objects.filter(import_batch=batch):
        ComplianceScan.objects.create(interaction=contact, fingerprint="f")
    kept = ComplianceScan.objects.create(interaction=contacts["QA-BELLA-1"], fingerprint="f")
    collected = []
    delete = QuerySet.delete

    def spy(queryset):
        collected.append(queryset.model.__name__)
        return delete(queryset)

    monkeypatch.setattr(QuerySet, "delete", spy)
    interactions.batch_undo(actor=None, batch=batch)
    # The contacts are never handed to Django's collector (it loads each one): only what refers to them
    assert "Interaction" not in collected and "ComplianceScan" in collected
    assert not Interaction.objects.filter(external_id__startswith="QA-a").exists()
    assert list(ComplianceScan.objects.all()) == [kept]
    assert Interaction.objects.filter(project=world.shared).count() == 1
