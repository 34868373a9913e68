"""Mapping profiles: how a source file's rows become canonical interactions. Pure Polars (Django
only for ValidationError and translations), so it is fast and testable on its own.

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
import datetime as dt
import json
import re
from dataclasses import dataclass, field

import polars as pl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _, gettext_noop, pgettext_lazy

from steward.interactions.reasons import Reason, Term

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
BOOLEAN_WORDS = tuple(w for w in TRUE_WORDS + FALSE_WORDS if w)
DEFAULT_DATETIME_FORMATS = ["iso"]
DATETIME_FORMAT_NAMES = ("iso", "excel", "epoch_s", "epoch_ms")
# The strftime codes Polars (chrono) reads: a format with another % code never matches a value.
STRFTIME_CODE = re.compile(
    r"%(?:[-_0]?[YCymbBhdeaAwuUWGgVjDxFvHkIlPpMSRTXrZcs]|\.?[369]?f|:{0,3}z|#z|[tn%+])"
)
OFFSET_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600}
OFFSET_MAX_SECONDS = 10 * 366 * 86_400  # more than ten years is a wrong value, not a delay
# A wait, talk, hold or wrap of more than a year is a wrong value (an epoch given as seconds, a
# placeholder date), not a duration; the bound also keeps the rollups' sums of squares exact.
DURATION_MAX_SECONDS = 366 * 86_400
# A contact's source is "<project>/<vendor>/<profile source>" in a column of 200 characters, and
# project and vendor codes have up to 32.
SOURCE_MAX = 200 - 2 * (32 + 1)
# A contact time outside these years (UTC) is a placeholder (0001-01-01, 9999-12-31), not a
# contact; nor could the years around 1 and 9999 be stored in every time zone.
CONTACT_YEARS = (1900, 2199)
CLOCK_SKEW_MAX = 86_400
# JSON text that escapes U+0000 (an odd number of backslashes before u0000): valid JSON, but
# PostgreSQL's jsonb refuses it.
JSON_NUL_ESCAPE = r"(?:^|[^\\])(?:\\\\)*\\u0000"
ISO_NAIVE = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
             "%Y-%m-%d"]
ISO_AWARE = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"]
PROFILE_KEYS = {
    "name", "description", "source", "delimiter", "required", "columns", "date_time_columns",
    "datetime_formats", "time_zone", "value_maps", "defaults", "offsets", "attributes",
    "abandoned_when_unanswered", "unknown_queue", "unknown_agent", "transform",
    "clock_skew_seconds",
}


class ProfileError(ValidationError, ValueError):
    """The profile itself is wrong (not a row of the file): one message per problem. A
    ValidationError, so that saving it, choosing it for an upload and importing with it all
    report the problems to the user."""

    def __str__(self) -> str:
        return " ".join(self.messages)


class FileError(ValueError):
    """The whole file cannot be imported (missing columns, wrong format...). `message` is a
    msgid marked with gettext_noop; the error keeps it as a Reason, so that the import's report
    shows it in each reader's language, and reads as it in the active language."""

    def __init__(self, message: str, params: dict | None = None):
        self.reason = Reason(message, params or {})
        super().__init__(str(self.reason))


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
            raise ProfileError(_("A profile is a mapping of settings."))
        unknown = sorted(str(key) for key in set(data) - PROFILE_KEYS)
        if unknown:
            raise ProfileError(_("Unknown profile setting(s): %(settings)s.")
                               % {"settings": ", ".join(unknown)})
        if not data.get("name"):
            raise ProfileError(_("A profile needs a name."))
        profile = cls(**copy.deepcopy(data))
        profile.source = profile.source or profile.name
        profile.check()
        return profile

    def to_dict(self) -> dict:
        return {k: copy.deepcopy(getattr(self, k)) for k in self.__dataclass_fields__}

    def check(self) -> None:
        """Every setting's type and value, each problem named: a wrong profile is refused when
        it is saved (or read), instead of failing every import that uses it."""
        problems: list[str] = []
        for setting in ("name", "source", "description"):
            if not isinstance(getattr(self, setting), str):
                problems.append(_("%(setting)s must be text.") % {"setting": setting})
        if isinstance(self.source, str) and len(self.source) > SOURCE_MAX:
            problems.append(_("source must be at most %(max)s characters.") % {"max": SOURCE_MAX})
        # The csv module takes one character; a quote or line break would split records wrongly.
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1 or self.delimiter in "\"\r\n":
            problems.append(_("delimiter must be a single character other than a quote or a line break, "
                              "not %(value)s.") % {"value": _shown_setting(self.delimiter)})
        for setting in ("required", "attributes"):
            value = getattr(self, setting)
            if not isinstance(value, list) or not all(_is_name(v) for v in value):
                problems.append(_("%(setting)s must be a list of source column names.")
                                % {"setting": setting})
        if not isinstance(self.datetime_formats, list) or not self.datetime_formats:
            problems.append(_("datetime_formats needs a list of at least one format."))
        else:
            for fmt in self.datetime_formats:
                if not _is_datetime_format(fmt):
                    problems.append(_("datetime_formats: %(value)s is not a format (strftime codes such as "
                                      "%(example)s, or one of %(names)s).") % {
                        "value": _shown_setting(fmt), "example": "%Y-%m-%d %H:%M:%S",
                        "names": ", ".join(DATETIME_FORMAT_NAMES)})
        tz = self.time_zone
        if tz is not None and not (isinstance(tz, str) and _known_time_zone(tz)):
            problems.append(_("time_zone %(value)s is not a known time zone (a name such as Asia/Shanghai, "
                              "or null for the project's).") % {"value": _shown_setting(tz)})

        examples = {
            "columns": "{external_id: Call ID, arrived_at: Offered}",
            "date_time_columns": "{arrived_at: {date: Date, time: Time}}",
            "value_maps": "{outcome: {Handled: resolved}}",
            "defaults": "{channel: voice}",
            "offsets": "{first_response_at: {base: arrived_at, column: First reply, unit: minutes}}",
        }
        for setting, example in examples.items():
            if not isinstance(getattr(self, setting), dict):
                problems.append(_("%(setting)s must be a mapping by canonical field, such as %(example)s.")
                                % {"setting": setting, "example": example})
        # Only the settings that are mappings are checked entry by entry.
        maps = {s: getattr(self, s) for s in examples if isinstance(getattr(self, s), dict)}
        bad = sorted({str(k) for m in maps.values() for k in m} - set(CANONICAL_FIELDS))
        if bad:
            problems.append(_("Not canonical field(s): %(fields)s.") % {"fields": ", ".join(bad)})
        for key, value in maps.get("columns", {}).items():
            if not _is_name(value):
                problems.append(_("columns.%(field)s must name a source column.") % {"field": key})
        for key, spec in maps.get("date_time_columns", {}).items():
            if key not in DATETIMES or not isinstance(spec, dict) or set(spec) != {"date", "time"} \
                    or not all(_is_name(v) for v in spec.values()):
                problems.append(_("date_time_columns.%(field)s must be a time field (%(fields)s) with a date "
                                  "column and a time column: {date: Date, time: Time}.")
                                % {"field": key, "fields": ", ".join(DATETIMES)})
        for key, spec in maps.get("offsets", {}).items():
            if key not in DATETIMES or not isinstance(spec, dict) \
                    or not set(spec) <= {"base", "column", "unit"} or not _is_name(spec.get("column")) \
                    or spec.get("base") not in DATETIMES or spec.get("base") == key \
                    or spec.get("unit", "seconds") not in tuple(OFFSET_UNITS):
                problems.append(_("offsets.%(field)s needs base (another time field), column (a source column) "
                                  "and unit (seconds, minutes or hours).") % {"field": key})
        for setting in ("value_maps", "defaults"):
            for key, value in maps.get(setting, {}).items():
                name = f"{setting}.{key}"
                if key == "attributes":
                    problems.append(_("%(setting)s cannot be set: attributes are the columns listed under "
                                      "attributes (or the column mapped to attributes).") % {"setting": name})
                    continue
                if setting == "value_maps" and not (isinstance(value, dict) and all(
                        _is_scalar(k) and _is_scalar(v) for k, v in value.items())):
                    problems.append(_("%(setting)s must map source values to canonical values, such as "
                                      "{Handled: resolved}.") % {"setting": name})
                    continue
                if setting == "defaults" and (value is None or not _is_scalar(value)):
                    problems.append(_("%(setting)s must be a value (text, a number, true or false).")
                                    % {"setting": name})
                    continue
                # An enumeration or yes/no output is read as the file's own text would be.
                allowed = ENUMS.get(key) or (BOOLEAN_WORDS if key in BOOLEANS else ())
                outputs = value.values() if setting == "value_maps" else [value]
                for output in outputs:
                    text = _canonical_text(output, lowered=True)
                    if allowed and text is not None and text not in allowed:
                        problems.append(_("%(setting)s: %(value)s is not one of %(allowed)s.") % {
                            "setting": name, "value": _shown_setting(output), "allowed": ", ".join(allowed)})

        if not isinstance(self.abandoned_when_unanswered, bool):
            problems.append(_("%(setting)s must be true or false.")
                            % {"setting": "abandoned_when_unanswered"})
        for setting in ("unknown_queue", "unknown_agent"):
            if getattr(self, setting) not in ("create", "reject"):
                problems.append(_("%(setting)s must be create or reject.") % {"setting": setting})
        if self.transform and not (isinstance(self.transform, str) and self.transform in TRANSFORMS):
            problems.append(_("Unknown transform %(value)s (known: %(known)s).") % {
                "value": _shown_setting(self.transform), "known": ", ".join(TRANSFORMS)})
        skew = self.clock_skew_seconds
        if not isinstance(skew, int) or isinstance(skew, bool) or not 0 <= skew <= CLOCK_SKEW_MAX:
            problems.append(_("clock_skew_seconds must be a whole number of seconds from 0 to %(max)d.")
                            % {"max": CLOCK_SKEW_MAX})
        if not self.transform and "columns" in maps and "external_id" not in self.columns:
            problems.append(_("The profile must map a column to external_id."))
        if not self.transform and "columns" in maps and "date_time_columns" in maps \
                and "arrived_at" not in self.columns and "arrived_at" not in self.date_time_columns:
            problems.append(_("The profile must map arrived_at (under columns or date_time_columns)."))
        if problems:
            raise ProfileError(problems)

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
                gettext_noop("Missing column(s) %(missing)s required by profile '%(profile)s'. The file "
                             "has: %(header)s."),
                {"missing": ", ".join(missing), "profile": self.name,
                 "header": ", ".join(header[:40]) or Term("", gettext_noop("(no columns)"))},
            )


# ---------------------------------------------------------------- parsing helpers


# The offset units as a reason names them (Term("duration unit", unit)); marked here for makemessages.
UNIT_WORDS = (pgettext_lazy("duration unit", "seconds"), pgettext_lazy("duration unit", "minutes"),
              pgettext_lazy("duration unit", "hours"))


def _is_name(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, dt.date))


def _shown_setting(value) -> str:
    # A scalar as written; a structure by its type only (a YAML alias bomb must not be expanded)
    return json.dumps(value, ensure_ascii=False, default=str)[:60] if _is_scalar(value) else type(value).__name__


def _is_datetime_format(fmt) -> bool:
    if not isinstance(fmt, str):
        return False
    if fmt in DATETIME_FORMAT_NAMES:
        return True
    return STRFTIME_CODE.search(fmt) is not None and "%" not in STRFTIME_CODE.sub("", fmt)


def _known_time_zone(name: str) -> bool:
    """As Polars (which converts the times) knows it."""
    try:
        pl.select(pl.lit(dt.datetime(2024, 1, 1)).dt.replace_time_zone(name))
    except pl.exceptions.PolarsError:
        return False
    return True


def _canonical_text(value, *, lowered: bool) -> str | None:
    """A value map's output or a default as a file's text is read: trimmed, empty = no value,
    lower case for enumerations and yes/no fields (YAML's true reads as "true")."""
    if value is None:
        return None
    text = (str(value).lower() if isinstance(value, bool) else str(value)).strip()
    return (text.lower() if lowered else text) or None


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
        elif fmt in DATETIME_FORMAT_NAMES:  # excel, epoch_s, epoch_ms
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


def _duration_seconds(expr: pl.Expr) -> pl.Expr:
    """Seconds as a number or as [H:]MM:SS, not rounded (null when neither). Seconds are under
    60, and so are minutes after hours (1:75:00 is a typo, not 2:15:00); MM:SS alone may count
    more than an hour of minutes (75:30)."""
    number = expr.cast(pl.Float64, strict=False)
    parts = expr.str.extract_groups(r"^(?:(\d+):)?(\d{1,2}):([0-5]?\d(?:\.\d+)?)$")
    hours, minutes = parts.struct.field("1"), parts.struct.field("2").cast(pl.Float64, strict=False)
    clock = pl.when(hours.is_null() | (minutes < 60)).then(
        hours.cast(pl.Float64, strict=False).fill_null(0) * 3600
        + minutes * 60
        + parts.struct.field("3").cast(pl.Float64, strict=False)
    )
    return pl.coalesce([number, clock])


def _parse_duration(expr: pl.Expr) -> pl.Expr:
    """Whole seconds, rounded half up."""
    value = _duration_seconds(expr)
    return pl.when(value.is_finite()).then((value + 0.5).floor()).cast(pl.Int64, strict=False)


def _whole_seconds(delta: pl.Expr) -> pl.Expr:
    return (delta.dt.total_milliseconds() + 500) // 1000


def _shown(expr: pl.Expr) -> pl.Expr:
    return expr.str.slice(0, 60)


def _first_match(cases: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """The value of the first case whose condition holds (null where none does)."""
    if not cases:
        return pl.lit(None)
    (cond, value), *rest = cases
    chain = pl.when(cond).then(value)
    for cond, value in rest:
        chain = chain.when(cond).then(value)
    return chain


# ---------------------------------------------------------------- normalisation


@dataclass
class Normalised:
    rows: pl.DataFrame  # typed canonical columns + LINE
    rejects: list[tuple[int, str, Reason]]  # (line, column, reason)
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
        # Map outputs and defaults are read as the same text in the file would be
        # (_canonical_text): " Resolved " maps like "resolved", "True" like "true".
        if vmap:
            keys = {str(k).strip().lower(): _canonical_text(v, lowered=lowered) for k, v in vmap.items()}
            low = expr.str.to_lowercase()
            mapped = low.replace_strict(list(keys), list(keys.values()), default=None, return_dtype=pl.String)
            expr = pl.when(low.is_in(list(keys))).then(mapped).otherwise(low if lowered else expr)
        elif lowered:
            expr = expr.str.to_lowercase()
        if (default := _canonical_text(profile.defaults.get(name), lowered=lowered)) is not None:
            expr = expr.fill_null(pl.lit(default))
        exprs.append(expr.alias(name))
    # attributes: the listed source columns as JSON, or JSON text as it is in the file
    attr_cols = [c for c in profile.attributes if c in present]
    if attr_cols:
        exprs.append(pl.struct([pl.col(c).alias(c) for c in attr_cols]).struct.json_encode().alias("attributes"))
    elif raw := _raw_attributes_column(profile, present):
        exprs.append(pl.col(raw).cast(pl.String).alias("attributes"))
    else:
        exprs.append(pl.lit(None, dtype=pl.String).alias("attributes"))
    return frame.select(exprs)


def _raw_attributes_column(profile: Profile, present: set[str]) -> str | None:
    """The column whose text is the attributes JSON (checked in normalise): the one the profile
    maps to attributes, or a transform's own, unless the profile lists attribute columns. A
    column that merely is called "attributes" is ignored like any other unmapped column."""
    if any(c in present for c in profile.attributes):
        return None
    if (src := profile.columns.get("attributes")) and src in present:
        return src
    if profile.transform and "attributes" in present:
        return "attributes"
    return None


def normalise(frame: pl.DataFrame, profile: Profile, time_zone: str) -> Normalised:
    """A chunk of text columns (plus LINE) → typed canonical rows and rejects."""
    skipped = 0
    if profile.transform:
        frame, skipped = TRANSFORMS[profile.transform](frame)
    tz = profile.time_zone or time_zone
    text = _mapped_text(frame, profile)

    typed: list[pl.Expr] = [pl.col(LINE)]
    # (column, failing condition, reason, the row's value shown in it or None)
    checks: list[tuple[str, pl.Expr, Reason, pl.Expr | None]] = []

    def src_name(name: str) -> str:
        if name in profile.date_time_columns:
            spec = profile.date_time_columns[name]
            return f"{spec['date']}+{spec['time']}"
        return profile.columns.get(name, name)

    def empty(name: str) -> tuple[str, pl.Expr, Reason, None]:
        return (name, pl.col(name).is_null(),
                Reason(gettext_noop("%(column)s (%(field)s) is empty"), {"column": src_name(name), "field": name}),
                None)

    for name, limit in TEXT_FIELDS.items():
        col = pl.col(name)
        typed.append(col.fill_null("").alias(name))
        checks.append((name, col.str.len_chars() > limit,
                       Reason(gettext_noop("%(column)s is longer than %(limit)d characters (%(value)s)"),
                              {"column": src_name(name), "limit": limit}),
                       col.str.len_chars().cast(pl.String)))
    checks.insert(0, empty("external_id"))
    for name, allowed in ENUMS.items():
        col = pl.col(name)
        typed.append(col.alias(name))
        checks.append((name, col.is_not_null() & ~col.is_in(list(allowed)),
                       Reason(gettext_noop("%(column)s: '%(value)s' is not one of %(allowed)s"),
                              {"column": src_name(name), "allowed": ", ".join(allowed)}), col))
    checks.append(empty("channel"))
    for name in BOOLEANS:
        col = pl.col(name)
        typed.append(pl.when(col.is_in(list(TRUE_WORDS))).then(True)
                     .when(col.is_in(list(FALSE_WORDS))).then(False).alias(name))
        checks.append((name, col.is_not_null() & ~col.is_in(list(TRUE_WORDS + FALSE_WORDS)),
                       Reason(gettext_noop("%(column)s: '%(value)s' is not true or false"),
                              {"column": src_name(name)}), col))
    parsed_columns: dict[str, str] = {}
    for name in DATETIMES:
        col = pl.col(name)
        parsed = _parse_datetime(col, profile.datetime_formats, tz)
        if name in profile.offsets:
            spec = profile.offsets[name]
            unit = spec.get("unit", "seconds")
            off_col = spec["column"]
            if off_col in frame.columns:
                amount = f"__offset {name}"  # the raw text, dropped with the other text columns
                text = text.with_columns(frame[off_col].cast(pl.String).str.strip_chars().alias(amount))
                seconds = pl.col(amount).cast(pl.Float64, strict=False) * OFFSET_UNITS[unit]
                # Text, NaN, infinity or a delay of centuries is the row's error: never cast (a
                # strict cast fails the import) nor dropped (the time would silently be empty).
                ok = (seconds.is_finite() & (seconds >= 0) & (seconds <= OFFSET_MAX_SECONDS)).fill_null(False)
                base = (pl.col(parsed_columns[spec["base"]]) if spec["base"] in parsed_columns
                        else _parse_datetime(pl.col(spec["base"]), profile.datetime_formats, tz))
                delta = pl.when(ok).then((seconds * 1_000_000).round(0)).cast(pl.Int64)
                parsed = pl.coalesce([parsed, base + pl.duration(microseconds=delta)])
                checks.append((name, (pl.col(amount) != "") & ~ok, Reason(
                    # Translators: unit is seconds, minutes or hours, as the profile's offset says.
                    gettext_noop("%(column)s: '%(value)s' is not a number of %(unit)s from 0 to %(max)s"),
                    {"column": off_col, "unit": Term("duration unit", unit),
                     "max": OFFSET_MAX_SECONDS // OFFSET_UNITS[unit]}), pl.col(amount)))
        # Parsed once into a column: the checks and the typed value below all read it (trying
        # every format per check took as long as the rest of the chunk's validation).
        parsed_columns[name] = f"__datetime {name}"
        text = text.with_columns(parsed.alias(parsed_columns[name]))
        parsed = pl.col(parsed_columns[name])
        first, last = CONTACT_YEARS
        plausible = parsed.is_between(dt.datetime(first, 1, 1, tzinfo=dt.UTC),
                                      dt.datetime(last + 1, 1, 1, tzinfo=dt.UTC), closed="left")
        typed.append(pl.when(plausible).then(parsed).alias(name))
        checks.append((name, col.is_not_null() & parsed.is_null(),
                       Reason(gettext_noop("%(column)s: cannot read '%(value)s' as a date and time (formats: "
                                           "%(formats)s; time zone %(zone)s)"),
                              {"column": src_name(name), "formats": ", ".join(profile.datetime_formats),
                               "zone": tz}), col))
        checks.append((name, parsed.is_not_null() & ~plausible,
                       Reason(gettext_noop("%(column)s: %(value)s (UTC) is not a contact time: use a time in "
                                           "the years %(first)s to %(last)s"),
                              {"column": src_name(name), "first": first, "last": last}),
                       parsed.dt.to_string("%Y-%m-%d %H:%M:%S")))
    checks.append(empty("arrived_at"))
    for name in DURATIONS:
        col = pl.col(name)
        parsed = _parse_duration(col)
        typed.append(parsed.alias(name))
        checks.append((name, col.is_not_null() & parsed.is_null(),
                       Reason(gettext_noop("%(column)s: '%(value)s' is not a number of seconds"),
                              {"column": src_name(name)}), col))
        # Before rounding: -0.4 rounds to 0, but is still a negative duration.
        checks.append((name, _duration_seconds(col) < 0,
                       Reason(gettext_noop("%(column)s is negative (%(value)s)"), {"column": src_name(name)}), col))
        checks.append((name, parsed > DURATION_MAX_SECONDS,
                       Reason(gettext_noop("%(column)s: %(value)s is more than a year (%(max)s seconds): not a "
                                           "duration"), {"column": src_name(name), "max": DURATION_MAX_SECONDS}),
                       col))
    for name, (low, high) in SCORES.items():
        col = pl.col(name)
        number = col.cast(pl.Float64, strict=False)
        parsed = pl.when(number.is_finite() & (number == number.round(0))).then(number).cast(pl.Int64, strict=False)
        typed.append(parsed.alias(name))
        checks.append((name, col.is_not_null() & (parsed.is_null() | (parsed < low) | (parsed > high)),
                       Reason(gettext_noop("%(column)s: '%(value)s' is not a whole number from %(low)d to %(high)d"),
                              {"column": src_name(name), "low": low, "high": high}), col))
    attrs = pl.col("attributes")
    typed.append(attrs.fill_null("{}").alias("attributes"))
    checks.append(("attributes", attrs.str.len_chars() > ATTRIBUTES_MAX,
                   Reason(gettext_noop("attributes are longer than %(limit)d characters"), {"limit": ATTRIBUTES_MAX}),
                   None))
    if _raw_attributes_column(profile, set(frame.columns)):
        # The database stores a JSON object (SQLite checks JSON_VALID; PostgreSQL's jsonb
        # refuses \u0000): anything else is the row's error, not the import's.
        is_object = (attrs.str.strip_chars_start().str.starts_with("{")
                     & attrs.str.json_path_match("$").is_not_null() & ~attrs.str.contains(JSON_NUL_ESCAPE))
        checks.append(("attributes", attrs.is_not_null() & ~is_object,
                       Reason(gettext_noop("%(column)s: '%(value)s' is not a JSON object"),
                              {"column": src_name("attributes")}), attrs))

    # The first failing check per row, in the order the checks were declared, as its index into
    # `reasons` (and `columns`); the row's value shown in the reason is read for those rows only.
    reasons = [reason for _c, _f, reason, _v in checks]
    columns = [name for name, _f, _r, _v in checks]
    failed = pl.col("__reason")
    text = text.with_columns(_first_match([(cond, pl.lit(i)) for i, (_c, cond, _r, _v) in enumerate(checks)])
                             .alias("__reason"))
    shown_values = dict(text.filter(failed.is_not_null()).select(
        LINE, _first_match([(failed == i, _shown(v)) for i, (_c, _f, _r, v) in enumerate(checks) if v is not None])
    ).iter_rows())
    valued = {i for i, (_c, _f, _r, v) in enumerate(checks) if v is not None}  # their reasons name the value
    staged = text.select([*typed, failed])

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
         gettext_noop("first response is before arrival")),
        ("ended_at", pl.col("ended_at") + skew < pl.coalesce([pl.col("first_response_at"), pl.col("arrived_at")]),
         gettext_noop("end is before the answer (or arrival)")),
        ("resolved_at", pl.col("resolved_at") + skew < pl.col("arrived_at"),
         gettext_noop("resolution is before arrival")),
        ("wait_seconds", pl.col("wait_seconds") < 0, gettext_noop("wait is negative")),
        ("wait_seconds", pl.col("wait_seconds") > DURATION_MAX_SECONDS,
         gettext_noop("wait is more than a year (the first response, or the end of an abandoned contact, more "
                      "than 366 days after arrival)")),
        ("outcome", pl.col("abandoned") & pl.col("outcome").is_in(["resolved", "escalated", "transferred"]),
         gettext_noop("an abandoned contact cannot have outcome resolved, escalated or transferred")),
        ("abandoned", (pl.col("outcome") == "abandoned") & ~pl.col("abandoned"),
         gettext_noop("outcome is abandoned but abandoned is false")),
    ]
    first_rule = len(reasons)
    reasons += [Reason(message) for _n, _c, message in rules]
    columns += [name for name, _c, _m in rules]
    s = s.with_columns(pl.coalesce([failed, _first_match([(c, pl.lit(first_rule + i))
                                                          for i, (_n, c, _m) in enumerate(rules)])]).alias("__reason"))
    rejects = []
    for line, index in s.filter(failed.is_not_null()).select(LINE, failed).iter_rows():
        reason = reasons[index]
        rejects.append((line, columns[index],
                        reason.with_params(value=shown_values.get(line) or "") if index in valued else reason))
    good = s.filter(failed.is_null()).drop("__reason")
    return Normalised(rows=good, rejects=rejects, skipped=skipped)


# ---------------------------------------------------------------- built-in transforms


def _bank_calls(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The public bank call-center format (see docs/import-profiles.md): one row per call,
    with "0:00:00" meaning "did not happen"; PHANTOM and voice-menu hang-ups are skipped."""
    needed = ["vru+line", "call_id", "customer_id", "priority", "type", "date", "vru_exit",
              "q_start", "q_time", "outcome", "ser_start", "ser_time", "server"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise FileError(gettext_noop("Missing column(s) %(missing)s of the bank call-center format."),
                        {"missing": ", ".join(missing)})
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
