"""The import's bulk shortcuts: a source's first import skips the look-up of old rows unless a
chunk repeats ids of an earlier chunk; references are checked once per chunk (the contacts'
foreign keys have no database constraint)."""

from pathlib import Path

import polars as pl
import pytest
from django.db import IntegrityError, transaction

from steward.interactions import services, store
from steward.interactions.models import Agent, Interaction, IntervalRollup, Rollup

DATA = Path(__file__).parent / "data"


def state():
    return (sorted(Interaction.objects.values_list("external_id", "talk_seconds", "csat", "agent_code")),
            sorted(Rollup.objects.values_list("queue", "agent_code", "interval_start", "offered", "wait_sum")),
            sorted(IntervalRollup.objects.values_list("queue", "interval_start", "offered", "wait_sum")))


def recomputed(project, vendor):
    sums, _buckets = services.recompute(project_id=project.pk, vendor_id=vendor.pk)
    return sorted(sums.select("queue", "agent_code", "interval_start", "offered", "wait_sum").rows())


@pytest.mark.parametrize("chunk_rows", [20, 50_000])
def test_first_import_with_duplicates_across_chunks(make_vendor, make_project, media, monkeypatch, chunk_rows):
    """The bank sample has 33 ids repeated later in the file, some in a later chunk of 20."""
    monkeypatch.setattr(services, "CHUNK_ROWS", chunk_rows)
    vendor = make_vendor("acme")
    project = make_project("hotline", [vendor], channels=("voice",), time_zone="Asia/Jerusalem")
    result = services.import_file(actor=None, project=project, vendor=vendor, path=str(DATA / "bank-calls-sample.tsv"),
                                  profile="bank-calls", allow_rejects=True)
    assert (result.inserted, result.updated, result.duplicates) == (185, 0, 33)
    assert Interaction.objects.count() == 185
    stored = sorted(Rollup.objects.values_list("queue", "agent_code", "interval_start", "offered", "wait_sum"))
    assert stored == recomputed(project, vendor)
    # a second import of the same file is not a first import: every row an update, nothing doubles
    before = state()
    again = services.import_file(actor=None, project=project, vendor=vendor, path=str(DATA / "bank-calls-sample.tsv"),
                                 profile="bank-calls", allow_rejects=True)
    assert (again.inserted, again.updated) == (0, 185)
    assert state() == before


def test_references_are_checked_once_per_chunk(make_vendor):
    vendor = make_vendor("acme")
    agent = Agent.objects.create(vendor=vendor, code="a1", name="A1")
    store.lock_references(vendor_id=vendor.pk, agent_ids=[agent.pk, agent.pk, None])
    with pytest.raises(IntegrityError), transaction.atomic():
        store.lock_references(vendor_id=vendor.pk, agent_ids=[agent.pk, agent.pk + 1000])
    with pytest.raises(IntegrityError), transaction.atomic():
        store.lock_references(vendor_id=vendor.pk + 1000, agent_ids=pl.Series([agent.pk]).to_list())


def test_revision_snapshot_built_by_the_database_equals_the_row(make_vendor, make_project):
    """The undo record a re-import keeps (``previous``, JSON built in SQL) reads back as the row
    it was taken from: times to the microsecond, nulls, booleans, attributes."""
    import datetime as dt

    from steward.interactions.models import ImportBatch, InteractionRevision

    vendor = make_vendor("acme")
    project = make_project("hotline", [vendor], channels=("voice", "email"))
    kept = Interaction.objects.create(
        project=project, vendor=vendor, source="s", external_id="e1", channel="email", queue="q",
        arrived_at=dt.datetime(2024, 3, 1, 8, 0, 0, 120_000, tzinfo=dt.UTC),
        first_response_at=dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC), abandoned=False, complaint=True,
        csat=4, nps=None, attributes={"tier": "金卡", "n": 2}, transcript="你好\n")
    row = store.fetch_existing(pl.DataFrame({"source": ["s"], "external_id": ["e1"]})).row(0, named=True)
    expected = store.snapshot_json(row)
    assert expected["complaint"] is True and expected["attributes"] == {"tier": "金卡", "n": 2}
    # the SQL path of this database, and the row-by-row path of any other
    for record in (store.record_revisions, store._record_revisions_portable):
        batch = ImportBatch.objects.create(project=project, vendor=vendor, profile="generic")
        record(batch.pk, [kept.pk])
        previous = InteractionRevision.objects.get(batch=batch, interaction_id=kept.pk).previous
        assert set(previous) == set(store.SNAPSHOT_COLUMNS)
        for column in store.DATETIME_COLUMNS:
            if expected[column] is not None:
                assert dt.datetime.fromisoformat(previous.pop(column)) == dt.datetime.fromisoformat(expected[column])
        assert previous == {c: v for c, v in expected.items() if c not in store.DATETIME_COLUMNS or v is None}


@pytest.mark.django_db(transaction=True)
def test_statistics_refreshed_inside_the_import_see_its_own_rows(make_vendor, make_project):
    """PostgreSQL plans an import's later chunks with statistics that count its earlier chunks
    (ANALYZE inside the transaction); elsewhere there is nothing to refresh."""
    import datetime as dt

    vendor = make_vendor("acme")
    project = make_project("hotline", [vendor], channels=("voice",))
    with transaction.atomic():
        Interaction.objects.bulk_create(
            Interaction(project=project, vendor=vendor, source="s", external_id=f"e{i}", channel="voice",
                        arrived_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC)) for i in range(500))
        estimated = store.refresh_statistics()
    if store.is_postgres():
        assert estimated == 500 == store.estimated_rows()
    else:
        assert estimated == 0
