"""Every write of the interactions app: imports (file, API records), undo, rollup rebuild,
mapping profiles, the roster. An import is one unit: it commits with its report, or leaves the
database as it was (only the batch record and its rejects report are kept)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, models, transaction
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone, translation
from django.utils.translation import gettext as _, gettext_noop

from steward.core.exports import write_rows
from steward.core.models import Project, Vendor
from steward.interactions import liveness, readers, rollups, selectors, store
from steward.interactions.builtin_profiles import BUILTIN_PROFILES
from steward.interactions.models import (
    Agent,
    BusinessMinutes,
    CalendarBucket,
    CalendarRollup,
    CalendarZone,
    ImportBatch,
    Interaction,
    InteractionRevision,
    IntervalBucket,
    IntervalRollup,
    MappingProfile,
    Queue,
    RejectedRow,
    Rollup,
    RollupVersion,
)
from steward.interactions.profiles import LINE, FileError, Profile, ProfileError, normalise
from steward.interactions.reasons import Reason, Term

logger = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
# What an FCR delta compares of a customer history read by store.customer_history_around.
FCR_HISTORY_COLUMNS = [*rollups.FCR_COLUMNS, rollups.FCR_COUNTS_NEXT_ANY]
API_MAX_RECORDS = 10_000
API_FORMAT = "api"  # ImportBatch.file_format of a batch of records sent to the REST API


# ------------------------------------------------------------------ profiles


def profile_get(name: str) -> Profile:
    """The profile, checked (a stored one that a stricter check now refuses: ProfileError)."""
    return Profile.from_dict(_profile_definition(name))


def _profile_definition(name: str) -> dict:
    stored = MappingProfile.objects.filter(name=name).first()
    if stored is not None:
        return stored.definition
    if name in BUILTIN_PROFILES:
        return Profile.from_dict(BUILTIN_PROFILES[name]).to_dict()
    known = sorted(set(BUILTIN_PROFILES) | set(MappingProfile.objects.values_list("name", flat=True)))
    raise ValidationError({"profile": _("Unknown profile %(name)s. Known: %(known)s.")
                           % {"name": name, "known": ", ".join(known)}})


def profile_names() -> list[str]:
    return sorted(set(BUILTIN_PROFILES) | set(MappingProfile.objects.values_list("name", flat=True)))


def ensure_builtin_profiles() -> None:
    for name, definition in BUILTIN_PROFILES.items():
        MappingProfile.objects.update_or_create(
            name=name, defaults={"definition": definition, "builtin": True,
                                 "description": definition.get("description", "")},
        )


@transaction.atomic
def profile_save(*, definition: dict) -> MappingProfile:
    """Create or replace a profile from its definition (as read from YAML or the editor)."""
    try:
        profile = Profile.from_dict(definition)
    except (ProfileError, TypeError) as error:
        raise ValidationError({"definition": str(error)}) from None
    if profile.name in BUILTIN_PROFILES:
        raise ValidationError({"definition": _(
            "%(name)s is a built-in profile and cannot be changed; save your version under another name."
        ) % {"name": profile.name}})
    data = profile.to_dict()
    try:  # stored as JSON: no dates, infinities or other YAML-only values
        stored_as = json.dumps(data, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise ValidationError({"definition": _(
            "Every value of a profile must be text, a finite number, true, false or null (%(error)s); "
            "quote dates and times.") % {"error": error}}) from None
    if not readers.storable_json(stored_as):
        raise ValidationError({"definition": _(
            "A profile cannot contain the NUL character (\\0) or invalid Unicode (a lone surrogate such as "
            "\\ud800).")})
    try:  # before the write: PostgreSQL refuses a name too long, SQLite would store it
        MappingProfile(name=profile.name, description=profile.description, definition=data).full_clean(
            validate_unique=False)
    except ValidationError as error:
        raise ValidationError({"definition": [f"{field}: {message}" for field, messages in error.message_dict.items()
                                              for message in messages]}) from None
    stored, _created = MappingProfile.objects.update_or_create(
        name=profile.name,
        defaults={"definition": data, "description": profile.description, "builtin": False},
    )
    return stored


class _ProfileLoader(yaml.SafeLoader):
    """YAML with the plain scalars of YAML 1.2's core schema: yes/no/on/off, dates, 010 and
    12:30 stay text (YAML 1.1 reads true, a date, 8 and 750). A value map's key Yes is the
    file's text "Yes"; a default 2024-01-01 is text, as a file holds it."""


_YAML_11_ONLY = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int",
                 "tag:yaml.org,2002:float")
_ProfileLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _YAML_11_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in (
        ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
        ("int", r"[-+]?(?:0|[1-9][0-9]*)", "-+0123456789"),  # no octal 010, no 1_000, no 12:30
        ("float", r"[-+]?(?:(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)"
                  r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)", "-+0123456789.")):
    _ProfileLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), list(_first))


def profile_import_yaml(*, text: str) -> MappingProfile:
    data = read_profile_yaml(text)
    if not isinstance(data, dict):
        raise ValidationError({"definition": _("A profile is a YAML mapping of keys such as name and columns.")})
    return profile_save(definition=data)


def read_profile_yaml(text: str):
    """The YAML's data (ValidationError naming the line of a syntax error)."""
    try:
        return yaml.load(text, Loader=_ProfileLoader)  # noqa: S506 (a SafeLoader)
    except RecursionError:
        raise ValidationError({"definition": _("The YAML is nested too deeply to be a profile.")}) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if mark is None:
            raise ValidationError({"definition": _("Not valid YAML: %(error)s") % {"error": problem}}) from None
        raise ValidationError({"definition": _("Not valid YAML at line %(line)d, column %(column)d: %(error)s") % {
            "line": mark.line + 1, "column": mark.column + 1, "error": problem}}) from None


def profile_export_yaml(name: str, *, rename_to: str | None = None) -> str:
    """Every setting (defaults filled in); a stored profile that a stricter check now refuses
    as stored, so that it can still be opened and mended."""
    definition = _profile_definition(name)
    try:
        data = Profile.from_dict(definition).to_dict()
    except ProfileError:
        data = dict(definition)
    if rename_to:
        data["name"] = rename_to
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# ------------------------------------------------------------------ import


@dataclass
class ImportResult:
    batch: ImportBatch
    inserted: int
    updated: int
    rejected: int
    skipped: int
    committed: bool
    duplicates: int = 0


class _Discard(Exception):
    """Raised inside the import transaction to roll back everything it wrote."""


class _Importer:
    def __init__(self, batch: ImportBatch, profile: Profile, on_progress: Callable | None):
        self.batch = batch
        self.profile = profile
        self.project: Project = batch.project
        self.vendor: Vendor = batch.vendor
        self.source = f"{self.project.code}/{self.vendor.code}/{profile.source}"
        self.on_progress = on_progress
        self.seen: dict[str, int] = {}  # external_id → line that wrote it in this import
        self.queues = set(Queue.objects.filter(project=self.project).values_list("code", flat=True))
        self.agents = dict(Agent.objects.filter(vendor=self.vendor).values_list("code", "id"))
        self.inserted = self.updated = self.rows_read = self.skipped = 0
        self.rejects_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        self.rejects_writer = csv.writer(self.rejects_file)
        self.rejected = 0
        self.duplicates = 0
        # Whether the source held no contacts when this import took the project's lock: then the
        # only stored rows a chunk can replace are this import's own (ids in self.seen), and a
        # chunk without such ids needs no look-up of old rows (the first import of a source).
        self.source_was_empty: bool | None = None
        # The business calendar of the stored kinds 5/6 (store.write_calendars), read under the lock.
        self.calendars: dict = {}
        # See _refresh_statistics_if_grown.
        self.rows_at_statistics: int | None = None
        self.written_at_statistics = 0

    def reject(self, line: int, column: str, reason: Reason, raw: str) -> None:
        self.rejected += 1
        self.rejects_writer.writerow([line, column, json.dumps(reason.to_json(), ensure_ascii=False),
                                      readers.escape_unstorable(raw)])

    def duplicate(self, line: int, external_id: str, later_line: int, raw: str) -> None:
        """Reported with the rejects, but the import goes on: the later row wins."""
        self.duplicates += 1
        reason = Reason(gettext_noop("duplicate external_id '%(id)s': line %(line)d later in the file replaces "
                                     "this row"), {"id": external_id, "line": later_line})
        self.rejects_writer.writerow([line, "external_id", json.dumps(reason.to_json(), ensure_ascii=False),
                                      readers.escape_unstorable(raw)])

    def run(self, chunks: Iterable[readers.Chunk]) -> None:
        header_checked = False
        for chunk in chunks:
            for line, column, reason in chunk.bad:
                self.reject(line, column, reason, chunk.raw.get(line, ""))
            # Records have no header of their own: a chunk of JSON Lines none of which could be
            # read has none, and its lines are reported as they are, not as missing columns.
            if not header_checked and not self.profile.transform and chunk.header:
                self.profile.check_header(chunk.header)
                header_checked = True
            self.rows_read += len(chunk.lines) + len(chunk.bad)
            if chunk.lines:
                self.process(chunk)
            if self.on_progress:
                self.on_progress(rows_read=self.rows_read, position=chunk.position,
                                 rejected=self.rejected)

    def process(self, chunk: readers.Chunk) -> None:
        result = normalise(chunk.frame(), self.profile, self.project.time_zone)
        self.skipped += result.skipped
        for line, column, reason in result.rejects:
            self.reject(line, column, reason, chunk.raw.get(line, ""))
        rows = result.rows
        if rows.height == 0:
            return
        rows = self._resolve_roster(rows, chunk)
        rows = self._drop_duplicates(rows, chunk)
        if rows.height == 0:
            return
        rows = rows.with_columns(
            pl.lit(self.project.pk, dtype=pl.Int64).alias("project_id"),
            pl.lit(self.vendor.pk, dtype=pl.Int64).alias("vendor_id"),
            pl.lit(self.source).alias("source"),
            pl.lit(self.batch.pk, dtype=pl.Int64).alias("import_batch_id"),
            pl.col("outcome").fill_null(""),
        )
        store.lock_references(vendor_id=self.vendor.pk, agent_ids=rows["agent_id"].unique().to_list())
        if self.source_was_empty is None:  # inside the transaction, after lock_project
            self.source_was_empty = not Interaction.objects.filter(source=self.source).exists()
        self._refresh_statistics_if_grown()
        if self.source_was_empty and not any(i in self.seen for i in rows["external_id"].to_list()):
            old = store.fetch_existing(rows.clear())
        else:
            old = store.fetch_existing(rows)
        first_touch = old.filter(~pl.col("import_batch_id").is_in([self.batch.pk]).fill_null(True))
        store.record_revisions(self.batch.pk, first_touch["id"].to_list())
        # FCR: the next-contact days change only for contacts of the customers this chunk
        # touches (before and after the write), from their first touched arrival on and for
        # the contacts just before it (store.customer_history_around): refresh just those.
        before = store.customer_history_around(self.project.pk, rows, old)
        store.upsert(rows)
        sums, buckets = rollups.delta(rows, old, self.calendars)
        # After the write the histories are the rows read before, less those this chunk
        # replaced, plus the chunk's rows: no second read.
        after = pl.concat([
            before.join(rows.select("source", "external_id"), on=["source", "external_id"], how="anti")
            .select(FCR_HISTORY_COLUMNS),
            rows.select(rollups.FCR_COLUMNS).with_columns(pl.col("arrived_at").cast(pl.Datetime("us", "UTC")),
                                                          pl.lit(True).alias(rollups.FCR_COUNTS_NEXT_ANY)),
        ], how="vertical_relaxed")
        buckets = rollups.add_buckets(buckets, rollups.fcr_delta(after, before.select(FCR_HISTORY_COLUMNS)))
        store.apply_delta(sums, buckets)
        # Ids written earlier in this same import are duplicates already reported, not updates.
        repeated = set(old.filter(pl.col("import_batch_id") == self.batch.pk)["external_id"].to_list())
        self.updated += first_touch.height
        self.inserted += rows.height - old.height
        for external_id, line in zip(rows["external_id"].to_list(), rows[LINE].to_list(), strict=True):
            if external_id in repeated:
                self.duplicate(self.seen[external_id], external_id, line, "")
            self.seen[external_id] = line

    def _refresh_statistics_if_grown(self) -> None:
        """Refresh the planner's statistics (store.refresh_statistics) once the import has
        written as many rows as the table held at the last refresh: O(log n) refreshes."""
        if self.rows_at_statistics is None:  # first chunk, inside the transaction
            self.rows_at_statistics = store.estimated_rows()
        written = self.inserted + self.updated
        if written - self.written_at_statistics >= max(self.rows_at_statistics, store.STATISTICS_MIN_ROWS):
            self.rows_at_statistics = store.refresh_statistics()
            self.written_at_statistics = written

    def _drop_duplicates(self, rows: pl.DataFrame, chunk: readers.Chunk) -> pl.DataFrame:
        last = rows.group_by("external_id").agg(pl.col(LINE).max().alias("_keep"))
        marked = rows.join(last, on="external_id")
        for line, external_id, keep in marked.filter(pl.col(LINE) != pl.col("_keep")).select(
                LINE, "external_id", "_keep").iter_rows():
            self.duplicate(line, external_id, keep, chunk.raw.get(line, ""))
        return marked.filter(pl.col(LINE) == pl.col("_keep")).drop("_keep")

    def _resolve_roster(self, rows: pl.DataFrame, chunk: readers.Chunk) -> pl.DataFrame:
        queues = {q for q in rows["queue"].unique().to_list() if q}
        unknown_q = queues - self.queues
        agents = {a for a in rows["agent_code"].unique().to_list() if a}
        unknown_a = agents - set(self.agents)
        bad = pl.lit(False)
        if unknown_q:
            if self.profile.unknown_queue == "create":
                # A new queue takes the channel most of its contacts in this chunk came by.
                channel_of = dict(
                    rows.filter(pl.col("queue").is_in(sorted(unknown_q)))
                    .group_by("queue").agg(pl.col("channel").drop_nulls().mode().sort().first())
                    .iter_rows()
                )
                Queue.objects.bulk_create(
                    [Queue(project=self.project, code=code, name=code, channel=channel_of.get(code) or "")
                     for code in sorted(unknown_q)],
                    ignore_conflicts=True)
                self.queues |= unknown_q
            else:
                bad_q = rows.filter(pl.col("queue").is_in(sorted(unknown_q)))
                for line, code in bad_q.select(LINE, "queue").iter_rows():
                    self.reject(line, "queue", Reason(gettext_noop(
                        "unknown queue '%(code)s' (this profile does not create queues)"), {"code": code}),
                        chunk.raw.get(line, ""))
                bad = bad | pl.col("queue").is_in(sorted(unknown_q))
        if unknown_a:
            if self.profile.unknown_agent == "create":
                Agent.objects.bulk_create(
                    [Agent(vendor=self.vendor, code=code, name=code) for code in sorted(unknown_a)],
                    ignore_conflicts=True)
                created = Agent.objects.filter(vendor=self.vendor, code__in=unknown_a)
                self.project.agents.add(*created)
                self.agents.update(dict(created.values_list("code", "id")))
            else:
                bad_a = rows.filter(pl.col("agent_code").is_in(sorted(unknown_a)) & ~bad)
                for line, code in bad_a.select(LINE, "agent_code").iter_rows():
                    self.reject(line, "agent_code", Reason(gettext_noop(
                        "unknown agent '%(code)s' (this profile does not create agents)"), {"code": code}),
                        chunk.raw.get(line, ""))
                bad = bad | pl.col("agent_code").is_in(sorted(unknown_a))
        rows = rows.filter(~bad)
        mapping = pl.DataFrame({"agent_code": list(self.agents), "agent_id": list(self.agents.values())},
                               schema={"agent_code": pl.String, "agent_id": pl.Int64})
        return rows.join(mapping, on="agent_code", how="left")

    def save_rejects(self) -> None:
        self.rejects_file.seek(0)
        batch: list[RejectedRow] = []
        for line, column, message, raw in csv.reader(self.rejects_file):
            reason = Reason.from_json(json.loads(message))
            # The text in the importer's language as well, for whatever reads the column itself
            batch.append(RejectedRow(batch=self.batch, line=int(line), column=column, reason=str(reason),
                                     message=reason.to_json(), raw=raw))
            if len(batch) >= 5000:
                RejectedRow.objects.bulk_create(batch)
                batch = []
        RejectedRow.objects.bulk_create(batch)
        self.rejects_file.close()


def batch_create(*, actor, project: Project, vendor: Vendor, profile: str, file_name: str = "",
                 file_format: str = "", allow_rejects: bool = True, upload=None,
                 idempotency_key: str | None = None, request_digest: str = "") -> ImportBatch:
    """Record an import before it runs (so the UI can show its progress)."""
    profile_get(profile)  # unknown profile: a clear error now, not in the background
    if not project.vendors.filter(pk=vendor.pk).exists():
        raise ValidationError({"vendor": _("%(vendor)s does not serve project %(project)s.")
                               % {"vendor": vendor.code, "project": project.code}})
    if actor is not None and getattr(actor, "vendor_id", None) and actor.vendor_id != vendor.pk:
        raise ValidationError({"vendor": _("You can import only your own vendor's data.")})
    batch = ImportBatch(project=project, vendor=vendor, created_by=actor, profile=profile,
                        file_name=file_name[:255], file_format=file_format,
                        allow_rejects=allow_rejects, idempotency_key=idempotency_key,
                        request_digest=request_digest, language=translation.get_language() or "")
    if upload is not None:
        batch.total_bytes = upload.size or 0
        batch.file.save(file_name or "upload", upload, save=False)
    batch.save()
    return batch


def batch_run(*, batch: ImportBatch, chunks: Callable[[Profile], Iterable[readers.Chunk]] | None = None,
              on_progress: Callable | None = None) -> ImportResult:
    """Run a recorded import: all of it commits, or none of it does. Its rejects' reasons and
    its error are written in the importer's language (a task worker has none of its own).
    The run holds liveness.running from before it says "running" until it has said how it
    ended, so that a run whose process died can be told from one still going."""
    with translation.override(batch.language or settings.LANGUAGE_CODE), liveness.running(batch.pk):
        return _run_batch(batch, chunks, on_progress)


def batch_reap_if_dead(batch: ImportBatch) -> bool:
    """Mark a batch failed if it says "running" but no living process runs it (its process was
    killed, or the server restarted): its transaction rolled back, so nothing was stored, and
    an API retry with its key may run it again. An API batch is held from before it is
    recorded (``import_records``), so one still queued without a holder died too; an upload
    queued for a worker is only waiting. True if it was marked."""
    dying = [ImportBatch.Status.RUNNING]
    if batch.file_format == API_FORMAT:
        dying.append(ImportBatch.Status.QUEUED)
    if batch.status not in dying:
        return False
    with liveness.unless_running(batch.pk) as dead:
        if not dead:
            return False
        with translation.override(batch.language or settings.LANGUAGE_CODE):
            reason = Reason(gettext_noop("The import's process stopped before it finished (it was killed, "
                                         "or the server restarted); nothing was stored."))
            try:
                with transaction.atomic():
                    return _mark_failed(batch, reason, over=dying)
            except OperationalError:  # SQLite: another import holds the write lock; a later read will
                return False


def _run_batch(batch: ImportBatch, chunks: Callable[[Profile], Iterable[readers.Chunk]] | None,
               on_progress: Callable | None) -> ImportResult:
    batch.status = ImportBatch.Status.RUNNING
    batch.save(update_fields=["status"])
    importer = None
    try:
        profile = profile_get(batch.profile)
        if chunks is None:
            chunks = _file_chunks(batch)
        importer = _Importer(batch, profile, on_progress)
        try:
            with transaction.atomic():
                lock_project(batch.project_id)
                store.bulk_transaction()
                importer.calendars = store.write_calendars([batch.project_id])
                importer.run(chunks(profile))
                if importer.rejected and not batch.allow_rejects:
                    raise _Discard
                importer.save_rejects()
                store.durable_commit()
                _record_end(batch, importer, ImportBatch.Status.DONE)  # with the rows, or not at all
        except _Discard:
            with transaction.atomic():
                importer.save_rejects()
                _record_end(batch, importer, ImportBatch.Status.REJECTED)
    except (FileError, ProfileError, ValidationError) as error:
        batch.error = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        batch.error_message = error.reason.to_json() if isinstance(error, FileError) else None
        with transaction.atomic():
            if importer is not None:  # the rows rejected before the file stopped: counted, so kept
                importer.save_rejects()
            _record_end(batch, importer, ImportBatch.Status.FAILED)
    except BaseException as error:
        # A bug, an unforeseen input, or Ctrl-C on the command line: the transaction rolled
        # back; say so on the batch instead of leaving it "running", then let it go on up.
        if isinstance(error, Exception):
            logger.exception("import %s failed", batch.pk)
            reason = Reason(gettext_noop("The import stopped on an unexpected error (%(kind)s); nothing "
                                         "was stored."), {"kind": error.__class__.__name__})
        else:
            reason = Reason(gettext_noop("The import was interrupted; nothing was stored."))
        _mark_failed(batch, reason)  # (an interrupt in an on-commit hook comes after "done" committed)
        raise
    return ImportResult(batch=batch, inserted=batch.inserted, updated=batch.updated,
                        rejected=batch.rejected, skipped=batch.skipped,
                        committed=batch.status == ImportBatch.Status.DONE, duplicates=batch.duplicates)


def _mark_failed(batch: ImportBatch, reason: Reason, *, over=(ImportBatch.Status.RUNNING,)) -> bool:
    """A run that stopped with nothing stored: failed, for `reason`, and nothing counted. Only
    over the statuses `over` ("running"), never over an end already recorded. True if it was
    marked."""
    marked = ImportBatch.objects.filter(pk=batch.pk, status__in=over).update(
        status=ImportBatch.Status.FAILED, error=str(reason), error_message=reason.to_json(), rows_read=0,
        rejected=0, skipped=0, duplicates=0, inserted=0, updated=0, finished_at=timezone.now())
    batch.refresh_from_db()
    return bool(marked)


def _record_end(batch: ImportBatch, importer: _Importer | None, status: str) -> None:
    """Save how the run ended, in the transaction that stores (or discards) its rows: a
    process killed after the rows committed cannot leave the batch saying otherwise."""
    committed = status == ImportBatch.Status.DONE
    counted = importer is not None  # None: the run stopped before it could count (nothing kept)
    batch.rows_read = importer.rows_read if counted else 0
    batch.rejected = importer.rejected if counted else 0
    batch.skipped = importer.skipped if counted else 0
    batch.duplicates = importer.duplicates if counted else 0
    batch.inserted = importer.inserted if counted and committed else 0
    batch.updated = importer.updated if counted and committed else 0
    batch.status = status
    batch.finished_at = timezone.now()
    batch.save()


def _file_chunks(batch: ImportBatch):
    def produce(profile: Profile):
        file_format = batch.file_format or readers.guess_format(batch.file_name)
        with batch.file.open("rb") as handle:
            yield from readers.read(handle, file_format, delimiter=profile.delimiter, chunk_rows=CHUNK_ROWS)

    return produce


def import_file(*, actor, project: Project, vendor: Vendor, path: str, profile: str = "generic",
                file_format: str | None = None, allow_rejects: bool = False,
                on_progress: Callable | None = None) -> ImportResult:
    """Import a file from disk straight away (the CLI); the file is read in streamed chunks."""
    file_format = file_format or readers.guess_format(path)
    if file_format not in readers.FORMATS:
        raise ValidationError({"format": _("Unknown format %(f)s: use csv, xlsx or jsonl.") % {"f": file_format}})
    batch = batch_create(actor=actor, project=project, vendor=vendor, profile=profile,
                         file_name=str(path).rsplit("/", 1)[-1], file_format=file_format,
                         allow_rejects=allow_rejects)

    def produce(p: Profile):
        with open(path, "rb") as handle:
            yield from readers.read(handle, file_format, delimiter=p.delimiter, chunk_rows=CHUNK_ROWS)

    return batch_run(batch=batch, chunks=produce, on_progress=on_progress)


def import_records(*, actor, project: Project, vendor: Vendor, records: list, profile: str = "generic",
                   idempotency_key: str, allow_rejects: bool = True) -> ImportResult:
    """An API batch: the same idempotency key (per vendor) with the same request returns the
    first result; with another request it is refused (IdempotencyMismatch); while the first
    still runs, IdempotencyInFlight. A first attempt that failed stored nothing: it runs again."""
    if not idempotency_key or len(idempotency_key) > 128 or not idempotency_key.isprintable():
        raise ValidationError({"idempotency_key": _(
            "Send an Idempotency-Key header of 1 to 128 printable characters.")})
    digest = _request_digest(project=project, profile=profile, allow_rejects=allow_rejects, records=records)
    if existing := _batch_with_key(vendor, idempotency_key, digest):
        if existing.batch.status != ImportBatch.Status.FAILED:
            return existing
        # Held before it says "queued" again, as a new batch is (see batch_reap_if_dead); a
        # concurrent retry that took it first is waited for, and its result returned.
        with liveness.running(existing.batch.pk):
            if not _claim_failed(existing.batch):
                return _batch_with_key(vendor, idempotency_key, digest)
            return batch_run(batch=existing.batch, chunks=lambda p: [readers.records_chunk(records)])
    if not isinstance(records, list) or not records:
        raise ValidationError({"records": _("Send a non-empty list of records.")})
    if len(records) > API_MAX_RECORDS:
        raise ValidationError({"records": _("At most %(n)s records per batch.") % {"n": API_MAX_RECORDS}})
    with contextlib.ExitStack() as held:
        try:
            with transaction.atomic():
                batch = batch_create(actor=actor, project=project, vendor=vendor, profile=profile,
                                     file_name=f"API {idempotency_key}", file_format=API_FORMAT,
                                     allow_rejects=allow_rejects, idempotency_key=idempotency_key,
                                     request_digest=digest)
                # Held before the batch can be seen, so that a reader never finds it queued
                # without a holder unless this request died (see batch_reap_if_dead).
                held.enter_context(liveness.running(batch.pk))
        except IntegrityError:
            # The same key arrived twice at once: the other request recorded the batch first.
            return _batch_with_key(vendor, idempotency_key, digest)
        return batch_run(batch=batch, chunks=lambda p: [readers.records_chunk(records)])


class IdempotencyMismatch(ValidationError):
    pass


class IdempotencyInFlight(ValidationError):
    pass


def _claim_failed(batch: ImportBatch) -> bool:
    """Take a failed batch back for another attempt; False when a concurrent retry took it."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.FAILED).update(
        status=ImportBatch.Status.QUEUED, error="", error_message=None, rows_read=0, rejected=0,
        skipped=0, duplicates=0, finished_at=None)
    if claimed:
        RejectedRow.objects.filter(batch=batch).delete()
        batch.refresh_from_db()
    return bool(claimed)


def _request_digest(*, project: Project, profile: str, allow_rejects: bool, records) -> str:
    request = {"project": project.pk, "profile": profile, "allow_rejects": allow_rejects, "records": records}
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    # surrogatepass: a lone surrogate (valid JSON, "\ud800") is the rows' error, not the digest's
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _batch_with_key(vendor: Vendor, idempotency_key: str, digest: str) -> ImportResult | None:
    existing = ImportBatch.objects.filter(vendor=vendor, idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.request_digest and existing.request_digest != digest:  # (batches before digests: none)
        raise IdempotencyMismatch(_("This Idempotency-Key was used for a different batch (#%(id)s): "
                                    "send a new key for new records.") % {"id": existing.pk})
    if not existing.is_finished and not batch_reap_if_dead(existing):
        raise IdempotencyInFlight(_("The batch with this Idempotency-Key (#%(id)s) is still being imported; "
                                    "retry shortly.") % {"id": existing.pk})
    return ImportResult(batch=existing, inserted=existing.inserted, updated=existing.updated,
                        rejected=existing.rejected, skipped=existing.skipped,
                        committed=existing.status == ImportBatch.Status.DONE)


# ------------------------------------------------------------------ undo and rebuild


class UndoRefused(ValidationError):
    """Why an import cannot be undone, in the active language; ``reason`` keeps it as a message
    and parameters (a background undo's refusal is read later, in each reader's language)."""

    def __init__(self, reason: Reason):
        super().__init__(str(reason))
        self.reason = reason


def lock_project(project_id: int) -> None:
    """Serialise the writers of one project's contacts and rollups until the transaction ends.

    An import reads the stored rows (and the customers' histories, for FCR) before it writes
    the difference into the rollups; two imports into one project at once would each compute
    against the state before the other and count twice. FOR NO KEY UPDATE on the project row
    queues them without blocking other writers that merely reference the project (SQLite
    serialises writers by itself and ignores this).
    """
    list(Project.objects.select_for_update(no_key=True).filter(pk=project_id).only("pk"))


@transaction.atomic
def batch_undo(*, actor, batch: ImportBatch, on_progress: Callable[[int, int], None] | None = None) -> ImportBatch:
    """Remove what the import created and restore what it changed (rollups follow), a chunk
    of its contacts at a time (memory stays bounded whatever the import's size), all in one
    transaction. ``on_progress(done, total)`` after each chunk."""
    lock_project(batch.project_id)
    # Read again under the lock: the caller's copy may predate an undo that just committed.
    batch = ImportBatch.objects.get(pk=batch.pk)
    batch_undo_check(batch)
    revisions = InteractionRevision.objects.filter(batch=batch)
    created = _created(batch)
    calendars = store.write_calendars([batch.project_id])
    total = Interaction.objects.filter(import_batch=batch).count()
    done = last_id = 0
    # By id: a chunk's contacts leave the batch (deleted, or restored to an earlier import).
    while (current := store.batch_rows(batch.pk, after_id=last_id, limit=CHUNK_ROWS)).height:
        first_id, last_id = last_id, current["id"].max()
        previous = store.frame_from_records(
            [tuple(_from_json(p, c) for c in store.SNAPSHOT_COLUMNS)
             for p in revisions.filter(interaction_id__gt=first_id, interaction_id__lte=last_id)
             .values_list("previous", flat=True)],
            store.SNAPSHOT_COLUMNS)
        # FCR: as in an import, only the customers' contacts from the earliest arrival this
        # chunk touches on (and the latest ones before it) can change; read that window before
        # and after.
        before = store.customer_history_around(batch.project_id, current, previous).select(FCR_HISTORY_COLUMNS)
        store.lock_references(vendor_id=batch.vendor_id, agent_ids=previous["agent_id"].to_list())
        store.delete_rows(created.filter(pk__gt=first_id, pk__lte=last_id))
        store.upsert(previous)
        sums, buckets = rollups.delta(previous, current, calendars)
        after = store.customer_history_around(batch.project_id, current, previous).select(FCR_HISTORY_COLUMNS)
        store.apply_delta(sums, rollups.add_buckets(buckets, rollups.fcr_delta(after, before)))
        done += current.height
        if on_progress is not None:
            on_progress(done, total)
    batch.status = ImportBatch.Status.UNDONE
    batch.save(update_fields=["status"])
    return batch


def batch_undo_check(batch: ImportBatch) -> None:
    """UndoRefused, with its reason, when the import cannot be undone (asked before an undo is
    queued, and again by the undo itself, under the project's lock)."""
    if batch.status != ImportBatch.Status.DONE:
        raise UndoRefused(Reason(gettext_noop("Only a completed import can be undone.")))
    # A later import is one that revised this import's rows, whatever its id: a queued upload
    # gets its id when recorded, and may run after imports recorded later.
    changed_since = InteractionRevision.objects.filter(
        batch__status=ImportBatch.Status.DONE, batch__project_id=batch.project_id,
        previous__import_batch_id=batch.pk).exclude(batch=batch)
    if changed_since.exists():
        raise UndoRefused(Reason(gettext_noop("A later import changed rows of this import: undo that import "
                                              "first.")))
    _refuse_if_kept(_created(batch))


def _created(batch: ImportBatch):
    """The contacts the import created (its other contacts it changed, and has undo records of)."""
    revised = InteractionRevision.objects.filter(batch=batch).values("interaction_id")
    return Interaction.objects.filter(import_batch=batch).exclude(pk__in=revised)


def _refuse_if_kept(contacts) -> None:
    """Refuse to delete contacts that records meant to be kept refer to (PROTECT, RESTRICT: a
    QA evaluation, say), saying which and how many, before anything is written."""
    for relation in get_candidate_relations_to_delete(Interaction._meta):
        if relation.on_delete not in (models.PROTECT, models.RESTRICT):
            continue
        referrers = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": contacts})
        if count := referrers.count():
            with translation.override("en"):  # the message id of the model's name, translated when shown
                records = Term("", str(relation.related_model._meta.verbose_name_plural))
            raise UndoRefused(Reason(gettext_noop("Contacts this import created have %(records)s (%(count)s), "
                                                  "which an undo cannot delete. Remove those first, or correct "
                                                  "the contacts with a new import instead."),
                                     {"count": count, "records": records}))


def _from_json(previous: dict, column: str):
    value = previous.get(column)
    if column in ("arrived_at", "first_response_at", "ended_at", "resolved_at") and value:
        return dt.datetime.fromisoformat(value)
    if column == "attributes":
        return json.dumps(value or {}, ensure_ascii=False)
    return value


def recompute(*, project_id: int, vendor_id: int, calendars: dict | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rollups of one project and vendor computed from raw rows (the rebuild and the tests);
    kinds 5/6 in ``calendars`` (default: the calendar the stored ones are in)."""
    if calendars is None:
        calendars = store.write_calendars([project_id])
    records = list(Interaction.objects.filter(project_id=project_id, vendor_id=vendor_id)
                   .values_list(*store.SNAPSHOT_COLUMNS))
    rows = store.frame_from_records(records, store.SNAPSHOT_COLUMNS)
    sums, buckets = rollups.delta(rows, None, calendars)
    # FCR repeats are searched in the whole project's history (any vendor); keep this vendor's.
    history = store.frame_from_records(
        list(Interaction.objects.filter(project_id=project_id).values_list(*rollups.FCR_COLUMNS)),
        rollups.FCR_COLUMNS)
    fcr = rollups.fcr_buckets(history).filter(pl.col("vendor_id") == vendor_id)
    return sums, rollups.add_buckets(buckets, fcr)


@transaction.atomic
def rollups_rebuild() -> int:
    """Recompute every rollup (per agent and per interval) from raw rows; returns the number
    of (agent) rollup rows."""
    list(Project.objects.select_for_update(no_key=True).only("pk"))  # no import meanwhile
    Rollup.objects.all().delete()
    IntervalBucket.objects.all().delete()
    IntervalRollup.objects.all().delete()
    CalendarBucket.objects.all().delete()
    CalendarRollup.objects.all().delete()
    CalendarZone.objects.all().delete()
    BusinessMinutes.objects.all().delete()
    RollupVersion.objects.all().delete()  # cached KPIs of projects left without contacts too
    pairs = Interaction.objects.order_by().values_list("project_id", "vendor_id").distinct()
    for project_id, vendor_id in pairs:
        # every project's kinds 5/6 in its current calendar (write_calendars: nothing stored yet)
        store.apply_delta(*recompute(project_id=project_id, vendor_id=vendor_id))
    return Rollup.objects.count()


def business_calendar_changed(project: Project) -> None:
    """After a change of the project's business calendar (in the caller's transaction): its
    stored kinds 5/6 are in the old one, so the engine answers no business-hours figure until
    they are rebuilt in the new one, in the background once the change commits. A project
    without contacts has nothing to rebuild: it takes the new calendar at once."""
    from steward.interactions import tasks  # tasks imports this module

    if not Rollup.objects.filter(project_id=project.pk).exists():
        store.write_calendars([project.pk])
        store.new_version(project.pk)
        return
    transaction.on_commit(lambda: tasks.rebuild_business_minutes.enqueue(project.pk))


@transaction.atomic
def business_minutes_rebuild(project_id: int, progress=None) -> int:
    """Rebuild the project's kinds 5/6 in its current business calendar (under its lock, so no
    import computes against them meanwhile). Returns the number of contacts read;
    ``progress(read)`` after each batch."""
    lock_project(project_id)
    return store.rebuild_business_minutes(project_id, progress)


def business_minutes_stale() -> list[int]:
    """Projects whose stored kinds 5/6 are not in their current business calendar, or in an
    older edition of it (the holiday package gained a year since they were computed)."""
    stored = {pk: (name, edition) for pk, name, edition in
              BusinessMinutes.objects.values_list("project_id", "calendar", "edition")}
    with_contacts = set(Rollup.objects.order_by().values_list("project_id", flat=True).distinct())
    current = list(Project.objects.filter(pk__in=with_contacts).values_list("pk", "business_calendar"))
    editions = {name: store.calendar_edition(name) for name in {name for _, name in current}}  # once per calendar
    return sorted(pk for pk, name in current if stored.get(pk, ("", "")) != (name, editions[name]))


def reject_csv(batch: ImportBatch) -> str:
    out = io.StringIO()
    rejects = RejectedRow.objects.filter(batch=batch).order_by("line", "id")
    write_rows(out, selectors.REJECT_COLUMNS, selectors.reject_report(rejects))
    return out.getvalue()
