"""Scorecards as text: parse YAML into a checked definition (with line-numbered errors) and write
a definition back as YAML. No database access; the services store what this returns.

Format:

    name: Chat quality standard
    name_zh: 在线客服质检标准         # optional, shown to Chinese readers
    pass_mark: 80                   # 0–100
    dispute_days: 7                 # days an agent has to dispute a submitted evaluation
    sections:
      - title: Opening
        title_zh: 开场
        criteria:
          - key: greeting           # unique in the scorecard: letters, digits, - and _
            label: Uses the brand greeting
            label_zh: 使用标准问候语
            weight: 10              # > 0, relative to the other criteria
            scale: yes_no           # yes_no (default) or 1-5
            na_allowed: true        # default true
            auto_fail: false        # yes_no only: "no" scores the evaluation 0
            guidance: Within the first two agent turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml
from django.utils.translation import gettext as _

from steward.quality.scoring import ONE_TO_FIVE, SCALES, YES_NO

MAX_BYTES = 200_000
MAX_CRITERIA = 200
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass
class CriterionDef:
    key: str
    label: str
    weight: Decimal
    label_zh: str = ""
    scale: str = YES_NO
    na_allowed: bool = True
    auto_fail: bool = False
    guidance: str = ""
    guidance_zh: str = ""


@dataclass
class SectionDef:
    title: str
    title_zh: str = ""
    criteria: list[CriterionDef] = field(default_factory=list)


@dataclass
class ScorecardDef:
    name: str
    pass_mark: Decimal
    name_zh: str = ""
    dispute_days: int = 7
    sections: list[SectionDef] = field(default_factory=list)


@dataclass(frozen=True)
class DefinitionError:
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class ScorecardSyntaxError(ValueError):
    def __init__(self, errors: list[DefinitionError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class _Map(dict):
    """A mapping that remembers the line of each key (1-based)."""

    line: int = 0
    key_lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, _("keys must be text"), key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, _("%(key)s is given twice") % {"key": key}, key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    def __init__(self):
        self.errors: list[DefinitionError] = []

    def error(self, line, message):
        self.errors.append(DefinitionError(line, message))

    def text(self, m: _Map, key: str, *, required=False, max_length=500) -> str:
        value = m.get(key)
        line = m.key_lines.get(key, m.line)
        if value is None or value == "":
            if required:
                self.error(m.line, _("%(key)s is required") % {"key": key})
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.error(line, _("%(key)s must be text") % {"key": key})
            return ""
        value = str(value).strip()
        if len(value) > max_length:
            self.error(line, _("%(key)s is longer than %(n)s characters") % {"key": key, "n": max_length})
        return value

    def number(self, m: _Map, key: str, default, *, low, high, low_inclusive=True) -> Decimal:
        value = m.get(key, default)
        line = m.key_lines.get(key, m.line)
        try:
            if isinstance(value, bool) or value is None:
                raise InvalidOperation
            number = Decimal(str(value))
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            self.error(line, _("%(key)s must be a number") % {"key": key})
            return Decimal(default if default is not None else 0)
        too_low = number < low if low_inclusive else number <= low
        if too_low or number > high:
            self.error(line, _("%(key)s must be between %(low)s and %(high)s") % {"key": key, "low": low, "high": high})
            return Decimal(high)  # a placeholder: the error is reported, nothing is stored
        return number

    def flag(self, m: _Map, key: str, default: bool) -> bool:
        value = m.get(key, default)
        if not isinstance(value, bool):
            self.error(m.key_lines.get(key, m.line), _("%(key)s must be true or false") % {"key": key})
            return default
        return value

    def unknown(self, m: _Map, known: set[str]):
        for key in m:
            if key not in known:
                self.error(m.key_lines[key], _("unknown key %(key)s") % {"key": key})


def parse(source: str) -> ScorecardDef:
    """Parse and check a scorecard; raise ScorecardSyntaxError listing every problem found."""
    if len(source.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise ScorecardSyntaxError([DefinitionError(None, _("The scorecard is too large."))])
    try:
        data = yaml.load(source, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScorecardSyntaxError([DefinitionError(line, str(exc.problem or exc.context))]) from None
    except (yaml.YAMLError, RecursionError, ValueError):
        raise ScorecardSyntaxError([DefinitionError(None, _("This is not valid YAML."))]) from None
    if not isinstance(data, _Map):
        raise ScorecardSyntaxError([DefinitionError(1, _("A scorecard is a mapping with name, pass_mark and sections."))])

    c = _Checker()
    c.unknown(data, {"name", "name_zh", "pass_mark", "dispute_days", "sections"})
    card = ScorecardDef(
        name=c.text(data, "name", required=True, max_length=200),
        name_zh=c.text(data, "name_zh", max_length=200),
        pass_mark=c.number(data, "pass_mark", None, low=0, high=100).quantize(Decimal("0.01")),
        dispute_days=int(c.number(data, "dispute_days", 7, low=0, high=365)),
    )
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        c.error(data.key_lines.get("sections", data.line), _("sections must be a non-empty list"))
        sections = []
    keys: set[str] = set()
    count = 0
    for raw in sections:
        if not isinstance(raw, _Map):
            c.error(data.key_lines.get("sections"), _("each section is a mapping with title and criteria"))
            continue
        c.unknown(raw, {"title", "title_zh", "criteria"})
        section = SectionDef(title=c.text(raw, "title", required=True, max_length=200),
                             title_zh=c.text(raw, "title_zh", max_length=200))
        criteria = raw.get("criteria")
        if not isinstance(criteria, list) or not criteria:
            c.error(raw.key_lines.get("criteria", raw.line), _("criteria must be a non-empty list"))
            criteria = []
        for item in criteria:
            if not isinstance(item, _Map):
                c.error(raw.key_lines.get("criteria"), _("each criterion is a mapping with key, label and weight"))
                continue
            count += 1
            section.criteria.append(_criterion(c, item, keys))
        card.sections.append(section)
    if count > MAX_CRITERIA:
        c.error(None, _("A scorecard has at most %(n)s criteria.") % {"n": MAX_CRITERIA})
    if c.errors:
        raise ScorecardSyntaxError(c.errors)
    return card


def _criterion(c: _Checker, m: _Map, keys: set[str]) -> CriterionDef:
    c.unknown(m, {"key", "label", "label_zh", "weight", "scale", "na_allowed", "auto_fail", "guidance",
                  "guidance_zh"})
    key = c.text(m, "key", required=True, max_length=64)
    if key and not KEY_RE.match(key):
        c.error(m.key_lines.get("key", m.line), _("key may hold letters, digits, - and _ only"))
    elif key in keys:
        c.error(m.key_lines.get("key", m.line), _("key %(key)s is used twice") % {"key": key})
    keys.add(key)
    scale = c.text(m, "scale") or YES_NO
    if scale not in SCALES:
        c.error(m.key_lines.get("scale", m.line), _("scale must be yes_no or 1-5"))
        scale = YES_NO
    criterion = CriterionDef(
        key=key,
        label=c.text(m, "label", required=True),
        label_zh=c.text(m, "label_zh"),
        weight=c.number(m, "weight", 1, low=0, high=1000, low_inclusive=False),
        scale=scale,
        na_allowed=c.flag(m, "na_allowed", True),
        auto_fail=c.flag(m, "auto_fail", False),
        guidance=c.text(m, "guidance", max_length=2000),
        guidance_zh=c.text(m, "guidance_zh", max_length=2000),
    )
    if criterion.weight != criterion.weight.quantize(Decimal("0.01")):
        c.error(m.key_lines.get("weight", m.line), _("weight has at most two decimals"))
    if criterion.auto_fail and scale == ONE_TO_FIVE:
        c.error(m.key_lines.get("auto_fail", m.line), _("auto_fail needs the yes_no scale"))
    return criterion


def dump(card: ScorecardDef) -> str:
    """The definition as YAML, in the same format parse() reads (parse(dump(d)) == d)."""

    def number(d: Decimal):
        return int(d) if d == d.to_integral_value() else float(d)

    data: dict = {"name": card.name}
    if card.name_zh:
        data["name_zh"] = card.name_zh
    data["pass_mark"] = number(card.pass_mark)
    data["dispute_days"] = card.dispute_days
    data["sections"] = []
    for s in card.sections:
        section: dict = {"title": s.title}
        if s.title_zh:
            section["title_zh"] = s.title_zh
        section["criteria"] = []
        for k in s.criteria:
            item: dict = {"key": k.key, "label": k.label}
            if k.label_zh:
                item["label_zh"] = k.label_zh
            item["weight"] = number(k.weight)
            item["scale"] = k.scale
            item["na_allowed"] = k.na_allowed
            item["auto_fail"] = k.auto_fail
            if k.guidance:
                item["guidance"] = k.guidance
            if k.guidance_zh:
                item["guidance_zh"] = k.guidance_zh
            section["criteria"].append(item)
        data["sections"].append(section)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
