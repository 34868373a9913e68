"""Mapping profiles: how a source file's rows become canonical interactions. Pure (Polars, no
Django), so it is fast and testable on its own.

A profile is plain data (a dict, stored as JSON, exported as YAML):

    name: acd-calls
    source: acd                      # system name; part of the interaction's `source`
    delimiter: ","                   # CSV only
    required: [Call ID, Offered]     # source columns that must be present
    columns: {external_id: Call ID, queue: Queue, arrived_at: Offered, ...}
    date_time_columns: {arrived_at: {date: Date, time: Time}}   # separate date and time
    datetime_formats: ["%Y-%m-%d %H:%M:%S", iso, excel, epoch_s, epoch_ms]  # tried in order
    time_zone: null                  # source time zone; null = the project's
    value_maps: {outcome: {Solved: resolved}, abandoned: {是: "true"}}   # case-insensitive
    defaults: {channel: voice}
    offsets: {first_response_at: {base: arrived_at, column: First reply, unit: minutes}}
    attributes: [Subject, Tags]      # source columns kept in `attributes`
    abandoned_when_unanswered: false # voice/chat with no first response = abandoned
    unknown_queue: create            # create | reject
    unknown_agent: create            # create | reject
    transform: null                  # a named built-in pre-step (bank-calls)

`normalise(frame, profile, time_zone)` turns a chunk of text columns into typed canonical
columns and a list of rejects, each with its line number, column and reason.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import polars as pl

LINE = "__line"

TEXT_FIELDS = {  # canonical text field → longest accepted value (characters)
    "external_id": 128, "queue": 64, "agent_code": 64, "customer_ref": 128,
    "contact_reason": 128, "recording_ref": 500, "transcript": 100_000,
}
ENUMS = {
    "channel": ("voice", "chat", "email", "social", "ticket"),
    "direction": ("inbound", "outbound"),
    "priority": ("urgent", "high", "normal", "low"),
    "outcome": ("resolved", "escalated", "transferred", "pending", "abandoned"),
}
DATETIMES = ("arrived_at", "first_response_at", "ended_at", "resolved_at")
BOOLEANS = ("abandoned", "complaint")
DURATIONS = ("wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds")
SCORES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
CANONICAL_FIELDS = (
    "external_id", "queue", "channel", "direction", "agent_code", "customer_ref",
    "contact_reason", "priority", *DATETIMES, "abandoned", *DURATIONS, "outcome",
    *SCORES, "complaint", "transcript", "recording_ref", "attributes",
)
ATTRIBUTES_MAX = 20_000
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "真", "对")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "假", "")
DEFAULT_DATETIME_FORMATS = ["iso"]
ISO_NAIVE = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
             "%Y-%m-%d"]
ISO_AWARE = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"]
PROFILE_KEYS = {
    "name", "description", "source", "delimiter", "required", "columns", "date_time_columns",
    "datetime_formats", "time_zone", "value_maps", "defaults", "offsets", "attributes",
    "abandoned_when_unanswered", "unknown_queue", "unknown_agent", "transform",
    "clock_skew_seconds",
}


class ProfileError(ValueError):
    """The profile itself is wrong (not a row of the file)."""


class FileError(ValueError):
    """The whole file cannot be imported (missing columns, wrong format...)."""


@dataclass
class Profile:
    name: str
    source: str = ""
    description: str = ""
    delimiter: str = ","
    required: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    date_time_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    datetime_formats: list[str] = field(default_factory=lambda: list(DEFAULT_DATETIME_FORMATS))
    time_zone: str | None = None
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    offsets: dict[str, dict[str, str]] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)
    abandoned_when_unanswered: bool = False
    unknown_queue: str = "create"
    unknown_agent: str = "create"
    transform: str | None = None
    # Sources whose clocks disagree slightly (the bank format's answer time is one second
    # before its queue exit): time-order checks tolerate this many seconds.
    clock_skew_seconds: int = 0

    @classmethod
    def from_dict(cls, data: dict) -> Profile:
        if not isinstance(data, dict):
            raise ProfileError("A profile is a mapping of settings.")
        unknown = sorted(set(data) - PROFILE_KEYS)
        if unknown:
            raise ProfileError(f"Unknown profile setting(s): {', '.join(unknown)}.")
        if not data.get("name"):
            raise ProfileError("A profile needs a name.")
        profile = cls(**copy.deepcopy(data))
        profile.source = profile.source or profile.name
        profile.check()
        return profile

    def to_dict(self) -> dict:
        return {k: copy.deepcopy(getattr(self, k)) for k in self.__dataclass_fields__}

    def check(self) -> None:
        targets = set(self.columns) | set(self.date_time_columns) | set(self.defaults) | set(self.offsets)
        bad = sorted(t for t in targets if t not in CANONICAL_FIELDS)
        if bad:
            raise ProfileError(f"Not canonical field(s): {', '.join(bad)}.")
        for key, value in self.columns.items():
            if not isinstance(value, str) or not value:
                raise ProfileError(f"columns.{key} must name a source column.")
        for key, spec in self.date_time_columns.items():
            if key not in DATETIMES or set(spec) != {"date", "time"}:
                raise ProfileError(f"date_time_columns.{key} needs a date column and a time column.")
        for key, spec in self.offsets.items():
            if key not in DATETIMES or not isinstance(spec, dict) or spec.get("base") not in DATETIMES \
                    or not spec.get("column") \
                    or spec.get("unit", "seconds") not in ("seconds", "minutes", "hours"):
                raise ProfileError(f"offsets.{key} needs base (a time field), column and unit.")
        if self.unknown_queue not in ("create", "reject") or self.unknown_agent not in ("create", "reject"):
            raise ProfileError("unknown_queue and unknown_agent are 'create' or 'reject'.")
        if self.transform and self.transform not in TRANSFORMS:
            raise ProfileError(f"Unknown transform {self.transform!r}.")
        if not self.datetime_formats:
            raise ProfileError("datetime_formats needs at least one format.")
        if not self.transform and "external_id" not in self.columns:
            raise ProfileError("The profile must map a column to external_id.")
        if not self.transform and "arrived_at" not in self.columns and "arrived_at" not in self.date_time_columns:
            raise ProfileError("The profile must map arrived_at.")

    def source_columns(self) -> set[str]:
        cols = set(self.columns.values()) | set(self.attributes) | set(self.required)
        for spec in self.date_time_columns.values():
            cols |= set(spec.values())
        cols |= {spec["column"] for spec in self.offsets.values()}
        return cols

    def check_header(self, header: list[str]) -> None:
        """Missing required columns make the whole file unusable: say which, and what exists."""
        required = list(self.required) or [
            c for c in (self.columns.get("external_id"), self.columns.get("arrived_at")) if c
        ]
        for spec in self.date_time_columns.values():
            required += [spec["date"], spec["time"]] if not self.required else []
        missing = [c for c in dict.fromkeys(required) if c not in header]
        if missing:
            raise FileError(
                f"Missing column(s) {', '.join(missing)} required by profile '{self.name}'. "
                f"The file has: {', '.join(header[:40]) or '(no columns)'}."
            )


# ---------------------------------------------------------------- parsing helpers


def _parse_datetime(expr: pl.Expr, formats: list[str], tz: str) -> pl.Expr:
    """Text → UTC datetime, trying each format; naive values are in `tz`."""
    candidates: list[pl.Expr] = []

    def naive(fmt: str) -> pl.Expr:
        return (
            expr.str.strptime(pl.Datetime("us"), fmt, strict=False)
            .dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
        )

    def from_epoch(us: pl.Expr) -> pl.Expr:
        return pl.from_epoch(us, time_unit="us").dt.replace_time_zone("UTC")

    for fmt in formats:
        if fmt == "iso":
            zulu = expr.str.replace(r"[Zz]$", "+00:00")
            candidates += [zulu.str.strptime(pl.Datetime("us", "UTC"), f, strict=False) for f in ISO_AWARE]
            candidates += [naive(f) for f in ISO_NAIVE]
        elif fmt in ("excel", "epoch_s", "epoch_ms"):
            number = expr.cast(pl.Float64, strict=False)
            if fmt == "excel":  # days since 1899-12-30 in local time (the 1900 leap-year bug included)
                days = pl.when((number > 0) & (number < 2_958_466)).then(number)
                local = pl.from_epoch(((days - 25569) * 86_400_000_000).round(0).cast(pl.Int64, strict=False),
                                      time_unit="us")
                candidates.append(
                    local.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
                    .dt.convert_time_zone("UTC")
                )
            else:
                scale = 1_000_000 if fmt == "epoch_s" else 1_000
                limit = 253_402_300_800 if fmt == "epoch_s" else 253_402_300_800_000
                value = pl.when((number > 0) & (number < limit)).then(number)
                candidates.append(from_epoch((value * scale).round(0).cast(pl.Int64, strict=False)))
        elif "%z" in fmt or "%:z" in fmt:
            candidates.append(expr.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False))
        else:
            candidates.append(naive(fmt))
    return pl.coalesce(candidates)


def _parse_duration(expr: pl.Expr) -> pl.Expr:
    """Seconds as a number (rounded half up) or as [H:]MM:SS."""
    number = expr.cast(pl.Float64, strict=False)
    parts = expr.str.extract_groups(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
    clock = (
        parts.struct.field("1").cast(pl.Float64, strict=False).fill_null(0) * 3600
        + parts.struct.field("2").cast(pl.Float64, strict=False) * 60
        + parts.struct.field("3").cast(pl.Float64, strict=False)
    )
    value = pl.coalesce([number, clock])
    return pl.when(value.is_finite()).then((value + 0.5).floor()).cast(pl.Int64, strict=False)


def _whole_seconds(delta: pl.Expr) -> pl.Expr:
    return (delta.dt.total_milliseconds() + 500) // 1000


def _lit_reason(*parts) -> pl.Expr:
    return pl.concat_str([p if isinstance(p, pl.Expr) else pl.lit(p) for p in parts])


def _shown(expr: pl.Expr) -> pl.Expr:
    return expr.str.slice(0, 60)


# ---------------------------------------------------------------- normalisation


@dataclass
class Normalised:
    rows: pl.DataFrame  # typed canonical columns + LINE
    rejects: list[tuple[int, str, str]]  # (line, column, reason)
    skipped: int = 0  # rows the profile deliberately does not import (not contacts)


def _mapped_text(frame: pl.DataFrame, profile: Profile) -> pl.DataFrame:
    """One text column per canonical field: mapped, trimmed, value-mapped, defaulted."""
    exprs: list[pl.Expr] = [pl.col(LINE)]
    present = set(frame.columns)
    for name in CANONICAL_FIELDS:
        if name == "attributes":
            continue
        if name in profile.date_time_columns:
            spec = profile.date_time_columns[name]
            if spec["date"] in present and spec["time"] in present:
                d = pl.col(spec["date"]).str.strip_chars()
                t = pl.col(spec["time"]).str.strip_chars()
                expr = pl.when((d != "") & (t != "")).then(pl.concat_str([d, pl.lit(" "), t]))
            else:
                expr = pl.lit(None, dtype=pl.String)
        elif (src := profile.columns.get(name)) and src in present:
            expr = pl.col(src).cast(pl.String).str.strip_chars()
        elif name in frame.columns and profile.transform:
            expr = pl.col(name).cast(pl.String).str.strip_chars()
        else:
            expr = pl.lit(None, dtype=pl.String)
        expr = pl.when(expr != "").then(expr)  # empty text is "no value"
        vmap = profile.value_maps.get(name)
        lowered = name in ENUMS or name in BOOLEANS
        if vmap:
            keys = {str(k).strip().lower(): ("" if v is None else str(v)) for k, v in vmap.items()}
            low = expr.str.to_lowercase()
            mapped = low.replace_strict(list(keys), list(keys.values()), default=None, return_dtype=pl.String)
            expr = pl.when(low.is_in(list(keys))).then(pl.when(mapped != "").then(mapped)).otherwise(
                low if lowered else expr
            )
        elif lowered:
            expr = expr.str.to_lowercase()
        if name in profile.defaults:
            expr = expr.fill_null(pl.lit(str(profile.defaults[name])))
        exprs.append(expr.alias(name))
    # attributes: the listed source columns (and a transform's own attributes) as JSON
    attr_cols = [c for c in profile.attributes if c in present]
    if attr_cols:
        exprs.append(pl.struct([pl.col(c).alias(c) for c in attr_cols]).struct.json_encode().alias("attributes"))
    elif "attributes" in frame.columns:
        exprs.append(pl.col("attributes").alias("attributes"))
    else:
        exprs.append(pl.lit(None, dtype=pl.String).alias("attributes"))
    return frame.select(exprs)


def normalise(frame: pl.DataFrame, profile: Profile, time_zone: str) -> Normalised:
    """A chunk of text columns (plus LINE) → typed canonical rows and rejects."""
    skipped = 0
    if profile.transform:
        frame, skipped = TRANSFORMS[profile.transform](frame)
    tz = profile.time_zone or time_zone
    text = _mapped_text(frame, profile)

    typed: list[pl.Expr] = [pl.col(LINE)]
    checks: list[tuple[str, pl.Expr, pl.Expr]] = []  # (column, failing condition, reason)

    def src_name(name: str) -> str:
        if name in profile.date_time_columns:
            spec = profile.date_time_columns[name]
            return f"{spec['date']}+{spec['time']}"
        return profile.columns.get(name, name)

    for name, limit in TEXT_FIELDS.items():
        col = pl.col(name)
        typed.append(col.fill_null("").alias(name))
        checks.append((name, col.str.len_chars() > limit,
                       _lit_reason(f"{src_name(name)} is longer than {limit} characters (",
                                   col.str.len_chars().cast(pl.String), ")")))
    checks.insert(0, ("external_id", pl.col("external_id").is_null(), pl.lit(f"{src_name('external_id')} (external_id) is empty")))
    for name, allowed in ENUMS.items():
        col = pl.col(name)
        typed.append(col.alias(name))
        checks.append((name, col.is_not_null() & ~col.is_in(list(allowed)),
                       _lit_reason(f"{src_name(name)}: '", _shown(col), f"' is not one of {', '.join(allowed)}")))
    checks.append(("channel", pl.col("channel").is_null(), pl.lit(f"{src_name('channel')} (channel) is empty")))
    for name in BOOLEANS:
        col = pl.col(name)
        typed.append(pl.when(col.is_in(list(TRUE_WORDS))).then(True)
                     .when(col.is_in(list(FALSE_WORDS))).then(False).alias(name))
        checks.append((name, col.is_not_null() & ~col.is_in(list(TRUE_WORDS + FALSE_WORDS)),
                       _lit_reason(f"{src_name(name)}: '", _shown(col), "' is not true or false")))
    for name in DATETIMES:
        col = pl.col(name)
        parsed = _parse_datetime(col, profile.datetime_formats, tz)
        if name in profile.offsets:
            spec = profile.offsets[name]
            unit = {"seconds": 1, "minutes": 60, "hours": 3600}[spec.get("unit", "seconds")]
            off_col = spec["column"]
            if off_col in frame.columns:
                amount = frame[off_col].cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
                base = _parse_datetime(pl.col(spec["base"]), profile.datetime_formats, tz)
                derived = base + pl.duration(microseconds=(pl.lit(amount) * unit * 1_000_000).round(0).cast(pl.Int64))
                parsed = pl.coalesce([parsed, derived])
                bad = pl.lit(amount).is_not_null() & (pl.lit(amount) < 0)
                checks.append((name, bad, pl.lit(f"{off_col} is negative")))
        typed.append(parsed.alias(name))
        checks.append((name, col.is_not_null() & parsed.is_null(),
                       _lit_reason(f"{src_name(name)}: cannot read '", _shown(col),
                                   f"' as a date and time (formats: {', '.join(profile.datetime_formats)}; "
                                   f"time zone {tz})")))
    checks.append(("arrived_at", pl.col("arrived_at").is_null(), pl.lit(f"{src_name('arrived_at')} (arrived_at) is empty")))
    for name in DURATIONS:
        col = pl.col(name)
        parsed = _parse_duration(col)
        typed.append(parsed.alias(name))
        checks.append((name, col.is_not_null() & parsed.is_null(),
                       _lit_reason(f"{src_name(name)}: '", _shown(col), "' is not a number of seconds")))
        checks.append((name, parsed < 0, _lit_reason(f"{src_name(name)} is negative (", col, ")")))
    for name, (low, high) in SCORES.items():
        col = pl.col(name)
        number = col.cast(pl.Float64, strict=False)
        parsed = pl.when(number.is_finite() & (number == number.round(0))).then(number).cast(pl.Int64, strict=False)
        typed.append(parsed.alias(name))
        checks.append((name, col.is_not_null() & (parsed.is_null() | (parsed < low) | (parsed > high)),
                       _lit_reason(f"{src_name(name)}: '", _shown(col), f"' is not a whole number from {low} to {high}")))
    attrs = pl.col("attributes")
    typed.append(attrs.fill_null("{}").alias("attributes"))
    checks.append(("attributes", attrs.str.len_chars() > ATTRIBUTES_MAX,
                   pl.lit(f"attributes are longer than {ATTRIBUTES_MAX} characters")))
    if "attributes" in profile.columns:
        checks.append(("attributes", attrs.is_not_null() & ~attrs.str.starts_with("{"),
                       pl.lit("attributes must be a JSON object")))

    # First reason per row, in the order the checks were declared.
    reason = pl.coalesce([pl.when(cond).then(msg) for _, cond, msg in checks]) if checks else pl.lit(None)
    column = pl.coalesce([pl.when(cond).then(pl.lit(col_name)) for col_name, cond, _ in checks])
    staged = text.with_columns(reason.alias("__reason"), column.alias("__column"))
    staged = staged.select([*typed, pl.col("__reason"), pl.col("__column")])

    # Derivations, then the rules that span fields.
    s = staged.with_columns(
        pl.col("direction").fill_null("inbound"),
        pl.col("priority").fill_null("normal"),
        pl.col("complaint").fill_null(False),
        pl.col("talk_seconds").fill_null(0),
        pl.col("hold_seconds").fill_null(0),
        pl.col("wrap_seconds").fill_null(0),
    )
    unanswered = pl.col("first_response_at").is_null() & pl.col("channel").is_in(["voice", "chat"])
    inferred_abandoned = (
        (pl.col("outcome") == "abandoned")
        | (unanswered & pl.lit(profile.abandoned_when_unanswered))
    )
    s = s.with_columns(pl.col("abandoned").fill_null(inferred_abandoned.fill_null(False)))
    s = s.with_columns(
        pl.when(pl.col("outcome").is_null() & pl.col("abandoned")).then(pl.lit("abandoned"))
        .otherwise(pl.col("outcome")).alias("outcome"),
        pl.col("wait_seconds").fill_null(
            pl.when(pl.col("first_response_at").is_not_null() & ~pl.col("abandoned"))
            .then(_whole_seconds(pl.col("first_response_at") - pl.col("arrived_at")))
            .when(pl.col("abandoned") & pl.col("ended_at").is_not_null())
            .then(_whole_seconds(pl.col("ended_at") - pl.col("arrived_at")))
        ),
    )
    skew = pl.duration(seconds=int(profile.clock_skew_seconds))
    rules = [
        ("first_response_at", pl.col("first_response_at") + skew < pl.col("arrived_at"),
         "first response is before arrival"),
        ("ended_at", pl.col("ended_at") + skew < pl.coalesce([pl.col("first_response_at"), pl.col("arrived_at")]),
         "end is before the answer (or arrival)"),
        ("resolved_at", pl.col("resolved_at") + skew < pl.col("arrived_at"), "resolution is before arrival"),
        ("wait_seconds", pl.col("wait_seconds") < 0, "wait is negative"),
        ("outcome", pl.col("abandoned") & pl.col("outcome").is_in(["resolved", "escalated", "transferred"]),
         "an abandoned contact cannot have outcome resolved, escalated or transferred"),
        ("abandoned", (pl.col("outcome") == "abandoned") & ~pl.col("abandoned"),
         "outcome is abandoned but abandoned is false"),
    ]
    s = s.with_columns(
        pl.coalesce([pl.col("__reason")] + [pl.when(c).then(pl.lit(m)) for _, c, m in rules]).alias("__reason"),
        pl.coalesce([pl.col("__column")] + [pl.when(c).then(pl.lit(n)) for n, c, _ in rules]).alias("__column"),
    )
    bad = s.filter(pl.col("__reason").is_not_null())
    rejects = list(zip(bad[LINE].to_list(), bad["__column"].to_list(), bad["__reason"].to_list(), strict=True))
    good = s.filter(pl.col("__reason").is_null()).drop("__reason", "__column")
    return Normalised(rows=good, rejects=rejects, skipped=skipped)


# ---------------------------------------------------------------- built-in transforms


def _bank_calls(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The public bank call-center format (see docs/import-profiles.md): one row per call,
    with "0:00:00" meaning "did not happen"; PHANTOM and voice-menu hang-ups are skipped."""
    needed = ["vru+line", "call_id", "customer_id", "priority", "type", "date", "vru_exit",
              "q_start", "q_time", "outcome", "ser_start", "ser_time", "server"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise FileError(f"Missing column(s) {', '.join(missing)} of the bank call-center format.")
    c = {name: pl.col(name).cast(pl.String).str.strip_chars() for name in needed}
    outcome = c["outcome"].str.to_uppercase()
    queued = c["q_start"] != "0:00:00"
    skip = (outcome == "PHANTOM") | ((outcome == "HANG") & ~queued)
    kept = frame.filter(~skip.fill_null(False))
    skipped = frame.height - kept.height

    def at(time: pl.Expr) -> pl.Expr:
        return pl.concat_str([c["date"], pl.lit(" "), time])

    agent = outcome == "AGENT"
    arrival_time = pl.when(queued).then(c["q_start"]).otherwise(c["vru_exit"])
    out = kept.select(
        pl.col(LINE),
        pl.concat_str([c["vru+line"], pl.lit("-"), c["call_id"]]).alias("external_id"),
        pl.lit("voice").alias("channel"),
        c["type"].alias("queue"),
        pl.when(c["customer_id"] != "0").then(c["customer_id"]).alias("customer_ref"),
        pl.when(c["priority"] == "2").then(pl.lit("high")).otherwise(pl.lit("normal")).alias("priority"),
        at(arrival_time).alias("arrived_at"),
        c["q_time"].alias("wait_seconds"),
        pl.when(agent).then(pl.lit("false")).when(outcome == "HANG").then(pl.lit("true"))
        .otherwise(c["outcome"]).alias("abandoned"),
        pl.when(agent).then(pl.lit("resolved")).when(outcome == "HANG").then(pl.lit("abandoned"))
        .otherwise(c["outcome"]).alias("outcome"),
        pl.when(agent).then(at(c["ser_start"])).alias("first_response_at"),
        pl.when(agent).then(c["ser_time"]).otherwise(pl.lit("0")).alias("talk_seconds"),
        pl.lit("0").alias("hold_seconds"),
        pl.lit("0").alias("wrap_seconds"),
        pl.when(agent & (c["server"] != "NO_SERVER")).then(c["server"]).alias("agent_code"),
    )
    return out, skipped


TRANSFORMS = {"bank-calls": _bank_calls}


def attributes_json(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)
