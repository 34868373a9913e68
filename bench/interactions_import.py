"""Import throughput: the streamed import (parse, validate, store, rollups) against the
physical limit (raw COPY of the same file into a bare table), the storage floor (that COPY plus
one typed INSERT … SELECT … ON CONFLICT into the contacts table, with its indexes) and what one
writes first (a Django bulk_create loop, and a per-row save loop), on SQLite and on PostgreSQL.

Each database runs in its own processes (settings read DATABASE_URL once), the import in one of
its own, so that the peak memory printed is the import's. Environment:
  BENCH_ROWS            contacts in the generated file (default 1,000,000)
  BENCH_POSTGRES_URL    server to create a scratch database on
                        (default postgres://postgres@127.0.0.1:5432/postgres); unreachable = skipped
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = ["external_id", "queue", "channel", "agent_code", "customer_ref", "priority", "arrived_at",
           "first_response_at", "abandoned", "wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds",
           "outcome", "csat", "complaint"]
ORM_SAMPLE = 50_000  # bulk_create loop rows
SAVE_SAMPLE = 2_000  # per-row save rows


def generate(path: Path, rows: int) -> None:
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in range(rows):
            arrived = start + dt.timedelta(seconds=i * 2.6)
            abandoned = rng.random() < 0.08
            wait = int(rng.expovariate(1 / 25))
            writer.writerow([
                f"C{i:09d}", rng.choice(("order", "refund", "delivery")), "voice",
                "" if abandoned else f"AG{rng.randrange(200):03d}", f"K{rng.randrange(100000)}",
                "normal", arrived.isoformat(), "" if abandoned else (arrived + dt.timedelta(seconds=wait)).isoformat(),
                "true" if abandoned else "false", wait, 0 if abandoned else rng.randrange(60, 900),
                0 if abandoned else rng.randrange(0, 60), 0 if abandoned else rng.randrange(5, 60),
                "abandoned" if abandoned else "resolved", "" if rng.random() > 0.3 else rng.randrange(1, 6),
                "false",
            ])


# ------------------------------------------------------------------ one database (child process)


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from steward.core import services

    vendor = services.vendor_create(code="bench", name="Bench")
    project = services.project_create(code="bench", name="Bench", time_zone="Asia/Shanghai",
                                      channels=["voice"], vendor_codes=["bench"])
    return project, vendor


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _floor_sql(vendor: str, project_id: int, vendor_id: int) -> str:
    from steward.interactions.store import TABLE, UPDATE_COLUMNS, WRITE_COLUMNS

    pg = vendor == "postgresql"

    def ts(c: str) -> str:
        return f"NULLIF({c}, '')::timestamptz" if pg else f"datetime(NULLIF({c}, ''))"

    def num(c: str) -> str:
        return f"NULLIF({c}, '')::integer" if pg else f"CAST(NULLIF({c}, '') AS INTEGER)"

    given = {"project_id": str(project_id), "vendor_id": str(vendor_id), "source": "'floor'",
             "direction": "'inbound'", "attributes": "'{}'",
             "arrived_at": ts("arrived_at"), "first_response_at": ts("first_response_at"),
             "abandoned": "abandoned = 'true'", "complaint": "complaint = 'true'", "csat": num("csat"),
             **{c: num(c) for c in ("wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds")},
             **{c: f"COALESCE({c}, '')" for c in ("external_id", "queue", "channel", "agent_code", "customer_ref",
                                                  "priority", "outcome")}}
    nullable = ("agent_id", "ended_at", "resolved_at", "nps", "ces", "import_batch_id")
    values = [given.get(c, "NULL" if c in nullable else "''") for c in WRITE_COLUMNS]
    updates = ", ".join(f"{c} = excluded.{c}" for c in UPDATE_COLUMNS)
    return (f"INSERT INTO {TABLE} ({', '.join(WRITE_COLUMNS)}) SELECT {', '.join(values)} FROM bench_bare "
            f"WHERE true ON CONFLICT (source, external_id) DO UPDATE SET {updates}")


def _django(phase: str):
    """Django set up for a phase; the bench project and vendor (created by the first phase)."""
    if phase == "limits":
        return _setup()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    import django

    django.setup()
    from steward.core.models import Project, Vendor

    return Project.objects.get(code="bench"), Vendor.objects.get(code="bench")


def child(csv_path: str, rows: int, phase: str) -> dict:
    """One phase in its own process: "limits" (creates the database's tables, then the raw load
    and the storage floor), "import" (Steward's import alone, so its peak memory is its own),
    "orm" (the loops)."""
    project, vendor = _django(phase)
    from django.db import connection

    run = {"limits": _limits, "import": _import, "orm": _orm_loops}[phase]
    return {"database": connection.vendor, "rows": rows, **run(csv_path, rows, project, vendor)}


def _import(csv_path: str, rows: int, project, vendor) -> dict:
    """2. Steward's import, end to end (parse, validate, store, rollups)."""
    from steward.interactions import services

    def steward_import():
        result = services.import_file(actor=None, project=project, vendor=vendor, path=csv_path,
                                      profile="generic", allow_rejects=False)
        assert result.inserted == rows and result.rejected == 0, (result.inserted, result.rejected, result.batch.error)

    return {"import_s": _timed(steward_import),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _limits(csv_path: str, rows: int, project, vendor) -> dict:
    from django.db import connection, transaction

    from steward.interactions.models import Interaction

    results: dict = {}

    # 1. the physical limit: the same file into a bare all-text table
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_bare (" + ", ".join(f"{c} text" for c in COLUMNS) + ")")

    def bare():
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with open(csv_path, "rb") as handle, cursor.cursor.copy(
                        "COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    while block := handle.read(1 << 20):
                        copy.write(block)
            else:
                with open(csv_path, newline="", encoding="utf-8") as handle:
                    reader = csv.reader(handle)
                    next(reader)
                    cursor.executemany(f"INSERT INTO bench_bare VALUES ({', '.join(['%s'] * len(COLUMNS))})", reader)

    results["raw_copy_s"] = _timed(bare)

    # 1b. the storage floor: those rows into the contacts table itself, typed and upserted in one
    # SQL statement — its unique key and indexes, no parsing, validation, rollups or undo. No
    # import that keeps the contacts indexed and re-importable can be faster than COPY + this.
    def floor():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_floor_sql(connection.vendor, project.pk, vendor.pk))

    results["floor_s"] = results["raw_copy_s"] + _timed(floor)
    with transaction.atomic(), connection.cursor() as cursor:  # out of the import's way (FCR reads history)
        cursor.execute(f"DELETE FROM {Interaction._meta.db_table} WHERE source = 'floor'")

    return results


def _orm_loops(csv_path: str, rows: int, project, vendor) -> dict:
    from django.db import transaction

    from steward.interactions.models import Interaction

    # 3. what one writes first: bulk_create in batches of 1,000 (a sample), then save() per row
    results: dict = {}

    def records(limit: int, prefix: str):
        with open(csv_path, newline="", encoding="utf-8") as handle:
            for n, row in enumerate(csv.DictReader(handle)):
                if n >= limit:
                    return
                yield Interaction(
                    project=project, vendor=vendor, source=f"{prefix}", external_id=row["external_id"],
                    queue=row["queue"], channel=row["channel"], agent_code=row["agent_code"],
                    customer_ref=row["customer_ref"], priority=row["priority"],
                    arrived_at=dt.datetime.fromisoformat(row["arrived_at"]),
                    first_response_at=dt.datetime.fromisoformat(row["first_response_at"]) if row["first_response_at"] else None,
                    abandoned=row["abandoned"] == "true", wait_seconds=int(row["wait_seconds"]),
                    talk_seconds=int(row["talk_seconds"]), hold_seconds=int(row["hold_seconds"]),
                    wrap_seconds=int(row["wrap_seconds"]), outcome=row["outcome"],
                    csat=int(row["csat"]) if row["csat"] else None, complaint=row["complaint"] == "true",
                )

    orm_rows = min(rows, ORM_SAMPLE)

    def bulk():
        batch = []
        with transaction.atomic():
            for obj in records(orm_rows, "bulk"):
                batch.append(obj)
                if len(batch) == 1000:
                    Interaction.objects.bulk_create(batch)
                    batch = []
            Interaction.objects.bulk_create(batch)

    results["bulk_rows"] = orm_rows
    results["bulk_s"] = _timed(bulk)
    save_rows = min(rows, SAVE_SAMPLE)

    def per_row():
        with transaction.atomic():
            for obj in records(save_rows, "save"):
                obj.save()

    results["save_rows"] = save_rows
    results["save_s"] = _timed(per_row)
    return results


# ------------------------------------------------------------------ driver


def _postgres_url() -> str | None:
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        name = "steward_bench"
        with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        return base.rsplit("/", 1)[0] + "/" + name
    except Exception as error:  # no server: say so and go on with SQLite
        print(f"PostgreSQL skipped ({error.__class__.__name__}: {error})")
        return None


def _run(database_url: str, csv_path: Path, rows: int, work: Path) -> dict | None:
    env = dict(os.environ, DATABASE_URL=database_url, STEWARD_ENV="test", STEWARD_VAR_DIR=str(work))
    out = work / "result.json"
    results: dict = {}
    for phase in ("limits", "import", "orm"):
        proc = subprocess.run([sys.executable, "-m", "bench.interactions_import", "--child", str(csv_path), str(rows),
                               str(out), phase], env=env, cwd=Path(__file__).resolve().parent.parent)
        if proc.returncode != 0:
            print(f"benchmark on {database_url.split(':')[0]} failed in phase {phase} (exit {proc.returncode})")
            return None
        results.update(json.loads(out.read_text()))
    return results


def report(r: dict) -> None:
    rows = r["rows"]
    raw = rows / r["raw_copy_s"]
    imp = rows / r["import_s"]
    bulk = r["bulk_rows"] / r["bulk_s"]
    save = r["save_rows"] / r["save_s"]
    limit = "raw COPY" if r["database"] == "postgresql" else "raw executemany"
    print(f"\n{r['database']}: {rows:,} contacts")
    print(f"  {limit:<34} {raw:>10,.0f} rows/s   (the physical limit)")
    floor = rows / r["floor_s"]
    print(f"  {'+ typed upsert into the contacts':<34} {floor:>10,.0f} rows/s   {floor / raw:6.1%} of the limit "
          f"(the storage floor: indexed, re-importable)")
    print(f"  {'Steward import (end to end)':<34} {imp:>10,.0f} rows/s   {imp / raw:6.1%} of the limit, "
          f"{imp / floor:.1%} of the floor, {r['import_s']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB")
    print(f"  {'bulk_create loop (' + format(r['bulk_rows'], ',') + ' rows)':<34} {bulk:>10,.0f} rows/s   "
          f"import is {imp / bulk:.1f}× faster")
    print(f"  {'save() per row (' + format(r['save_rows'], ',') + ' rows)':<34} {save:>10,.0f} rows/s   "
          f"import is {imp / save:.1f}× faster")


def main(rows: int | None = None) -> None:
    rows = rows or int(os.environ.get("BENCH_ROWS", "1000000"))
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp:
        work = Path(tmp)
        csv_path = work / "contacts.csv"
        started = time.perf_counter()
        generate(csv_path, rows)
        print(f"Interactions import benchmark: {rows:,} contacts, {csv_path.stat().st_size / 1e6:.0f} MB CSV "
              f"(generated in {time.perf_counter() - started:.0f} s)")
        targets = [f"sqlite:///{work / 'bench.sqlite3'}"]
        if pg := _postgres_url():
            targets.append(pg)
        for url in targets:
            result = _run(url, csv_path, rows, work)
            if result:
                report(result)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        csv_path, rows, out, phase = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
        Path(out).write_text(json.dumps(child(csv_path, rows, phase)))
    else:
        main()
