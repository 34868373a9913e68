"""One project-month of KPIs three ways: Steward's metric engine (grouped sums over the
30-minute rollups), the raw SQL aggregation over the contacts, and what analysts do today
(read the month's contacts into pandas and group them; Polars on the same frame for reference).

The contacts are written with the import's own write path (store.upsert: COPY on PostgreSQL)
and the rollups with the import's arithmetic (rollups.aggregate + fcr_buckets, applied by
store.apply_delta), so loading 10 million rows does not wait for the parser.

Each database runs in its own process. Environment / options:
  BENCH_KPI_ROWS        contacts in the month (default 300,000; `--rows 10000000` for the target volume)
  BENCH_POSTGRES_URL    server to create a scratch database on
                        (default postgres://postgres@127.0.0.1:5432/postgres); unreachable = skipped
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_ROWS = 300_000
REPEAT = 5
KPIS = ["offered", "handled", "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "csat",
        "complaint_rate", "fcr"]
CHUNK = 500_000


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steward.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from steward.core import services

    vendors = [services.vendor_create(code=f"v{i}", name=f"Vendor {i}") for i in range(2)]
    project = services.project_create(code="kpi", name="KPI bench", time_zone="Asia/Shanghai",
                                      channels=["voice"], vendor_codes=[v.code for v in vendors])
    return project, vendors


def _frame(project, vendors, start: int, n: int, month_start: dt.datetime, seconds: int):
    """Contacts start…start+n of the month (vectorised; deterministic per chunk)."""
    import polars as pl

    from steward.interactions import store

    rng = np.random.default_rng(start)
    arrived = (np.datetime64(month_start, "s") + np.sort(rng.integers(0, seconds, n)).astype("timedelta64[s]")).astype("datetime64[us]")
    abandoned = rng.random(n) < 0.08
    wait = rng.exponential(25, n).astype(np.int64)
    talk = np.where(abandoned, 0, rng.integers(60, 900, n))
    hold = np.where(abandoned, 0, rng.integers(0, 60, n))
    wrap = np.where(abandoned, 0, rng.integers(5, 60, n))
    csat = np.where(rng.random(n) < 0.3, rng.integers(1, 6, n), -1)
    vendor_ids = np.array([v.pk for v in vendors])[rng.integers(0, len(vendors), n)]
    frame = pl.DataFrame({
        "project_id": np.full(n, project.pk), "vendor_id": vendor_ids, "source": "bench",
        "external_id": [f"C{i:09d}" for i in range(start, start + n)],
        "queue": np.array(["order", "refund", "delivery"])[rng.integers(0, 3, n)], "channel": "voice",
        "direction": "inbound", "agent_code": np.where(abandoned, "", np.char.add("AG", rng.integers(100, 300, n).astype(str))),
        "agent_id": None, "customer_ref": np.char.add("K", rng.integers(0, max(n // 3, 1), n).astype(str)),
        "contact_reason": "", "priority": "normal", "arrived_at": arrived,
        "first_response_at": None, "ended_at": None, "resolved_at": None, "abandoned": abandoned,
        "wait_seconds": wait, "talk_seconds": talk, "hold_seconds": hold, "wrap_seconds": wrap,
        "outcome": np.where(abandoned, "abandoned", "resolved"), "csat": csat, "nps": None, "ces": None,
        "complaint": rng.random(n) < 0.01, "transcript": "", "recording_ref": "", "attributes": "{}",
        "import_batch_id": None,
    })
    frame = frame.with_columns(
        pl.col("arrived_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
        pl.when(pl.col("csat") < 0).then(None).otherwise(pl.col("csat")).alias("csat"))
    return frame.with_columns(*[pl.col(c).cast(store.SCHEMA[c]) for c in store.WRITE_COLUMNS
                                if c in store.SCHEMA and c not in ("arrived_at", "csat")])


def load(project, vendors, rows: int, month_start: dt.datetime, seconds: int) -> float:
    import polars as pl
    from django.db import transaction

    from steward.interactions import rollups, store

    started = time.perf_counter()
    parts = []
    for start in range(0, rows, CHUNK):
        frame = _frame(project, vendors, start, min(CHUNK, rows - start), month_start, seconds)
        with transaction.atomic():
            store.upsert(frame.select(store.WRITE_COLUMNS))
            sums, buckets = rollups.aggregate(frame)
            store.apply_delta(sums, buckets)
        parts.append(frame.select(rollups.FCR_COLUMNS))
    # FCR needs each customer's whole history: one pass over the month (as a rebuild does).
    with transaction.atomic():
        store.apply_delta(rollups.empty_sums(), rollups.fcr_buckets(pl.concat(parts)))
    return time.perf_counter() - started


RAW_SQL = """
SELECT COUNT(*),
       SUM(CASE WHEN abandoned THEN 1 ELSE 0 END),
       SUM(CASE WHEN abandoned AND wait_seconds < 5 THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT abandoned AND wait_seconds <= 20 THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT abandoned THEN wait_seconds ELSE 0 END),
       SUM(CASE WHEN NOT abandoned THEN talk_seconds + hold_seconds + wrap_seconds ELSE 0 END),
       SUM(CASE WHEN csat >= 4 THEN 1 ELSE 0 END),
       COUNT(csat),
       SUM(CASE WHEN complaint THEN 1 ELSE 0 END)
FROM interactions_interaction
WHERE project_id = %s AND direction = 'inbound' AND arrived_at >= %s AND arrived_at < %s
"""


def _median(fn, repeat=REPEAT) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def analyst(df):
    """The month's KPIs from a pandas frame of contacts (what a spreadsheet/pandas user does)."""
    ans = ~df["abandoned"]
    short = df["abandoned"] & (df["wait_seconds"] < 5)
    offered = len(df)
    sl = ((ans & (df["wait_seconds"] <= 20)).sum()) / max(offered - short.sum(), 1)
    handled = ans.sum()
    asa = df.loc[ans, "wait_seconds"].mean()
    aht = (df.loc[ans, "talk_seconds"] + df.loc[ans, "hold_seconds"] + df.loc[ans, "wrap_seconds"]).mean()
    csat = (df["csat"] >= 4).sum() / max(df["csat"].notna().sum(), 1)
    by_vendor = df.groupby("vendor_id").agg(offered=("abandoned", "size"), abandoned=("abandoned", "sum"),
                                            wait=("wait_seconds", "mean"))
    return {"offered": offered, "handled": int(handled), "service_level": float(sl), "asa": float(asa),
            "aht": float(aht), "csat": float(csat), "vendors": len(by_vendor)}


def child(rows: int) -> dict:
    project, vendors = _setup()
    import pandas as pd
    import polars as pl
    from django.db import connection

    from steward.metrics import engine
    from steward.metrics.services import SYSTEM_READER

    first = dt.date(2025, 3, 1)
    period = engine.period(first, dt.date(2025, 3, 31), project.time_zone)
    seconds = int((period.end - period.start).total_seconds())
    results: dict = {"database": connection.vendor, "rows": rows}
    results["load_s"] = load(project, vendors, rows, period.start.replace(tzinfo=None), seconds)

    def via_engine():
        return engine.measure(user=SYSTEM_READER, project=project, period=period, metrics=KPIS)

    via_engine()  # warm the connection and the query plans
    results["engine_s"], rows_out = _median(via_engine)
    results["engine_offered"] = rows_out[0].results["offered"].value
    results["engine_sl"] = rows_out[0].results["service_level"].value
    results["engine_fcr"] = rows_out[0].results["fcr"].value

    def via_sql():
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, [project.pk, period.start, period.end])
            return cursor.fetchone()

    results["sql_s"], sql_out = _median(via_sql, 3)
    results["sql_offered"] = sql_out[0]

    query = ("SELECT vendor_id, abandoned, wait_seconds, talk_seconds, hold_seconds, wrap_seconds, csat, "
             "complaint, customer_ref, arrived_at FROM interactions_interaction WHERE project_id = %s "
             "AND arrived_at >= %s AND arrived_at < %s")

    def read():
        with connection.cursor() as cursor:
            cursor.execute(query, [project.pk, period.start, period.end])
            names = [c[0] for c in cursor.description]
            return pd.DataFrame.from_records(cursor.fetchall(), columns=names)

    started = time.perf_counter()
    df = read()
    df["abandoned"] = df["abandoned"].astype(bool)
    df["complaint"] = df["complaint"].astype(bool)
    df["csat"] = pd.to_numeric(df["csat"])
    results["pandas_read_s"] = time.perf_counter() - started
    results["pandas_compute_s"], pandas_out = _median(lambda: analyst(df), 3)
    results["pandas_offered"] = pandas_out["offered"]
    pl_df = pl.DataFrame({c: df[c].to_numpy() for c in ("vendor_id", "abandoned", "wait_seconds", "talk_seconds",
                                                         "hold_seconds", "wrap_seconds", "csat")}
                         ).with_columns(pl.col("csat").fill_nan(None))

    def polars_compute():
        ans = ~pl.col("abandoned")
        return pl_df.select(
            pl.len().alias("offered"), ans.sum().alias("handled"),
            (ans & (pl.col("wait_seconds") <= 20)).sum().alias("in_time"),
            pl.col("wait_seconds").filter(ans).mean().alias("asa"),
            (pl.col("csat") >= 4).sum().alias("top2"), pl.col("csat").count().alias("csat_n"))

    results["polars_compute_s"], _out = _median(polars_compute, 3)
    return results


def _postgres_url() -> str | None:
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        name = "steward_bench_kpi"
        with psycopg.connect(base.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        return base.rsplit("/", 1)[0] + "/" + name
    except Exception as error:  # no server: say so and go on with SQLite
        print(f"PostgreSQL skipped ({error.__class__.__name__}: {error})")
        return None


def _run(database_url: str, rows: int, work: Path) -> dict | None:
    env = dict(os.environ, DATABASE_URL=database_url, STEWARD_ENV="test", STEWARD_VAR_DIR=str(work))
    out = work / "kpi.json"
    proc = subprocess.run([sys.executable, "-m", "bench.kpi", "--child", str(rows), str(out)],
                          env=env, cwd=Path(__file__).resolve().parent.parent)
    if proc.returncode != 0:
        print(f"KPI benchmark on {database_url.split(':')[0]} failed (exit {proc.returncode})")
        return None
    return json.loads(out.read_text())


def report(r: dict) -> None:
    ms = lambda s: f"{1000 * s:,.1f} ms"  # noqa: E731

    def vs(other: float) -> str:
        ratio = other / r["engine_s"]
        return f"engine {ratio:,.1f}× faster" if ratio >= 1 else f"engine {1 / ratio:,.1f}× SLOWER"

    analyst_total = r["pandas_read_s"] + r["pandas_compute_s"]
    print(f"\n{r['database']}: one project-month, {r['rows']:,} contacts (loaded in {r['load_s']:.0f} s)")
    print(f"  {'metric engine over rollups':<40} {ms(r['engine_s']):>12}   ({len(KPIS)} KPIs with intervals, incl. FCR)")
    print(f"  {'raw SQL aggregation over contacts':<40} {ms(r['sql_s']):>12}   {vs(r['sql_s'])}")
    print(f"  {'pandas: read the month + group':<40} {ms(analyst_total):>12}   {vs(analyst_total)}"
          f"  (read {ms(r['pandas_read_s'])}, compute {ms(r['pandas_compute_s'])})")
    print(f"  {'Polars compute only (frame in memory)':<40} {ms(r['polars_compute_s']):>12}")
    agree = r["engine_offered"] == r["sql_offered"] == r["pandas_offered"]
    print(f"  offered agrees on all paths: {agree} ({r['engine_offered']:,}); service level {r['engine_sl']:.4f}; "
          f"FCR {r['engine_fcr'] if r['engine_fcr'] is None else round(r['engine_fcr'], 4)}")


def main(rows: int | None = None) -> None:
    rows = rows or int(os.environ.get("BENCH_KPI_ROWS", str(DEFAULT_ROWS)))
    print(f"KPI benchmark: one project-month of {rows:,} contacts")
    with tempfile.TemporaryDirectory(prefix="steward-bench-kpi-") as tmp:
        work = Path(tmp)
        targets = [f"sqlite:///{work / 'kpi.sqlite3'}"]
        if pg := _postgres_url():
            targets.append(pg)
        for url in targets:
            result = _run(url, rows, work)
            if result:
                report(result)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        rows, out = int(sys.argv[2]), sys.argv[3]
        Path(out).write_text(json.dumps(child(rows)))
    else:
        main(int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else None)
