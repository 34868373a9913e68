"""Writing canonical rows and rollup deltas: one interface, two paths.

PostgreSQL: rows are COPYed into a temporary stage table, then upserted with one
INSERT ... SELECT ... ON CONFLICT statement (bulk_create is ~30× slower there).
Other databases (SQLite): Django's bulk_create(update_conflicts=True).
Rollup deltas use a stage table on both (COPY or executemany) and set-based additive upserts.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import uuid

import polars as pl
from django.db import IntegrityError, connection, models
from django.db.models import Q, signals
from django.db.models.deletion import get_candidate_relations_to_delete

from steward.interactions import rollups
from steward.core.models import Vendor
from steward.core.models import Project
from steward.interactions.models import (
    Agent, BusinessMinutes, CalendarBucket, CalendarRollup, CalendarZone, Interaction, InteractionRevision,
    IntervalBucket, IntervalRollup, Rollup, RollupBucket, RollupVersion,
)
from steward.metrics.business_calendars import business_calendar
from steward.metrics.calendars import BusinessCalendar, CalendarError

WRITE_COLUMNS = [
    "project_id", "vendor_id", "source", "external_id", "queue", "channel", "direction",
    "agent_code", "agent_id", "customer_ref", "contact_reason", "priority", "arrived_at",
    "first_response_at", "ended_at", "resolved_at", "abandoned", "wait_seconds", "talk_seconds",
    "hold_seconds", "wrap_seconds", "outcome", "csat", "nps", "ces", "complaint", "transcript",
    "recording_ref", "attributes", "import_batch_id",
]
TEXT_COLUMNS = ["source", "external_id", "queue", "channel", "direction", "agent_code",
                "customer_ref", "contact_reason", "priority", "outcome", "transcript", "recording_ref"]
UPDATE_COLUMNS = [c for c in WRITE_COLUMNS if c not in ("project_id", "vendor_id", "source", "external_id")]
SNAPSHOT_COLUMNS = ["id", *WRITE_COLUMNS]
SCHEMA = {
    "id": pl.Int64, "project_id": pl.Int64, "vendor_id": pl.Int64, "agent_id": pl.Int64,
    "import_batch_id": pl.Int64, "abandoned": pl.Boolean, "complaint": pl.Boolean,
    "wait_seconds": pl.Int64, "talk_seconds": pl.Int64, "hold_seconds": pl.Int64,
    "wrap_seconds": pl.Int64, "csat": pl.Int64, "nps": pl.Int64, "ces": pl.Int64,
    "arrived_at": pl.Datetime("us", "UTC"), "first_response_at": pl.Datetime("us", "UTC"),
    "ended_at": pl.Datetime("us", "UTC"), "resolved_at": pl.Datetime("us", "UTC"),
    "attributes": pl.String,
    **{c: pl.String for c in TEXT_COLUMNS},
}
TABLE = Interaction._meta.db_table


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def frame_from_records(records: list[tuple], columns: list[str]) -> pl.DataFrame:
    schema = {c: SCHEMA[c] for c in columns}
    if not records:
        return pl.DataFrame(schema=schema)
    fixed = []
    for rec in records:
        rec = list(rec)
        for i, c in enumerate(columns):
            v = rec[i]
            if c == "attributes" and not isinstance(v, str):
                rec[i] = json.dumps(v if v is not None else {}, ensure_ascii=False)
            elif isinstance(v, dt.datetime) and v.tzinfo is None:
                rec[i] = v.replace(tzinfo=dt.UTC)
        fixed.append(rec)
    return pl.DataFrame(fixed, schema=schema, orient="row")


def _copy(cursor, table: str, frame: pl.DataFrame, force_not_null: list[str]) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.6f+00:00",
                    null_value="")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    options = "FORMAT csv"
    if force_not_null:
        options += ", FORCE_NOT_NULL (" + ", ".join(f'"{c}"' for c in force_not_null) + ")"
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH ({options})") as copy:
        copy.write(buffer.getvalue())


# ------------------------------------------------------------------ the import's transaction


def bulk_transaction() -> None:
    """Settings for a bulk write, inside its transaction. PostgreSQL: the statements do not wait
    for WAL flushes of their own (the setting holds until durable_commit turns it back on)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def durable_commit() -> None:
    """Before writing the batch's "done" into its transaction: its commit waits for the WAL
    flush (one flush for the whole import), so "done" is never reported for rows a crash could
    still lose. The setting is read at commit time."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = on")


GROWING_TABLES = (TABLE, Rollup._meta.db_table, RollupBucket._meta.db_table, IntervalRollup._meta.db_table,
                  IntervalBucket._meta.db_table)
STATISTICS_MIN_ROWS = 50_000


def estimated_rows() -> int:
    """The contacts the planner believes the table holds (PostgreSQL's reltuples; 0 elsewhere)."""
    if not is_postgres():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [TABLE])
        return int(cursor.fetchone()[0])


def refresh_statistics() -> int:
    """PostgreSQL: ANALYZE the tables an import grows, inside its transaction (ANALYZE counts the
    transaction's own rows), and return the contacts it now estimates. Autovacuum cannot see an
    import's rows before it commits, so a large first import into a small table would otherwise
    be planned as if the table were still small: the joins with the stage tables then turn into
    scans of the whole table per chunk (measured in a 1,000,000-row import: 50 s for one
    chunk's customer histories, where a planned read takes about a second)."""
    if not is_postgres():
        return 0
    with connection.cursor() as cursor:
        for table in GROWING_TABLES:
            cursor.execute(f"ANALYZE {table}")
    return estimated_rows()


def lock_references(*, vendor_id: int, agent_ids) -> None:
    """What the contacts' foreign-key constraints did, once per chunk instead of once per row:
    the referenced vendor and agents must exist and stay until the commit (FOR KEY SHARE, the
    lock PostgreSQL's own check takes). The project is locked by services.lock_project and the
    import batch is the import's own row."""
    ids = sorted({int(a) for a in agent_ids if a is not None})
    lock = " FOR KEY SHARE" if is_postgres() else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Vendor._meta.db_table} WHERE id = %s{lock}", [vendor_id])
        found = len(cursor.fetchall())
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            cursor.execute(f"SELECT id FROM {Agent._meta.db_table} WHERE id IN ({', '.join(['%s'] * len(part))})"
                           f"{lock}", part)
            found += len(cursor.fetchall())
    if found != len(ids) + 1:
        raise IntegrityError("a vendor or agent referenced by the import no longer exists")


# ------------------------------------------------------------------ interactions


def fetch_existing(frame: pl.DataFrame) -> pl.DataFrame:
    """The stored rows with the same (source, external_id) as `frame`'s rows, before the write."""
    if frame.height == 0:
        return pl.DataFrame(schema={c: SCHEMA[c] for c in SNAPSHOT_COLUMNS})
    if is_postgres():
        return _fetch_existing_postgres(frame)
    sources = frame["source"].unique().to_list()
    records: list[tuple] = []
    ids = frame["external_id"].to_list()
    for source in sources:
        for start in range(0, len(ids), 5000):
            records += list(
                Interaction.objects.filter(source=source, external_id__in=ids[start:start + 5000])
                .values_list(*SNAPSHOT_COLUMNS)
            )
    return frame_from_records(records, SNAPSHOT_COLUMNS)


def _fetch_existing_postgres(frame: pl.DataFrame) -> pl.DataFrame:
    # A join with the COPYed keys: an IN list of tens of thousands of ids plans badly.
    with connection.cursor() as cursor:
        _stage(cursor, "steward_stage_keys", frame.select("source", "external_id"),
               "CREATE TEMP TABLE IF NOT EXISTS steward_stage_keys (source text, external_id text)")
        return _copy_out(cursor, f"{TABLE} i JOIN steward_stage_keys k "
                                 f"ON i.source = k.source AND i.external_id = k.external_id",
                         {c: SCHEMA[c] for c in SNAPSHOT_COLUMNS})


def _copy_out(cursor, source: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``SELECT`` the columns of ``schema`` ``FROM source`` (aliased ``i``) as a frame of those
    types, through ``COPY … TO STDOUT`` read by Polars: fetching tuples and fixing them per value
    in Python cost more than the query. Times travel as integer microseconds, booleans as 0/1."""
    columns = list(schema)
    read_schema = {c: pl.Int64 if t in (pl.Boolean, pl.Datetime("us", "UTC")) else t for c, t in schema.items()}

    def wire(c: str) -> str:
        if schema[c] == pl.Datetime("us", "UTC"):
            return f"(extract(epoch FROM i.{c}) * 1000000)::bigint"
        return f"i.{c}::int" if schema[c] == pl.Boolean else f"i.{c}"

    out = io.BytesIO()
    with cursor.cursor.copy(f"COPY (SELECT {', '.join(wire(c) for c in columns)} FROM {source}) "
                            "TO STDOUT WITH (FORMAT csv)") as copy:
        for block in copy:
            out.write(block)
    if not out.tell():
        return pl.DataFrame(schema=schema)
    # the contacts' text columns are NOT NULL: an empty field is the empty string
    frame = pl.read_csv(out.getvalue(), has_header=False, schema=read_schema, empty_string_is_null=False,
                        infer_schema=False)
    return frame.with_columns(
        *[pl.col(c).cast(pl.Datetime("us")).dt.replace_time_zone("UTC") for c, t in schema.items()
          if t == pl.Datetime("us", "UTC")],
        *[pl.col(c).cast(pl.Boolean) for c, t in schema.items() if t == pl.Boolean])


def batch_rows(batch_id: int, *, after_id: int, limit: int) -> pl.DataFrame:
    """The next ``limit`` stored contacts whose last write was import ``batch_id``, by id from
    ``after_id`` on (an undo reads them a chunk at a time)."""
    where = f"i.import_batch_id = {int(batch_id)} AND i.id > {int(after_id)} ORDER BY i.id LIMIT {int(limit)}"
    if is_postgres():
        with connection.cursor() as cursor:
            return _copy_out(cursor, f"{TABLE} i WHERE {where}", {c: SCHEMA[c] for c in SNAPSHOT_COLUMNS})
    records = (Interaction.objects.filter(import_batch_id=batch_id, pk__gt=after_id).order_by("pk")
               .values_list(*SNAPSHOT_COLUMNS)[:limit])
    return frame_from_records(list(records), SNAPSHOT_COLUMNS)


def delete_rows(contacts) -> None:
    """Delete the contacts of a queryset and what cascades from them: one statement per
    relation and one for the contacts. Django's collector would load every contact (and run
    a query per relation per 500 of them), which made undoing a large import take minutes and
    gigabytes. PROTECT and RESTRICT referrers are the caller's to refuse first (under the
    project's lock; the database's foreign key still stops one added meanwhile). Where a
    relation asks for more (SET_NULL, a callable) or a signal listens, the collector does it."""
    relations = list(get_candidate_relations_to_delete(Interaction._meta))
    simple = all(r.on_delete in (models.CASCADE, models.DO_NOTHING, models.PROTECT, models.RESTRICT)
                 for r in relations)
    listening = any(s.has_listeners(Interaction) for s in (signals.pre_delete, signals.post_delete))
    if not simple or listening:
        contacts.delete()
        return
    for relation in relations:
        if relation.on_delete is models.CASCADE:  # (their own cascades, if any, follow by Django)
            relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": contacts}).delete()
    sql, params = contacts.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id IN ({sql})", params)


REVISION_TABLE = InteractionRevision._meta.db_table
DATETIME_COLUMNS = ("arrived_at", "first_response_at", "ended_at", "resolved_at")


def record_revisions(batch_id: int, ids: list[int]) -> None:
    """Keep the stored contacts ``ids`` as they are now, before a write replaces them, so that
    import ``batch_id`` can be undone: one InteractionRevision each, ``previous`` the row as a
    JSON object of SNAPSHOT_COLUMNS (times as ISO 8601 in UTC). The database builds the JSON
    from the stored rows: doing it per row in Python was most of a re-import's time."""
    if not ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor in ("postgresql", "sqlite"):
            _stage(cursor, "steward_stage_ids", pl.DataFrame({"id": ids}, schema={"id": pl.Int64}),
                   "CREATE TEMP TABLE IF NOT EXISTS steward_stage_ids (id bigint)")
        if is_postgres():
            # to_jsonb of the whole row: its columns are SNAPSHOT_COLUMNS, the session is in UTC
            cursor.execute(
                f"INSERT INTO {REVISION_TABLE} (batch_id, interaction_id, previous) "
                f"SELECT %s, i.id, to_jsonb(i) FROM {TABLE} i JOIN steward_stage_ids s ON i.id = s.id",
                [batch_id])
            return
        if connection.vendor == "sqlite":
            pairs = ", ".join(f"'{c}', {_sqlite_json_value(c)}" for c in SNAPSHOT_COLUMNS)
            cursor.execute(
                f"INSERT INTO {REVISION_TABLE} (batch_id, interaction_id, previous) "
                f"SELECT %s, i.id, json_object({pairs}) FROM {TABLE} i JOIN steward_stage_ids s ON i.id = s.id",
                [batch_id])
            return
    _record_revisions_portable(batch_id, ids)


def _record_revisions_portable(batch_id: int, ids: list[int]) -> None:
    """record_revisions on a database without a SQL path: the JSON built row by row."""
    rows = frame_from_records(list(Interaction.objects.filter(pk__in=ids).values_list(*SNAPSHOT_COLUMNS)),
                              SNAPSHOT_COLUMNS)
    InteractionRevision.objects.bulk_create(
        [InteractionRevision(batch_id=batch_id, interaction_id=r["id"], previous=snapshot_json(r))
         for r in rows.iter_rows(named=True)], batch_size=1000)


def _sqlite_json_value(column: str) -> str:
    """A stored SQLite value as the JSON value snapshot_json gives for it."""
    c = f"i.{column}"
    if column in DATETIME_COLUMNS:  # stored as naive UTC text ("YYYY-MM-DD HH:MM:SS[.ffffff]")
        return f"CASE WHEN {c} IS NULL THEN NULL ELSE replace({c}, ' ', 'T') || '+00:00' END"
    if column in ("abandoned", "complaint"):
        return f"json(CASE WHEN {c} THEN 'true' ELSE 'false' END)"
    if column == "attributes":
        return f"json(COALESCE({c}, '{{}}'))"
    return c


def snapshot_json(row: dict) -> dict:
    """A contact (SNAPSHOT_COLUMNS, as read into a frame) as the JSON ``previous`` holds."""
    out = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            out[key] = value.isoformat()
        elif key == "attributes":
            out[key] = json.loads(value) if isinstance(value, str) and value else (value or {})
        else:
            out[key] = value
    return out


def upsert(frame: pl.DataFrame) -> None:
    """Insert new rows, replace existing ones (same source and external_id)."""
    if frame.height == 0:
        return
    frame = frame.select(WRITE_COLUMNS)
    if is_postgres():
        _upsert_postgres(frame)
    elif connection.vendor == "sqlite":
        _upsert_sqlite(frame)
    else:
        _upsert_portable(frame)


def _upsert_postgres(frame: pl.DataFrame) -> None:
    columns = ", ".join(f'"{c}"' for c in WRITE_COLUMNS)
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in UPDATE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS steward_stage_interaction AS "
            f"SELECT {columns} FROM {TABLE} WITH NO DATA"
        )
        cursor.execute("TRUNCATE steward_stage_interaction")
        _copy(cursor, "steward_stage_interaction", frame, TEXT_COLUMNS)
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM steward_stage_interaction "
            f"ON CONFLICT (source, external_id) DO UPDATE SET {updates}"
        )


def sqlite_datetime(column: str) -> pl.Expr:
    """The text Django's SQLite backend stores for an aware datetime (naive UTC, str())."""
    col = pl.col(column).dt.replace_time_zone(None)
    return (
        pl.when(col.dt.microsecond() == 0).then(col.dt.strftime("%Y-%m-%d %H:%M:%S"))
        .otherwise(col.dt.strftime("%Y-%m-%d %H:%M:%S%.6f")).alias(column)
    )


def _upsert_sqlite(frame: pl.DataFrame) -> None:
    # Values prepared column-wise by Polars, then one executemany: bulk_create spends most of
    # its time preparing values field by field.
    out = frame.with_columns(
        *[sqlite_datetime(c) for c in ("arrived_at", "first_response_at", "ended_at", "resolved_at")],
        pl.col("abandoned").cast(pl.Int8), pl.col("complaint").cast(pl.Int8),
        pl.col("attributes").fill_null("{}"),
    )
    columns = ", ".join(f'"{c}"' for c in WRITE_COLUMNS)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in UPDATE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(WRITE_COLUMNS))
    with connection.cursor() as cursor:
        # SQLite's default page cache (2 MB) makes every index insert a disk read once the
        # indexes outgrow it; 128 MB keeps a month of a large project's index pages in memory.
        cursor.execute("PRAGMA cache_size = -131072")
        cursor.executemany(
            f"INSERT INTO {TABLE} ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT (source, external_id) DO UPDATE SET {updates}",
            out.rows(),
        )


def _upsert_portable(frame: pl.DataFrame) -> None:
    objects = []
    for row in frame.iter_rows(named=True):
        row["attributes"] = json.loads(row["attributes"]) if row["attributes"] else {}
        objects.append(Interaction(**row))
    Interaction.objects.bulk_create(
        objects, batch_size=500, update_conflicts=True,
        unique_fields=["source", "external_id"], update_fields=UPDATE_COLUMNS,
    )


# ------------------------------------------------------------------ rollups

R_TABLE = Rollup._meta.db_table
B_TABLE = RollupBucket._meta.db_table
IR_TABLE = IntervalRollup._meta.db_table
IB_TABLE = IntervalBucket._meta.db_table
CR_TABLE = CalendarRollup._meta.db_table
CB_TABLE = CalendarBucket._meta.db_table
CALENDAR_DDL = ("project_id bigint, grain varchar(1), period date, vendor_id bigint, queue varchar(64), "
                "channel varchar(16), direction varchar(8), priority varchar(8)")


def _stage(cursor, table: str, frame: pl.DataFrame, create_sql: str) -> None:
    cursor.execute(create_sql)
    cursor.execute(f"DELETE FROM {table}")
    if frame.height == 0:
        return
    if is_postgres():
        _copy(cursor, table, frame, [])
        return
    # times as Django stores them (to the microsecond), so staged and stored times compare as text
    out = frame.with_columns(*[sqlite_datetime(c) for c, t in frame.schema.items() if isinstance(t, pl.Datetime)],
                             pl.col(pl.Date).dt.strftime("%Y-%m-%d"))
    placeholders = ", ".join(["%s"] * len(out.columns))
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(out.columns)}) VALUES ({placeholders})", out.rows()
    )


def _subtracts(sums: pl.DataFrame, buckets: pl.DataFrame) -> bool:
    """Whether a delta has a negative entry. A delta of inserts only (a source's first import)
    cannot bring a stored row to zero: every row it touches keeps or gains a positive count."""
    negative_sum = sums.height and sums.select(pl.min_horizontal(rollups.STATS).min()).item() < 0
    return bool(negative_sum or (buckets.height and buckets["count"].min() < 0))


def apply_delta(sums: pl.DataFrame, buckets: pl.DataFrame) -> None:
    """Add a delta (from rollups.delta) to the stored rollups, dropping what falls to zero."""
    if sums.height == 0 and buckets.height == 0:
        return
    # Every change, even one the interval rollup nets out (a contact moved to another agent).
    for pk in set(sums["project_id"].unique().to_list()) | set(buckets["project_id"].unique().to_list()):
        new_version(pk)
    key = rollups.KEY
    stats = rollups.STATS
    ts = "timestamp with time zone" if is_postgres() else "datetime"
    temp = "TEMP TABLE IF NOT EXISTS"
    key_ddl = ("project_id bigint, vendor_id bigint, queue varchar(64), channel varchar(16), "
               "direction varchar(8), priority varchar(8), agent_code varchar(64), "
               f"interval_start {ts}")
    with connection.cursor() as cursor:
        _stage(cursor, "steward_stage_rollup", sums.select(*key, *stats),
               f"CREATE {temp} steward_stage_rollup ({key_ddl}, "
               + ", ".join(f"{s} bigint" for s in stats) + ")")
        cols = ", ".join([*key, *stats])
        adds = ", ".join(f"{s} = {R_TABLE}.{s} + excluded.{s}" for s in stats)
        subtracts = _subtracts(sums, buckets)
        empty_rollups = _additive_upsert(
            cursor, f"INSERT INTO {R_TABLE} ({cols}) SELECT {cols} FROM steward_stage_rollup WHERE true "
                    f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {adds}", "offered", subtracts)
        _stage(cursor, "steward_stage_bucket", buckets.select(*key, "kind", "value", "count"),
               f"CREATE {temp} steward_stage_bucket ({key_ddl}, kind integer, value integer, count bigint)")
        join = " AND ".join(f"r.{k} = b.{k}" for k in key)
        empty_buckets = _additive_upsert(
            cursor, f"INSERT INTO {B_TABLE} (rollup_id, kind, value, count) "
                    f"SELECT r.id, b.kind, b.value, b.count FROM steward_stage_bucket b "
                    f"JOIN {R_TABLE} r ON {join} WHERE true "
                    f"ON CONFLICT (rollup_id, kind, value) DO UPDATE SET count = {B_TABLE}.count + excluded.count",
            "count", subtracts)
        _delete_ids(cursor, B_TABLE, empty_buckets)
        _delete_ids(cursor, R_TABLE, empty_rollups)  # (their buckets fell to zero with them)
    apply_interval_delta(*rollups.coarse(sums, buckets))


def apply_interval_delta(sums: pl.DataFrame, buckets: pl.DataFrame) -> None:
    """Add a delta of the coarse rollup (rollups.coarse) to IntervalRollup / IntervalBucket,
    then its days and months to the calendar rollup."""
    if sums.height == 0 and buckets.height == 0:
        return
    ts = "timestamp with time zone" if is_postgres() else "datetime"
    _add(IR_TABLE, IB_TABLE, "steward_stage_interval", rollups.INTERVAL_KEY, sums, buckets,
         f"project_id bigint, interval_start {ts}, vendor_id bigint, queue varchar(64), "
         "channel varchar(16), direction varchar(8), priority varchar(8)")
    project_ids = set(sums["project_id"].unique().to_list()) | set(buckets["project_id"].unique().to_list())
    zones = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "time_zone"))
    kept = dict(CalendarZone.objects.filter(project_id__in=project_ids).values_list("project_id", "time_zone"))
    current = {pk: zone for pk, zone in zones.items() if kept.get(pk) == zone}
    for pk, zone in zones.items():
        if pk not in current:  # first write, or the project's zone changed: rebuild in its zone
            refresh_calendar_rollups(pk, zone)
    if current:
        cal_sums, cal_buckets = rollups.calendar(sums, buckets, current)
        _add(CR_TABLE, CB_TABLE, "steward_stage_calendar", rollups.CALENDAR_KEY, cal_sums, cal_buckets,
             CALENDAR_DDL)


def _add(table: str, bucket_table: str, stage: str, key: list[str], sums: pl.DataFrame,
         buckets: pl.DataFrame, key_ddl: str) -> None:
    """Additive upserts of a delta into a rollup table and its histogram table, both keyed by
    ``key`` (no join), dropping the touched rows that fall to zero."""
    stats = rollups.STATS
    cols = ", ".join([*key, *stats])
    bcols = ", ".join([*key, "kind", "value", "count"])
    bucket_stage = f"{stage}_bucket"
    with connection.cursor() as cursor:
        _stage(cursor, stage, sums.select(*key, *stats),
               f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({key_ddl}, "
               + ", ".join(f"{s} bigint" for s in stats) + ")")
        adds = ", ".join(f"{s} = {table}.{s} + excluded.{s}" for s in stats)
        subtracts = _subtracts(sums, buckets)
        empty_rows = _additive_upsert(
            cursor, f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} WHERE true "
                    f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {adds}", "offered", subtracts)
        _stage(cursor, bucket_stage, buckets.select(*key, "kind", "value", "count"),
               f"CREATE TEMP TABLE IF NOT EXISTS {bucket_stage} ({key_ddl}, kind integer, "
               "value integer, count bigint)")
        empty_buckets = _additive_upsert(
            cursor, f"INSERT INTO {bucket_table} ({bcols}) SELECT {bcols} FROM {bucket_stage} WHERE true "
                    f"ON CONFLICT ({', '.join(key)}, kind, value) DO UPDATE SET count = {bucket_table}.count "
                    f"+ excluded.count", "count", subtracts)
        _delete_ids(cursor, bucket_table, empty_buckets)
        _delete_ids(cursor, table, empty_rows)


def _additive_upsert(cursor, sql: str, measure: str, find_empty: bool) -> list[int]:
    """Run an additive upsert; with ``find_empty`` (the delta subtracts), return the ids of the
    rows it brought to zero in ``measure`` (a stored row is never zero: they are to be deleted).
    They come from the statement itself (RETURNING), not from a join that finds them again: an
    import's own rows are invisible to the planner's statistics until it commits, and such
    joins were planned as nested scans of whole tables."""
    if not find_empty:
        cursor.execute(sql)
        return []
    if is_postgres():
        cursor.execute(f"WITH up AS ({sql} RETURNING id, {measure}) SELECT id FROM up WHERE {measure} = 0")
        return [row[0] for row in cursor.fetchall()]
    cursor.execute(f"{sql} RETURNING id, {measure}")
    return [row_id for row_id, value in cursor.fetchall() if value == 0]


def _delete_ids(cursor, table: str, ids: list[int]) -> None:
    if ids and is_postgres():
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])
        return
    for start in range(0, len(ids), 1000):
        part = ids[start:start + 1000]
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(part))})", part)


def new_version(project_id: int) -> None:
    """Mark the project's rollups changed (see models.RollupVersion)."""
    RollupVersion.objects.update_or_create(project_id=project_id, defaults={"token": uuid.uuid4().hex})


def refresh_calendar_rollups(project_id: int, time_zone: str) -> None:
    """Recompute a project's calendar rollup from its interval rollup in ``time_zone`` and
    record the zone (the first write into a project, a change of its zone, a bulk load)."""
    removed = CalendarBucket.objects.filter(project_id=project_id).delete()[0]
    removed += CalendarRollup.objects.filter(project_id=project_id).delete()[0]
    if not IntervalRollup.objects.filter(project_id=project_id).exists():  # no contacts (yet)
        CalendarZone.objects.filter(project_id=project_id).delete()
        if removed:
            new_version(project_id)
        return
    new_version(project_id)
    key = ", ".join(rollups.CALENDAR_KEY)
    if is_postgres():
        # The same day rule in SQL: the local date of the interval's start.
        day = "(interval_start AT TIME ZONE %s)::date"
        with connection.cursor() as cursor:
            for grain, period in ((rollups.DAY, day), (rollups.MONTH, f"date_trunc('month', {day})::date")):
                for source, target, values, agg in (
                        (IR_TABLE, CR_TABLE, rollups.STATS, [f"SUM({s})" for s in rollups.STATS]),
                        (IB_TABLE, CB_TABLE, ["kind", "value", "count"], ["kind", "value", "SUM(count)"])):
                    # grouped by position: the zone is a parameter in both the SELECT and the
                    # GROUP BY, which PostgreSQL cannot prove to be the same expression
                    positions = "1, 3, 4, 5, 6, 7, 8" + (", 9, 10" if target == CB_TABLE else "")
                    cursor.execute(
                        f"INSERT INTO {target} ({key}, {', '.join(values)}) "
                        f"SELECT project_id, %s, {period}, vendor_id, queue, channel, direction, priority, "
                        f"{', '.join(agg)} FROM {source} WHERE project_id = %s GROUP BY {positions}",
                        [grain, time_zone, project_id])
    else:
        sums = _frame(IntervalRollup.objects.filter(project_id=project_id), [*rollups.INTERVAL_KEY, *rollups.STATS])
        buckets = _frame(IntervalBucket.objects.filter(project_id=project_id),
                         [*rollups.INTERVAL_KEY, "kind", "value", "count"])
        _add(CR_TABLE, CB_TABLE, "steward_stage_calendar", rollups.CALENDAR_KEY,
             *rollups.calendar(sums, buckets, {project_id: time_zone}), CALENDAR_DDL)
    CalendarZone.objects.update_or_create(project_id=project_id, defaults={"time_zone": time_zone})


def _frame(queryset, columns: list[str]) -> pl.DataFrame:
    schema = {c: pl.Int64 for c in columns}
    schema.update({c: pl.String for c in ("queue", "channel", "direction", "priority")})
    schema["interval_start"] = pl.Datetime("us", "UTC")
    rows = [tuple(v.astimezone(dt.UTC) if isinstance(v, dt.datetime) else v for v in r)
            for r in queryset.values_list(*columns)]
    return pl.DataFrame(rows, schema=schema, orient="row")


def refresh_interval_rollups(project_id: int) -> int:
    """Recompute a project's interval rollup from its agent rollup, in SQL (one grouped INSERT
    per table): for rollups written without apply_delta (a SQL-side rebuild, a bulk load).
    Returns the number of interval rows."""
    key = ", ".join(rollups.INTERVAL_KEY)
    rkey = ", ".join(f"r.{k}" for k in rollups.INTERVAL_KEY)
    stats = ", ".join(rollups.STATS)
    sums = ", ".join(f"SUM({s})" for s in rollups.STATS)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {IB_TABLE} WHERE project_id = %s", [project_id])
        cursor.execute(f"DELETE FROM {IR_TABLE} WHERE project_id = %s", [project_id])
        cursor.execute(f"INSERT INTO {IR_TABLE} ({key}, {stats}) SELECT {key}, {sums} FROM {R_TABLE} "
                       f"WHERE project_id = %s GROUP BY {key}", [project_id])
        count = cursor.rowcount
        cursor.execute(f"INSERT INTO {IB_TABLE} ({key}, kind, value, count) "
                       f"SELECT {rkey}, b.kind, b.value, SUM(b.count) FROM {B_TABLE} b "
                       f"JOIN {R_TABLE} r ON r.id = b.rollup_id WHERE r.project_id = %s "
                       f"GROUP BY {rkey}, b.kind, b.value", [project_id])
    refresh_calendar_rollups(project_id, Project.objects.get(pk=project_id).time_zone)
    return count


# ------------------------------------------------------------------ first-contact resolution


def customer_history_around(project_id: int, *contacts: pl.DataFrame) -> pl.DataFrame:
    """What an FCR delta needs of the stored history of the customers of ``contacts`` (frames
    with customer_ref and arrived_at: a chunk's new and replaced rows, an undo's removed and
    restored ones), rather than all of it: per customer, every contact from the customer's
    earliest arrival among ``contacts`` on, and before that only the latest contact of each contact reason (ties included) within the FCR
    horizon: the only earlier contacts whose next contact (any reason: the latest of all; same
    reason: the latest of theirs) a change from that arrival on can move. Columns:
    rollups.FCR_COLUMNS, ``source``, ``external_id`` and FCR_COUNTS_NEXT_ANY, false on an
    earlier contact that is not the customer's latest (its next contact of any reason lies
    outside the rows read, and does not change). Reading whole histories made every chunk of
    a large import slower than the one before (a customer's history grows with each chunk)."""
    touched = pl.concat([f.select("customer_ref", pl.col("arrived_at").cast(pl.Datetime("us", "UTC")))
                         for f in contacts])
    since = (touched.filter(pl.col("customer_ref").fill_null("") != "")
             .group_by("customer_ref").agg(pl.col("arrived_at").min().alias("since")))
    columns = [*rollups.FCR_COLUMNS, "source", "external_id"]
    out_schema = {**{c: SCHEMA[c] for c in columns}, rollups.FCR_COUNTS_NEXT_ANY: pl.Boolean}
    if since.height == 0:
        return pl.DataFrame(schema=out_schema)
    # Older than the horizon, a predecessor's next contact is "none within" before and after.
    since = since.with_columns((pl.col("since") - dt.timedelta(days=rollups.FCR_MAX_DAYS + 1)).alias("horizon"))
    pg = is_postgres()
    ts = "timestamp with time zone" if pg else "datetime"
    cols = ", ".join(f"c.{c}" for c in columns)

    def out(alias: str) -> str:  # SQLite: the time as its text (typed only where it is a plain column)
        return ", ".join(f"CAST({alias}.{c} AS TEXT) AS {c}" if c == "arrived_at" and not pg else f"{alias}.{c}"
                         for c in columns)

    pid = int(project_id)
    query = (
        f"SELECT {out('c')}, 1 AS fcr_any FROM {TABLE} c JOIN steward_stage_since s "
        f"ON c.project_id = {pid} AND c.customer_ref = s.customer_ref AND c.arrived_at >= s.since "
        f"AND c.direction = 'inbound' "
        f"UNION ALL SELECT {out('p')}, p.fcr_any FROM ("
        f"SELECT {cols}, CASE WHEN c.arrived_at = MAX(c.arrived_at) OVER (PARTITION BY c.customer_ref) "
        f"THEN 1 ELSE 0 END AS fcr_any, "
        f"RANK() OVER (PARTITION BY c.customer_ref, c.contact_reason ORDER BY c.arrived_at DESC) AS rk "
        f"FROM {TABLE} c JOIN steward_stage_since s ON c.project_id = {pid} AND c.customer_ref = s.customer_ref "
        f"AND c.arrived_at < s.since AND c.arrived_at >= s.horizon AND c.direction = 'inbound') p WHERE p.rk = 1"
    )
    schema = {**{c: SCHEMA[c] for c in columns}, "fcr_any": pl.Boolean}
    with connection.cursor() as cursor:
        _stage(cursor, "steward_stage_since", since.select("customer_ref", "since", "horizon"),
               f"CREATE TEMP TABLE IF NOT EXISTS steward_stage_since "
               f"(customer_ref varchar(128) PRIMARY KEY, since {ts}, horizon {ts})")
        if pg:
            cursor.execute("ANALYZE steward_stage_since")  # a temp table is never analysed otherwise
            frame = _copy_out(cursor, f"({query}) i", schema)
        else:
            cursor.execute(query)
            frame = pl.DataFrame(cursor.fetchall(), orient="row",
                                 schema={**schema, "arrived_at": pl.String, "fcr_any": pl.Int64})
            frame = frame.with_columns(pl.col("arrived_at").str.to_datetime(
                "%Y-%m-%d %H:%M:%S%.f", time_zone="UTC", time_unit="us"), pl.col("fcr_any").cast(pl.Boolean))
    return frame.rename({"fcr_any": rollups.FCR_COUNTS_NEXT_ANY}).select(list(out_schema))


# ------------------------------------------------------------------ business minutes (kinds 5, 6)

BUSINESS_KINDS = (rollups.FIRST_RESPONSE_BUSINESS_MINUTES, rollups.RESOLUTION_BUSINESS_MINUTES)
REBUILD_BATCH = 200_000  # contacts in memory at once during a rebuild


def _calendar(name: str) -> BusinessCalendar | None:
    try:
        return business_calendar(name) if name else None
    except CalendarError:  # a name no longer known: no business minutes rather than a 500
        return None


def stored_business_calendar(project_id: int) -> str:
    """The calendar the project's stored kinds 5/6 are in ("": none stored)."""
    return BusinessMinutes.objects.filter(project_id=project_id).values_list("calendar", flat=True).first() or ""


def calendar_edition(name: str) -> str:
    """The edition (BusinessCalendar.edition) of a calendar name today ("": none or unknown)."""
    calendar = _calendar(name)
    return calendar.edition if calendar is not None else ""


def record_business_minutes(project_id: int, name: str, calendar: BusinessCalendar | None) -> None:
    """Record that the project's kinds 5/6 are (now) in calendar ``name``, in the edition they
    were computed in (``calendar``'s, not one re-read afterwards: its holidays may have changed
    meanwhile, and the minutes must then stay stale)."""
    BusinessMinutes.objects.update_or_create(project_id=project_id, defaults={
        "calendar": name, "edition": calendar.edition if calendar is not None else ""})


def write_calendars(project_ids) -> dict[int, BusinessCalendar]:
    """The calendars in which a write (import, undo) computes kinds 5/6 for these projects:
    the one their stored kinds are in, so the stored kinds never mix two calendars. A project
    without contacts has nothing stored: it takes its current calendar at once (no rebuild)."""
    out = {}
    for project in Project.objects.filter(pk__in=list(project_ids)).only("pk", "business_calendar"):
        name = stored_business_calendar(project.pk)
        if name != project.business_calendar and not Rollup.objects.filter(project_id=project.pk).exists():
            name = project.business_calendar
            calendar = _calendar(name)
            record_business_minutes(project.pk, name, calendar)
        else:
            calendar = _calendar(name)
        if calendar is not None:
            out[project.pk] = calendar
    return out


def business_minutes_current(project: Project, edition: str | None = None) -> bool:
    """Whether the project's stored kinds 5/6 are in its business calendar, in the calendar's
    current edition (the engine reads them only then: minutes computed before the holiday data
    grew — e.g. stored as beyond the covered years — wait for their rebuild). ``edition``: that
    edition, where the caller has read it already (calendar_edition)."""
    name = project.business_calendar
    if not name:
        return False
    if edition is None:
        edition = calendar_edition(name)
    return BusinessMinutes.objects.filter(project_id=project.pk, calendar=name, edition=edition).exists()


def rebuild_business_minutes(project_id: int, progress=None) -> int:
    """Recompute a project's kinds 5/6 from its raw contacts in its current business calendar,
    at every level, and record the calendar. Run under services.lock_project. Returns the
    number of contacts read; ``progress(read)`` is called after each batch."""
    name = Project.objects.filter(pk=project_id).values_list("business_calendar", flat=True).get()
    with connection.cursor() as cursor:
        kinds = ", ".join(str(k) for k in BUSINESS_KINDS)
        cursor.execute(f"DELETE FROM {B_TABLE} WHERE kind IN ({kinds}) AND rollup_id IN "
                       f"(SELECT id FROM {R_TABLE} WHERE project_id = %s)", [project_id])
        for table in (IB_TABLE, CB_TABLE):
            cursor.execute(f"DELETE FROM {table} WHERE kind IN ({kinds}) AND project_id = %s", [project_id])
    calendar = _calendar(name)
    read = 0
    if calendar is not None:
        columns = [*rollups.KEY[:-1], "arrived_at", "first_response_at", "resolved_at"]
        vendors = Interaction.objects.filter(project_id=project_id).order_by().values_list("vendor_id", flat=True).distinct()
        for vendor_id in list(vendors):
            contacts = (Interaction.objects.filter(project_id=project_id, vendor_id=vendor_id,
                                                   channel__in=rollups.ASYNC_CHANNELS)
                        .filter(Q(first_response_at__isnull=False) | Q(resolved_at__isnull=False))
                        .values_list(*columns).iterator(chunk_size=20_000))
            while records := list(itertools.islice(contacts, REBUILD_BATCH)):  # buckets add up
                read += len(records)
                rows = frame_from_records(records, columns)
                apply_delta(rollups.empty_sums(), rollups.business_buckets(rows, {project_id: calendar}))
                if progress is not None:
                    progress(read)
    record_business_minutes(project_id, name, calendar)
    new_version(project_id)
    return read
