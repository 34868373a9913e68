"""Undo runs in the background (a large import's undo outlasts a web request): its page shows
its progress while its run is alive, and says so when it was refused or its process died."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from steward.interactions import liveness, services, tasks
from steward.interactions.models import ImportBatch, Interaction

RECORDS = [{"external_id": f"U-{n}", "channel": "voice", "arrived_at": f"2025-03-03T0{n}:00:00+08:00"}
           for n in range(1, 4)]


@pytest.fixture
def batch(world, media):
    return services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=RECORDS,
                                   idempotency_key="undo-me").batch


@pytest.fixture
def admin(client, world):
    client.force_login(world.user("client_admin"))
    return client


def page(client, batch, **headers):
    return client.get(reverse("interactions:batch", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en", **headers)


def test_an_undo_is_queued_and_its_page_then_shows_the_import_undone(admin, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(reverse("interactions:undo", args=[batch.pk]), {"confirm": "yes"}, follow=True,
                            HTTP_ACCEPT_LANGUAGE="en")
    assert "The undo has started: this page shows its progress." in answer.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE and not Interaction.objects.exists()
    assert not tasks.undo_path(batch.pk).exists()


def test_a_running_undo_shows_its_progress_until_it_ends(admin, batch):
    tasks._write_json(tasks.undo_path(batch.pk), {"done": 50_000, "total": 200_000})
    with liveness.running(batch.pk):  # the undo's run, alive
        text = page(admin, batch).content.decode()
        assert "Undoing: 50000 of 200000 contacts" in text and 'value="25"' in text
        assert "Undo this import" not in text  # no second undo meanwhile
        partial = page(admin, batch, HTTP_HX_REQUEST="true")
        assert b'data-testid="undo-progress"' in partial.content and "HX-Refresh" not in partial
        again = admin.post(reverse("interactions:undo", args=[batch.pk]), {"confirm": "yes"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")  # a second request meanwhile: told, not queued
        assert "This import is being undone" in again.content.decode()
        assert tasks.undo_path(batch.pk).exists() and Interaction.objects.count() == 3


def test_an_undo_whose_process_died_is_said_to_have_changed_nothing(admin, batch):
    tasks._write_json(tasks.undo_path(batch.pk), {"done": 50_000, "total": 200_000})  # and nobody holds the run
    text = page(admin, batch).content.decode()
    assert "The last undo was not done: The undo stopped before it finished" in text
    assert "Undo this import" in text  # it may be undone again
    assert Interaction.objects.count() == 3


def test_an_undo_refused_when_it_runs_says_why_on_the_page(admin, batch, monkeypatch, english):
    """Refused when it ran (in the requester's Chinese): each reader sees why in their language."""
    def refuse(**kwargs):
        services.batch_undo_check(ImportBatch(status=ImportBatch.Status.UNDONE))

    monkeypatch.setattr(services, "batch_undo", refuse)
    tasks.undo_import.call(batch.pk, None, "zh-hans")
    text = page(admin, batch).content.decode()
    assert "The last undo was not done: Only a completed import can be undone." in text
    assert Interaction.objects.count() == 3


def test_an_undo_waiting_for_a_worker_shows_as_queued_and_is_not_queued_twice(admin, batch, monkeypatch):
    queued = []

    class Queue:  # as a database queue leaves a task: waiting for a worker
        def enqueue(self, *args):
            queued.append(args)
            return SimpleNamespace(id="t-1")

    monkeypatch.setattr(tasks, "undo_import", Queue())
    monkeypatch.setattr(tasks, "_waiting", lambda task_id: task_id == "t-1")
    for _ in range(2):
        admin.post(reverse("interactions:undo", args=[batch.pk]), {"confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
    assert len(queued) == 1
    text = page(admin, batch).content.decode()
    assert "Undo queued: it starts when a background worker is free." in text
    assert "Undo this import" not in text
    monkeypatch.setattr(tasks, "_waiting", lambda task_id: False)  # its task failed before it began
    assert "The undo stopped before it finished" in page(admin, batch).content.decode()


@pytest.mark.parametrize("status, started_ago, waiting", [
    ("READY", None, True),  # no worker has taken it yet
    ("RUNNING", dt.timedelta(seconds=5), True),  # taken a moment ago, not yet holding the run
    ("RUNNING", dt.timedelta(minutes=10), False),  # taken long ago and not holding it: died
    ("FAILED", dt.timedelta(seconds=5), False),
    ("SUCCESSFUL", dt.timedelta(seconds=5), False),
])
def test_a_task_just_taken_by_a_worker_is_not_yet_said_to_have_died(monkeypatch, status, started_ago, waiting):
    started = timezone.now() - started_ago if started_ago else None
    result = SimpleNamespace(status=TaskResultStatus[status], started_at=started)
    monkeypatch.setattr(tasks, "undo_import", SimpleNamespace(get_result=lambda task_id: result))
    assert tasks._waiting("t-1") is waiting


def test_a_task_the_backend_no_longer_knows_is_not_waiting(monkeypatch):
    def unknown(task_id):
        raise TaskResultDoesNotExist(task_id)

    monkeypatch.setattr(tasks, "undo_import", SimpleNamespace(get_result=unknown))
    assert tasks._waiting("t-1") is False
