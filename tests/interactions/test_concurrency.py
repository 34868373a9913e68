"""Two imports of overlapping files at once, and an SLA-style read during an import, on a real
PostgreSQL server: no contact lost or doubled, rollups still equal a recomputation."""

import threading

import pytest
from django.db import connection, connections

from steward.interactions import services
from steward.interactions.models import ImportBatch, Interaction, Rollup
from tests.interactions.test_rollup_property import recomputed, stored

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]

HEADER = "external_id,queue,channel,agent_code,customer_ref,arrived_at,abandoned,wait_seconds,talk_seconds,outcome,csat\n"


def csv_file(tmp_path, name: str, ids: range, talk: int):
    lines = [
        f"C{i:05d},orders,voice,AG{i % 7},K{i % 50},2025-03-03T{8 + i % 10:02d}:{i % 60:02d}:00+08:00,"
        f"false,{i % 40},{talk},resolved,{1 + i % 5}\n"
        for i in ids
    ]
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def run_in_thread(fn, errors: list):
    def target():
        try:
            fn()
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()
    return threading.Thread(target=target)


def test_overlapping_imports_at_once_lose_and_double_nothing(world, tmp_path):
    project, vendor = world.shared, world.vendor_a
    first = csv_file(tmp_path, "first.csv", range(0, 1500), talk=100)
    second = csv_file(tmp_path, "second.csv", range(1000, 2500), talk=200)  # 500 ids in both
    # Queues and agents exist already, as in daily running (creating them would queue the
    # second import behind the first on their unique keys and hide a race in the rollups).
    services.import_file(actor=None, project=project, vendor=vendor,
                         path=str(csv_file(tmp_path, "roster.csv", range(9000, 9014), talk=1)))
    errors: list = []
    inside, release = threading.Event(), threading.Event()

    def hold(**progress):
        # The first import pauses inside its transaction, after its rows are written, while
        # the second one starts: the overlap is certain, not left to timing.
        inside.set()
        release.wait(timeout=30)

    first_thread = run_in_thread(lambda: services.import_file(
        actor=None, project=project, vendor=vendor, path=str(first), on_progress=hold), errors)
    second_thread = run_in_thread(lambda: services.import_file(
        actor=None, project=project, vendor=vendor, path=str(second)), errors)
    first_thread.start()
    assert inside.wait(timeout=60)
    second_thread.start()
    second_thread.join(timeout=3)  # it must wait for the first, whatever it would do meanwhile
    release.set()
    first_thread.join()
    second_thread.join()
    assert not errors, errors
    assert ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count() == 3
    assert Interaction.objects.count() == 2500 + 14
    overlap = Interaction.objects.filter(external_id__in=[f"C{i:05d}" for i in range(1000, 1500)])
    # the second import ran after the first and wrote the overlapping rows
    assert set(overlap.values_list("talk_seconds", flat=True)) == {200}
    assert stored() == recomputed()


def test_a_reader_during_an_import_sees_all_of_it_or_none(world, tmp_path):
    project, vendor = world.shared, world.vendor_a
    path = csv_file(tmp_path, "big.csv", range(0, 3000), talk=60)
    errors: list = []
    seen: list[int] = []
    done = threading.Event()

    def read_offered():
        from django.db.models import Sum

        while not done.is_set():
            seen.append(Rollup.objects.aggregate(total=Sum("offered"))["total"] or 0)
        seen.append(Rollup.objects.aggregate(total=Sum("offered"))["total"] or 0)

    def importer():
        try:
            services.import_file(actor=None, project=project, vendor=vendor, path=str(path))
        finally:
            done.set()

    threads = [run_in_thread(importer, errors), run_in_thread(read_offered, errors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert set(seen) <= {0, 3000} and seen[-1] == 3000
    assert stored() == recomputed()
