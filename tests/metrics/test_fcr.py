"""First-contact resolution stored at import: the days to each resolved contact's next contact
by the same customer (any vendor of the project) are kept in the rollups, refreshed for just
the customers an import (or an undo) touches, and read by the engine without raw rows.
By hand, then against a straightforward Polars computation from the raw rows on random data."""

import datetime as dt
import random
import zoneinfo

import polars as pl
import pytest

from steward.interactions import services as interactions
from steward.interactions.models import ImportBatch, Interaction, RollupBucket
from steward.metrics import engine, formulas

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day, hour=10, minute=0):
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=TZ)


def contact(xid, day, customer, outcome="resolved", reason="", hour=10):
    return {"external_id": xid, "channel": "chat", "arrived_at": at(day, hour).isoformat(), "abandoned": "false",
            "wait_seconds": 3, "talk_seconds": 60, "outcome": outcome, "customer_ref": customer,
            "contact_reason": reason}


@pytest.fixture
def project(world, make_project):
    project = make_project("fcr-chat", [world.vendor_a, world.vendor_b], channels=("chat",))
    a = [contact("c1", 1, "X", reason="refund"), contact("c3", 2, "Y"), contact("c5", 3, ""),
         contact("c7", 15, "V")]
    b = [contact("c2", 5, "X", reason="delivery"), contact("c4", 12, "Y"), contact("c6", 3, "Z", outcome="escalated"),
         contact("w", 20, "W", outcome="pending")]
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=a,
                                idempotency_key="fcr-a", allow_rejects=False)
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b, records=b,
                                idempotency_key="fcr-b", allow_rejects=False)
    return project


MARCH = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "Asia/Shanghai")


def counts(user, project, **kw):
    return engine.fcr_counts(user=user, project=project, period=MARCH, grouping="vendor", **kw)


def test_by_hand(world, project):
    admin = world.user("client_admin")
    # newest contact: 20 March 10:00; measured: intervals starting before 13 March 10:00.
    # alpha: c1 (X again on the 5th, at bravo: 4 days → a repeat), c3 (Y again after 10 days → FCR),
    #        c5 without customer, c7 (15 March) pending.
    # bravo: c2 (X never again → FCR), c4 (Y never again → FCR); c6 is not resolved.
    got = counts(admin, project)
    assert got[("alpha",)] == formulas.FcrCounts(eligible=2, first_contact_resolved=1, pending=1, without_customer=1)
    assert got[("bravo",)] == formulas.FcrCounts(eligible=2, first_contact_resolved=2, pending=0, without_customer=0)
    r = engine.fcr_result(got[("alpha",)], {"window_days": 7})
    assert (r.value, r.numerator, r.denominator, r.details["pending"]) == (0.5, 1, 2, 1)
    # a 3-day window: c1's repeat after 4 days no longer counts; c7 (15th + 3 d < 20th) is measured
    got3 = counts(admin, project, window_days=3)
    assert got3[("alpha",)] == formulas.FcrCounts(eligible=3, first_contact_resolved=3, pending=0, without_customer=1)
    # same reason: X came back about delivery, not the refund → c1 is a first-contact resolution
    assert counts(admin, project, same_reason=True)[("alpha",)].first_contact_resolved == 2
    # the engine's measure and the vendor's own reading give the same numbers
    [row] = engine.measure(user=world.user("a-manager"), project=project, period=MARCH, metrics=["fcr"])
    assert (row.results["fcr"].numerator, row.results["fcr"].denominator) == (1, 2)


def test_incremental_at_import_and_undo(world, project):
    admin = world.user("client_admin")
    # X comes back on the 8th (3 days after c2): c2 at bravo is no longer a first-contact resolution
    result = interactions.import_records(actor=None, project=project, vendor=world.vendor_a,
                                         records=[contact("c8", 8, "X", outcome="escalated")],
                                         idempotency_key="fcr-a2", allow_rejects=False)
    assert counts(admin, project)[("bravo",)].first_contact_resolved == 1
    # changing c4's customer (an update of a bravo row) refreshes Y's history: c3's repeat is gone
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b,
                                records=[{**contact("c4", 12, "Y2")}], idempotency_key="fcr-b2", allow_rejects=False)
    got = counts(admin, project)
    assert got[("alpha",)].first_contact_resolved == 1  # c3 (Y) now FCR, c1 still a repeat
    assert_rollups_equal_rebuild(project)
    # undoing X's return gives c2 its first-contact resolution back
    interactions.batch_undo(actor=None, batch=ImportBatch.objects.get(pk=result.batch.pk))
    assert counts(admin, project)[("bravo",)].first_contact_resolved == 2
    assert_rollups_equal_rebuild(project)


def assert_rollups_equal_rebuild(project):
    def snapshot():
        return sorted(RollupBucket.objects.filter(rollup__project=project, kind__in=[7, 8, 9]).values_list(
            "rollup__vendor_id", "rollup__interval_start", "rollup__channel", "kind", "value", "count"))
    incremental = snapshot()
    interactions.rollups_rebuild()
    assert snapshot() == incremental


def reference(rows: pl.DataFrame, window_days: int, same_reason: bool) -> dict[str, tuple[int, int, int, int]]:
    """FCR per vendor straight from raw rows: for each resolved inbound contact with a customer,
    is there another inbound contact of the customer (same reason) in (t, t + window]? Measured
    when its half-hour interval start + window < the newest contact's interval start."""
    newest = rows["arrived_at"].max().replace(minute=rows["arrived_at"].max().minute // 30 * 30, second=0,
                                              microsecond=0)
    window = dt.timedelta(days=window_days)
    inbound = rows.filter(pl.col("direction") == "inbound")
    out = {}
    for vendor in rows["vendor"].unique().to_list():
        eligible = fcr = pending = without = 0
        for r in inbound.filter((pl.col("vendor") == vendor) & (pl.col("outcome") == "resolved")).iter_rows(named=True):
            if not r["customer_ref"]:
                without += 1
                continue
            start = r["arrived_at"].replace(minute=r["arrived_at"].minute // 30 * 30, second=0, microsecond=0)
            if not start + window < newest:
                pending += 1
                continue
            eligible += 1
            same = (pl.col("customer_ref") == r["customer_ref"])
            if same_reason:
                same &= pl.col("contact_reason") == r["contact_reason"]
            repeats = inbound.filter(same & (pl.col("arrived_at") > r["arrived_at"])
                                     & (pl.col("arrived_at") <= r["arrived_at"] + window))
            fcr += repeats.height == 0
        out[vendor] = (eligible, fcr, pending, without)
    return out


@pytest.mark.parametrize(("seed", "span_days", "whole_days"), [
    (1, 42, False), (2, 42, False), (3, 42, False),
    (4, 12, True),  # many contacts at the same instant: ties before and at a batch's first arrival
    (5, 900, False),  # gaps beyond the FCR horizon (366 days) between a customer's contacts
])
def test_engine_equals_polars_from_raw_rows(world, make_project, seed, span_days, whole_days):
    """Random customers, reasons, outcomes and directions over six weeks (or as said), imported
    in several batches in random order of time (so later batches change the next contact of
    earlier contacts, which each import refreshes from only the part of the customers' history
    it reads), with updates."""
    rng = random.Random(seed)
    project = make_project(f"fcr-prop-{seed}", [world.vendor_a, world.vendor_b], channels=("chat",))
    start = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    ids = []
    for batch in range(4):
        for vendor in (world.vendor_a, world.vendor_b):
            records = []
            for _ in range(rng.randrange(10, 40)):
                xid = rng.choice(ids) if ids and rng.random() < 0.1 else f"{vendor.code}-{len(ids)}"
                if xid.startswith(vendor.code) and xid not in ids:
                    ids.append(xid)
                elif not xid.startswith(vendor.code):
                    continue  # a vendor updates only its own rows
                arrived = start + (dt.timedelta(days=rng.randrange(span_days)) if whole_days
                                   else dt.timedelta(seconds=rng.randrange(0, span_days * 86400)))
                records.append({"external_id": xid, "channel": "chat", "arrived_at": arrived.isoformat(),
                                "direction": rng.choice(["inbound"] * 5 + ["outbound"]),
                                "abandoned": "false", "wait_seconds": 1, "talk_seconds": 5,
                                "outcome": rng.choice(["resolved", "resolved", "escalated", "pending", ""]),
                                "customer_ref": rng.choice(["", "k1", "k2", "k3", "k4", "k5", "k6"]),
                                "contact_reason": rng.choice(["", "refund", "delivery"])})
            if records:
                interactions.import_records(actor=None, project=project, vendor=vendor, records=records,
                                            idempotency_key=f"prop-{seed}-{batch}-{vendor.code}", allow_rejects=False)
    raw = pl.DataFrame(list(Interaction.objects.filter(project=project).values(
        "vendor__code", "direction", "arrived_at", "outcome", "customer_ref", "contact_reason")))
    raw = raw.rename({"vendor__code": "vendor"})
    admin = world.user("client_admin")
    everything = engine.period(dt.date(2025, 1, 1), dt.date(2027, 12, 31), "UTC")
    for window_days, same_reason in ((7, False), (3, True), (14, False)):
        want = reference(raw, window_days, same_reason)
        got = engine.fcr_counts(user=admin, project=project, period=everything, grouping="vendor",
                                window_days=window_days, same_reason=same_reason)
        for vendor, (eligible, fcr, pending, without) in want.items():
            assert got[(vendor,)] == formulas.FcrCounts(eligible, fcr, pending, without), (vendor, window_days)
    assert_rollups_equal_rebuild(project)
