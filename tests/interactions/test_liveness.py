"""An import whose process died (killed, out of memory, the server restarted) must not say
"running" for ever: its page, the history and the API show it failed, with nothing stored, and
an API retry with its key runs it again. A run that is still going is left alone."""

import json
import multiprocessing
import os
import signal
import threading
import time

import pytest
from django.db import connection, connections, transaction

from steward.interactions import liveness, services
from steward.interactions.models import ImportBatch, Interaction

RECORD = {"external_id": "X1", "channel": "voice", "arrived_at": "2025-03-03T09:00:00+08:00"}
BODY = {"project": "alpha-only", "vendor": "alpha", "records": [RECORD]}


def api_batch(world, key: str) -> ImportBatch:
    """An API batch recorded for BODY under `key`, as import_records records it before it runs."""
    digest = services._request_digest(project=world.project_a, profile="generic", allow_rejects=True,
                                      records=BODY["records"])
    return services.batch_create(actor=None, project=world.project_a, vendor=world.vendor_a, profile="generic",
                                 file_name=f"API {key}", file_format="api", idempotency_key=key,
                                 request_digest=digest)


def say_running(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    batch.refresh_from_db()


@pytest.fixture
def api(client, world):
    client.force_login(world.user("client_admin"))
    client.raise_request_exception = False
    return client


def post(api, key: str):
    with transaction.atomic():
        return api.post("/api/interactions/batches", json.dumps(BODY), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key, HTTP_ACCEPT_LANGUAGE="en")


def test_a_retry_of_a_batch_whose_process_died_runs_it_again(api, world):
    dead = api_batch(world, "died")
    say_running(dead)  # and then its process was killed: nobody holds its run
    answer = post(api, "died")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["id"], answer.json()["status"], answer.json()["inserted"]) == (dead.pk, "done", 1)
    assert Interaction.objects.count() == 1 and ImportBatch.objects.count() == 1


def test_a_retry_while_the_run_is_alive_is_told_to_wait(api, world):
    live = api_batch(world, "alive")
    with liveness.running(live.pk):
        say_running(live)
        answer = post(api, "alive")
        assert answer.status_code == 409 and "still being imported" in answer.json()["detail"]
        assert not services.batch_reap_if_dead(live)
        assert live.status == ImportBatch.Status.RUNNING
    assert not Interaction.objects.exists()


def test_an_upload_waiting_for_a_worker_and_a_finished_batch_are_never_marked(world):
    upload = services.batch_create(actor=None, project=world.project_a, vendor=world.vendor_a,
                                   profile="generic", file_name="calls.csv", file_format="csv")
    assert not services.batch_reap_if_dead(upload)  # queued for a worker: waiting is not dying
    assert upload.status == ImportBatch.Status.QUEUED
    done = api_batch(world, "done")
    ImportBatch.objects.filter(pk=done.pk).update(status=ImportBatch.Status.DONE)
    done.refresh_from_db()
    assert not services.batch_reap_if_dead(done) and done.status == ImportBatch.Status.DONE


def test_an_api_batch_left_queued_by_a_request_that_died_is_run_again_by_a_retry(api, world):
    """The request recorded the batch and died before its run began: queued, and nobody holds it."""
    left = api_batch(world, "left")
    assert left.status == ImportBatch.Status.QUEUED
    answer = post(api, "left")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["id"], answer.json()["status"], answer.json()["inserted"]) == (left.pk, "done", 1)
    assert Interaction.objects.count() == 1 and ImportBatch.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_api_batch_is_held_from_before_it_can_be_seen_until_its_run_ends(world, monkeypatch):
    """Between the commit that records it ("queued") and the start of its run, a reader in
    another connection finds it alive, not dead."""
    seen = []
    run = services.batch_run

    def look_then_run(*, batch, **kwargs):
        def reader():
            try:
                queued = ImportBatch.objects.get(pk=batch.pk)
                seen.append((queued.status, services.batch_reap_if_dead(queued)))
            finally:
                connections.close_all()

        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(30)
        return run(batch=batch, **kwargs)

    monkeypatch.setattr(services, "batch_run", look_then_run)
    result = services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                     records=BODY["records"], idempotency_key="held")
    assert seen == [(ImportBatch.Status.QUEUED, False)]
    assert result.committed and result.batch.status == ImportBatch.Status.DONE
    with liveness.unless_running(result.batch.pk) as dead:  # and released after it
        assert dead


def test_a_run_is_held_again_inside_its_own_hold_and_released_with_the_outer_one(world):
    batch = api_batch(world, "nested")
    with liveness.running(batch.pk):
        with liveness.running(batch.pk):
            pass
        say_running(batch)
        assert not services.batch_reap_if_dead(batch)  # the outer hold is still there
    assert services.batch_reap_if_dead(batch)


def test_the_pages_and_the_api_show_a_dead_run_failed_in_the_readers_language(client, world):
    dead = api_batch(world, "page")
    say_running(dead)
    client.force_login(world.user("client_admin"))
    page = client.get(f"/interactions/imports/{dead.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "stopped before it finished" in page and "nothing was stored" in page
    dead.refresh_from_db()
    assert dead.status == ImportBatch.Status.FAILED and dead.finished_at is not None
    assert dead.error_message["message"].startswith("The import's process stopped")
    # Written in the importer's language (zh-hans here), shown in each reader's
    assert "进程" in dead.error
    answer = client.get(f"/api/interactions/batches/{dead.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["status"] == "failed" and "stopped before it finished" in answer["error"]

    other = api_batch(world, "history")
    say_running(other)
    history = client.get("/interactions/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Running" not in history
    other.refresh_from_db()
    assert other.status == ImportBatch.Status.FAILED


def test_ctrl_c_on_the_command_line_leaves_the_batch_failed_and_nothing_stored(world, tmp_path, english):
    path = tmp_path / "calls.csv"
    path.write_text("external_id,channel,arrived_at\nC1,voice,2025-03-03T09:00:00+08:00\n", encoding="utf-8")

    def interrupt(**progress):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        services.import_file(actor=None, project=world.project_a, vendor=world.vendor_a, path=str(path),
                             on_progress=interrupt)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and batch.shown_error == (
        "The import was interrupted; nothing was stored.")
    assert not Interaction.objects.exists()


def _hold_run(batch_id: int, ready) -> None:
    """In a forked child: take the batch's run and keep it until killed."""
    # A connection of its own: the parent's socket must not be shared (or closed) by the child.
    parent = connections["default"]
    connections["default"] = parent.__class__(dict(parent.settings_dict), "default")
    with liveness.running(batch_id):
        ready.set()
        time.sleep(600)


def test_a_run_counts_as_alive_until_its_process_is_killed(world):
    batch = api_batch(world, "killed")
    say_running(batch)
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    child = context.Process(target=_hold_run, args=(batch.pk, ready), daemon=True)
    child.start()
    try:
        assert ready.wait(30), "the child never took the run"
        assert not services.batch_reap_if_dead(batch)
        assert batch.status == ImportBatch.Status.RUNNING
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
    # PostgreSQL frees a dead session's locks once it notices the closed socket: soon, not at once
    deadline = time.monotonic() + 30
    while not services.batch_reap_if_dead(batch) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert batch.status == ImportBatch.Status.FAILED


def test_no_run_can_start_while_a_reader_decides_that_the_last_one_died(world):
    """The reader holds the run's lock from its check to its update: a retry that would start
    the batch meanwhile (in another connection) cannot, so a live run is never marked failed."""
    batch = api_batch(world, "deciding")
    say_running(batch)
    seen = []

    def other_reader():
        try:
            with liveness.unless_running(batch.pk) as dead:
                seen.append(dead)
        finally:
            connections.close_all()

    with liveness.unless_running(batch.pk) as dead:
        assert dead
        thread = threading.Thread(target=other_reader)
        thread.start()
        thread.join(30)
    assert seen == [False]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="advisory locks are PostgreSQL's")
def test_a_lock_of_the_same_key_in_another_database_is_not_this_runs(world):
    import psycopg

    batch = api_batch(world, "elsewhere")
    say_running(batch)
    settings = connections["default"].settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                         dbname="postgres", autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", liveness._key(batch.pk))
        assert services.batch_reap_if_dead(batch)
    assert batch.status == ImportBatch.Status.FAILED


def test_a_reader_that_cannot_write_now_leaves_the_batch_for_a_later_read(client, world, monkeypatch):
    """SQLite: another import holds the write lock; the page is still shown (not a 500)."""
    from django.db import OperationalError
    from django.db.models import QuerySet

    dead = api_batch(world, "locked")
    say_running(dead)

    def locked(self, **fields):
        raise OperationalError("database is locked")

    monkeypatch.setattr(QuerySet, "update", locked)
    assert not services.batch_reap_if_dead(dead)
    client.force_login(world.user("client_admin"))
    assert client.get(f"/interactions/imports/{dead.pk}/").status_code == 200
    assert client.get("/interactions/imports/").status_code == 200
    monkeypatch.undo()
    assert services.batch_reap_if_dead(dead)


@pytest.mark.django_db(transaction=True)
def test_a_batch_says_how_it_ended_in_the_transaction_that_stores_its_rows(world, tmp_path, monkeypatch):
    """Killed right after the rows committed, a batch must not be left saying "running" (and be
    reaped as "nothing was stored"): its end is saved inside the same transaction."""
    path = tmp_path / "calls.csv"
    path.write_text("external_id,channel,arrived_at\nC1,voice,2025-03-03T09:00:00+08:00\n", encoding="utf-8")
    ends = []
    record_end = services._record_end

    def watched(batch, importer, status):
        ends.append((status, connection.in_atomic_block, Interaction.objects.count()))
        record_end(batch, importer, status)

    monkeypatch.setattr(services, "_record_end", watched)
    services.import_file(actor=None, project=world.project_a, vendor=world.vendor_a, path=str(path))
    assert ends == [(ImportBatch.Status.DONE, True, 1)]


@pytest.mark.django_db(transaction=True)
def test_an_interrupt_after_the_commit_leaves_the_import_done(world, monkeypatch):
    """Ctrl-C while an on-commit hook of "done" runs (the compliance scan's enqueue): the rows
    and their "done" committed together, and stay so."""
    from steward.interactions import readers
    from steward.quality import tasks as quality_tasks

    batch = services.batch_create(actor=None, project=world.project_a, vendor=world.vendor_a, profile="generic",
                                  file_name="t", file_format="api")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(quality_tasks, "scan_import_task", type("Task", (), {"enqueue": staticmethod(interrupted)}))
    with pytest.raises(KeyboardInterrupt):
        services.batch_run(batch=batch, chunks=lambda profile: [readers.records_chunk([RECORD])])
    batch.refresh_from_db()
    assert (batch.status, batch.inserted, batch.error, Interaction.objects.count()) == (
        ImportBatch.Status.DONE, 1, "", 1)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="synchronous_commit is PostgreSQL's")
def test_done_is_committed_with_a_wal_flush(world, monkeypatch):
    """The import's statements skip WAL flushes; its commit, which now carries "done", does not."""
    seen = []
    record_end = services._record_end

    def watched(batch, importer, status):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append((status, cursor.fetchone()[0]))
        record_end(batch, importer, status)

    monkeypatch.setattr(services, "_record_end", watched)
    services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=[RECORD],
                            idempotency_key="flushed")
    assert seen == [(ImportBatch.Status.DONE, "on")]
