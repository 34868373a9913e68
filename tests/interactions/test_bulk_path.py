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
