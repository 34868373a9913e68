"""Compliance scanning of transcripts: banned and required phrases, regular expressions and
personal data (PII) detectors, compiled once per project into a `Scanner`. Pure: no Django import.

One scan of a transcript is
  - one Aho-Corasick pass (ahocorasick-rs) over the lower-cased text for EVERY phrase of every
    banned and required rule at once (a thousand rules cost about what one does);
  - one C-level regular-expression pass that finds the speaker labels ("agent:", "客服：" …), so
    each match is attributed to a turn and a speaker by bisection;
  - the project's own regular-expression rules, one pass each (they are few);
  - when a PII rule exists, one pass for digit runs and, only if the text has an "@", one for
    e-mail addresses; each candidate is then checked: resident ID numbers by the GB 11643-1999
    ISO 7064 MOD 11-2 check character and a real birth date, bank cards by the Luhn check,
    mainland mobile numbers by their 1[3-9] prefix and length, landlines by area code and length.
    A number that fails its check is not reported (an order number is not a bank card).

Matching is case-insensitive. A phrase marked whole-word matches only on word boundaries: for
Latin text the neighbouring characters must not be letters or digits; for Chinese (which has no
spaces) the match must start and end on jieba's token boundaries, so the banned "滚" hits
"你给我滚" but not "页面滚动". jieba runs only on turns where such a match was found.

Required phrases: a rule is satisfied when any of its phrases occurs in its scope — the first N
(opening) or last N (closing) turns of the speaker it is scoped to, or anywhere. A transcript
without any turn in scope (an abandoned chat where the agent never spoke) is not reported.
Text before any speaker label, and a transcript without labels at all (an e-mail body), counts
as a turn of unknown speaker that speaker-scoped rules still examine.

Excerpts and matched text are returned with every digit run of 7 or more digits and every e-mail
address masked, whatever rule hit, so stored hits never repeat the personal data they report.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import ahocorasick_rs
import numpy as np

BANNED = "banned"
REQUIRED = "required"
REGEX = "regex"
PII = "pii"
KINDS = (BANNED, REQUIRED, REGEX, PII)

ANY = "any"
AGENT = "agent"
CUSTOMER = "customer"
SPEAKERS = (ANY, AGENT, CUSTOMER)

ANYWHERE = "anywhere"
OPENING = "opening"
CLOSING = "closing"
SCOPES = (ANYWHERE, OPENING, CLOSING)

RESIDENT_ID = "resident_id"
BANK_CARD = "bank_card"
MOBILE = "mobile"
LANDLINE = "landline"
EMAIL = "email"
PII_KINDS = (RESIDENT_ID, BANK_CARD, MOBILE, LANDLINE, EMAIL)

EXCERPT_CONTEXT = 24  # characters either side of a hit
SEPARATOR_CHAR = "\x00"
SEPARATOR = "\n\x00\n"  # between transcripts scanned together
MAX_PATTERN = 500


# ------------------------------------------------------------------ PII validators

RESIDENT_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
RESIDENT_ID_CHECK = "10X98765432"  # indexed by (Σ digit × weight) mod 11
# First two digits: the province-level division (GB/T 2260).
PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                       50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 91})


def resident_id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number from its first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def valid_resident_id(value: str, *, today: dt.date | None = None) -> bool:
    """An 18-character mainland resident ID number (GB 11643-1999): a known province, a real birth
    date not in the future and not before 1900, and the right check character (digit or X)."""
    value = value.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return False
    if int(value[:2]) not in PROVINCES:
        return False
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not dt.date(1900, 1, 1) <= born <= (today or dt.date.today()):
        return False
    return resident_id_check_character(value[:17]) == value[17]


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every bank card number carries in its last digit."""
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value)


def valid_bank_card(value: str) -> bool:
    """13 to 19 digits (spaces and hyphens ignored) passing the Luhn check."""
    digits = _digits(value)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _strip_country(digits: str) -> str:
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits


def valid_mobile(value: str) -> bool:
    """A mainland mobile number: 11 digits starting 13–19, optionally after +86 / 0086 / 86."""
    digits = _strip_country(_digits(value))
    return len(digits) == 11 and digits.isdigit() and digits.isascii() and digits[0] == "1" and digits[1] in "3456789"


def valid_landline(value: str) -> bool:
    """A mainland fixed-line number with its area code: 010 / 02X (3 digits) or 0XXX (4 digits),
    then a 7- or 8-digit local number that starts 2–9."""
    digits = _digits(value)
    if not (digits.isdigit() and digits.isascii()) or not digits.startswith("0") or len(digits) < 3:
        return False
    area = 3 if digits[1] in "12" else 4
    local = digits[area:]
    return len(local) in (7, 8) and local[0] in "23456789"


EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


def valid_email(value: str) -> bool:
    return EMAIL_RE.fullmatch(value.strip()) is not None


# Digit runs with single spaces or hyphens between digits ("138 1234 5678", "6222-0212-…") and
# an optional X at the end (resident IDs). No look-around, so the regex engine can skip ahead to
# the next digit quickly; a "+86" or "86" in front is part of the run and stripped by the checks.
DIGITS_RE = re.compile(r"\d(?:[ \-]?\d){6,}[Xx]?")
PAREN_LANDLINE_RE = re.compile(r"(?<!\d)\(0\d{2,3}\)[ \-]?\d{7,8}(?!\d)")
MASK_DIGITS_RE = re.compile(r"\d(?:[ \-]?\d){6,}[Xx]?")


def classify_number(candidate: str) -> str | None:
    """The PII kind of a digit run that passes its check, or None."""
    digits = _digits(candidate)
    if len(digits) == 18 and valid_resident_id(digits):
        return RESIDENT_ID
    if valid_mobile(digits):
        return MOBILE
    if digits.startswith("0") and valid_landline(digits):
        return LANDLINE
    if valid_bank_card(digits):
        return BANK_CARD
    return None


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """[(kind, start, end)] of every valid personal-data item in text, in order."""
    found: list[tuple[str, int, int]] = []
    for m in DIGITS_RE.finditer(text):
        if m.end() < len(text) and text[m.end()].isascii() and text[m.end()].isalpha():
            continue  # part of a code such as "A13812345678B"
        kind = classify_number(m.group())
        if kind:
            found.append((kind, m.start(), m.end()))
            continue
        # Two numbers joined by a separator ("13812345678 13912345678"): try each part alone.
        offset = m.start()
        for part in re.finditer(r"\+?\d+[Xx]?", m.group()):
            kind = classify_number(part.group())
            if kind:
                found.append((kind, offset + part.start(), offset + part.end()))
    if "(" in text:
        for m in PAREN_LANDLINE_RE.finditer(text):
            if valid_landline(m.group()):
                found.append((LANDLINE, m.start(), m.end()))
    if "@" in text:
        found.extend((EMAIL, m.start(), m.end()) for m in EMAIL_RE.finditer(text))
    found.sort(key=lambda f: (f[1], f[2]))
    return found


def _mask_email(match: re.Match) -> str:
    local, _, domain = match.group().partition("@")
    return local[0] + "*" * (len(local) - 1) + "@" + domain


def _mask_number(match: re.Match) -> str:
    value = match.group()
    digit_positions = [i for i, c in enumerate(value) if c.isdigit() or c in "Xx"]
    keep = set(digit_positions[:3] + digit_positions[-4:]) if len(digit_positions) >= 11 else set(digit_positions[-2:])
    return "".join(c if (i in keep or not (c.isdigit() or c in "Xx")) else "*" for i, c in enumerate(value))


def mask_pii(text: str) -> str:
    """Every e-mail address and every run of 7+ digits masked, valid or not; same length, so
    offsets into the text stay right: 13812345678 → 138****5678, zhang.san@x.cn → z********@x.cn."""
    if "@" in text:
        text = EMAIL_RE.sub(_mask_email, text)
    return MASK_DIGITS_RE.sub(_mask_number, text)


# ------------------------------------------------------------------ turns

SPEAKER_LABELS = {"agent": AGENT, "customer": CUSTOMER, "system": "system", "bot": "bot",
                  "客服": AGENT, "坐席": AGENT, "客户": CUSTOMER, "顾客": CUSTOMER, "系统": "system",
                  "机器人": "bot"}
_SPEAKER_CODES = {AGENT: 1, CUSTOMER: 2, "system": 3, "bot": 4}
# A label starts its line: "agent:", "Agent :", "客服：" (at most one space before the colon).
LABEL_RE = re.compile(r"^(" + "|".join(SPEAKER_LABELS) + r") ?[:：]", re.I | re.M)


@dataclass(frozen=True)
class Turns:
    """Turn i spans text[starts[i]:ends[i]] and was said by speakers[i] ("" = unknown)."""

    starts: list[int]
    ends: list[int]
    speakers: list[str]

    def at(self, position: int) -> int:
        return max(bisect.bisect_right(self.starts, position) - 1, 0)


def turns_from_labels(text: str, labels: list[tuple[int, int, str]]) -> Turns:
    """Turns from the speaker labels (label start, label end, speaker) found in text."""
    starts, ends, speakers = [], [], []
    for label_start, label_end, speaker in labels:
        if starts:
            ends.append(label_start)
        elif label_start > 0 and text[:label_start].strip():
            starts.append(0)
            speakers.append("")
            ends.append(label_start)
        starts.append(label_end)
        speakers.append(speaker)
    if not starts:
        starts.append(0)
        speakers.append("")
    ends.append(len(text))
    return Turns(starts, ends, speakers)


def split_turns(text: str) -> Turns:
    """A new turn starts at each line that begins with a speaker label ("agent:", "客服：")."""
    return turns_from_labels(text, [(m.start(), m.end(), SPEAKER_LABELS[m.group(1).lower()])
                                    for m in LABEL_RE.finditer(text)])


# ------------------------------------------------------------------ rules and hits

@dataclass(frozen=True)
class RuleSpec:
    """A rule as the scanner needs it. key identifies the rule in the hits (the rule's pk)."""

    key: Hashable
    kind: str
    phrases: tuple[str, ...] = ()
    pattern: str = ""
    pii: str = ""
    speaker: str = ANY
    scope: str = ANYWHERE
    turns: int = 2
    whole_word: bool = False


class Hit(NamedTuple):
    """One finding. A named tuple: scans create many, and a tuple is built ten times faster
    than a frozen dataclass."""

    key: Hashable
    kind: str
    turn: int | None
    speaker: str
    start: int | None  # offsets into the transcript; None for a missing required phrase
    end: int | None
    matched: str  # masked
    excerpt: str  # masked; the match begins at excerpt_at
    excerpt_at: int = 0
    detail: str = ""  # the PII kind, or the phrase that matched


def normalise_phrase(phrase: str) -> str:
    """Lower case, inner white space as one space, control characters dropped."""
    return " ".join("".join(ch for ch in phrase if ch.isprintable() or ch.isspace()).split()).lower()


def parse_phrases(text: str) -> tuple[str, ...]:
    """One phrase per line (or separated by "|"), blank ones dropped, duplicates removed."""
    seen: dict[str, None] = {}
    for line in re.split(r"[\n|]", text):
        phrase = " ".join(line.split())
        if phrase and normalise_phrase(phrase) not in {normalise_phrase(s) for s in seen}:
            seen[phrase] = None
    return tuple(seen)


def rule_errors(spec: RuleSpec) -> dict[str, str]:
    """{field: message (English, the caller translates)} of what makes the rule unusable."""
    errors: dict[str, str] = {}
    if spec.kind not in KINDS:
        errors["kind"] = "unknown kind"
    if spec.speaker not in SPEAKERS:
        errors["speaker"] = "unknown speaker"
    if spec.scope not in SCOPES:
        errors["scope"] = "unknown scope"
    if not 1 <= spec.turns <= 50:
        errors["turns"] = "turns must be between 1 and 50"
    if spec.kind in (BANNED, REQUIRED):
        if not spec.phrases:
            errors["phrases"] = "give at least one phrase"
        elif any(len(p) > 200 for p in spec.phrases):
            errors["phrases"] = "a phrase may have at most 200 characters"
    if spec.kind == REGEX:
        if not spec.pattern or len(spec.pattern) > MAX_PATTERN:
            errors["pattern"] = "give a regular expression of at most 500 characters"
        else:
            try:
                compiled = re.compile(spec.pattern, re.I | re.M)
            except re.error as exc:
                errors["pattern"] = f"not a valid regular expression: {exc}"
            else:
                if compiled.search("") is not None:
                    errors["pattern"] = "the expression matches empty text"
    if spec.kind == PII and spec.pii not in PII_KINDS:
        errors["pii"] = "unknown kind of personal data"
    return errors


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)  # keep offsets ("İ")


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def _excerpt(text: str, start: int, end: int) -> tuple[str, int]:
    lo = max(start - EXCERPT_CONTEXT, 0)
    hi = min(end + EXCERPT_CONTEXT, len(text))
    # Mask a wider window, then cut: a number the cut would halve is masked as a whole.
    wide_lo, wide_hi = max(lo - 30, 0), min(hi + 30, len(text))
    masked = mask_pii(text[wide_lo:wide_hi])[lo - wide_lo:hi - wide_lo]
    return masked.replace("\n", " ").replace("\r", " "), start - lo


def _caseless(c: str) -> bool:
    """A character that a case-insensitive regular expression matches only as itself and that
    _lower leaves as it is: no case at all (CJK, digits, punctuation) or an ASCII letter without
    a Unicode look-alike in Python's case folding (i: İ ı, k: K, s: ſ)."""
    if c.isascii():
        return c not in "iksIKS"
    return c.lower() == c == c.upper() and len(c.lower()) == 1


def mandatory_literal(pattern: str) -> str | None:
    """The longest run of plain characters every match of the (case-insensitive) pattern must
    contain, lower-cased, or None: the top-level literals of the parsed expression, broken by
    anything else (a class, a repeat, a group, an alternation, an anchor) and by characters
    whose case-insensitive matching is not plain (_caseless)."""
    try:
        from re import _parser as sre_parse
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_parse
    try:
        parsed = sre_parse.parse(pattern, re.I | re.M)
    except (re.error, RecursionError, OverflowError):
        return None
    best, run = "", ""
    for op, value in parsed:
        c = chr(value) if op is sre_parse.LITERAL else ""
        if c and _caseless(c):
            run += c.lower()
            continue
        best, run = max(best, run, key=len), ""
    best = max(best, run, key=len)
    return best or None


@dataclass
class _Checks:
    segmented: dict[int, set[int]] = field(default_factory=dict)


class Scanner:
    """Compile a project's rules once; scan(text) returns the hits, in text order."""

    def __init__(self, rules: Iterable[RuleSpec]):
        self.rules = [r for r in rules if not rule_errors(r)]
        owners: dict[str, list[tuple[int, bool]]] = {}
        for index, rule in enumerate(self.rules):
            if rule.kind in (BANNED, REQUIRED):
                for phrase in rule.phrases:
                    norm = normalise_phrase(phrase)
                    if norm:
                        entry = (index, rule.whole_word)
                        if entry not in owners.setdefault(norm, []):
                            owners[norm].append(entry)
        self._phrases = list(owners)
        self._owners = [owners[p] for p in self._phrases]
        self._automaton = ahocorasick_rs.AhoCorasick(self._phrases) if self._phrases else None
        self._regexes = [(i, re.compile(r.pattern, re.I | re.M)) for i, r in enumerate(self.rules) if r.kind == REGEX]
        self._pii: dict[str, list[int]] = {}
        for i, r in enumerate(self.rules):
            if r.kind == PII:
                self._pii.setdefault(r.pii, []).append(i)
        self._required = [i for i, r in enumerate(self.rules) if r.kind == REQUIRED]
        # Stable: rules with equal keys keep their order, as the hits' sort by key keeps it.
        self._required_by_key = sorted(self._required, key=lambda i: str(self.rules[i].key))
        # The fast path finds the speaker labels with numpy on the batch's code points (see
        # _find_labels), not with the automaton: a label starts nearly every line, and turning
        # ten thousand label matches per batch into Python tuples cost more than finding them.
        labels = list(SPEAKER_LABELS)
        # A label is known by its first two characters (asserted unique), then checked in full.
        self._label_prefixes = np.array([ord(label[0]) << 21 | ord(label[1]) for label in labels], dtype=np.uint64)
        assert len(set(self._label_prefixes.tolist())) == len(labels) and min(map(len, labels)) >= 2
        self._label_order = np.argsort(self._label_prefixes)
        self._label_prefixes = self._label_prefixes[self._label_order]
        self._label_lengths = np.array([len(label) for label in labels], dtype=np.int64)
        width = int(self._label_lengths.max())
        # _label_chars[j][label]: the label's j-th character; _label_short[j][label]: it has none.
        self._label_chars = np.zeros((width, len(labels)), dtype=np.uint32)
        self._label_short = np.ones((width, len(labels)), dtype=bool)
        for index, label in enumerate(labels):
            self._label_chars[:len(label), index] = [ord(c) for c in label]
            self._label_short[:len(label), index] = False
        self._label_codes = np.array([_SPEAKER_CODES[s] for s in SPEAKER_LABELS.values()], dtype=np.int8)
        self._label_speakers = list(SPEAKER_LABELS.values())
        # The fast automaton: every phrase, then each regular-expression rule's mandatory
        # literal: a batch in which the automaton finds none of it cannot match the expression,
        # so the expression does not run there.
        fast_patterns = list(self._phrases)
        self._n_phrases = len(fast_patterns)
        self._regex_literal: list[int | None] = []  # per self._regexes: automaton pattern index
        for index, _compiled in self._regexes:
            literal = mandatory_literal(self.rules[index].pattern)
            if literal is None:
                self._regex_literal.append(None)
            elif literal in fast_patterns:
                self._regex_literal.append(fast_patterns.index(literal))
            else:
                fast_patterns.append(literal)
                self._regex_literal.append(len(fast_patterns) - 1)
        self._fast_patterns = fast_patterns
        self._fast = ahocorasick_rs.AhoCorasick(fast_patterns) if fast_patterns else None
        # Per phrase: does a banned rule (not only required ones) use it? Per required rule: its phrases.
        self._banned_phrase = np.array([any(rules_kind == BANNED for rules_kind in
                                            (self.rules[i].kind for i, _w in owner)) for owner in self._owners] + [False],
                                       dtype=bool)
        self._required_phrases = {i: np.array([any(o == i for o, _w in owner) for owner in self._owners] + [False],
                                              dtype=bool) for i in self._required}  # per phrase: is it the rule's?

    def __len__(self) -> int:
        return len(self.rules)

    # -- scope

    @staticmethod
    def _scoped(rule: RuleSpec, turns: Turns) -> range | list[int] | None:
        """Indices of the turns the rule looks at (None: all)."""
        if rule.speaker == ANY:
            candidates = range(len(turns.speakers))
        else:
            candidates = [i for i, s in enumerate(turns.speakers) if s in (rule.speaker, "")]
        if rule.scope == OPENING:
            return candidates[:rule.turns]
        if rule.scope == CLOSING:
            return candidates[-rule.turns:]
        return None if rule.speaker == ANY else candidates

    def _in_scope(self, rule: RuleSpec, turns: Turns, turn: int, cache: dict) -> bool:
        if rule.scope == ANYWHERE:
            return rule.speaker == ANY or turns.speakers[turn] in (rule.speaker, "")
        key = (rule.speaker, rule.scope, rule.turns)
        scoped = cache.get(key)
        if scoped is None:
            scoped = cache[key] = set(self._scoped(rule, turns))
        return turn in scoped

    # -- boundaries

    @staticmethod
    def _bounded(text: str, start: int, end: int, turns: Turns, turn: int, checks: _Checks) -> bool:
        first, last = text[start], text[end - 1]
        if not _is_cjk(first) and not _is_cjk(last):
            return not ((start > 0 and _is_word_char(text[start - 1]) and _is_word_char(first))
                        or (end < len(text) and _is_word_char(text[end]) and _is_word_char(last)))
        bounds = checks.segmented.get(turn)
        if bounds is None:
            import jieba  # loaded on first need: its dictionary takes a second

            jieba.setLogLevel(60)
            base = turns.starts[turn]
            bounds = {base}
            for _word, _s, e in jieba.tokenize(text[base:turns.ends[turn]]):
                bounds.add(base + e)
            checks.segmented[turn] = bounds
        return start in bounds and end in bounds

    # -- scanning

    def scan(self, text: str) -> list[Hit]:
        """The hits in one transcript, in text order."""
        return self.scan_many([text])[0]

    def _scan_fast(self, texts: list[str]) -> list[list[Hit]]:
        """scan_reference with the per-transcript Python work reduced to the transcripts that
        have a hit: one automaton pass finds every phrase of the batch, numpy finds the speaker
        labels on its code points (which also serve the PII pre-filter), the turn of each match
        comes from a sorted search, and the required phrases are checked
        for all transcripts at once with numpy (rank of the turn among the rule's speaker's turns,
        opening = rank < N, closing = rank ≥ count − N). Only transcripts with a banned phrase, a
        regular-expression or PII match, or a missing required phrase are then handled one by one."""
        n = len(texts)
        results: list[list[Hit]] = [[] for _ in range(n)]
        if not self.rules or not n:
            return results
        texts = [t.replace(SEPARATOR_CHAR, " ") if SEPARATOR_CHAR in t else t for t in texts]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
        bases = np.empty(n, dtype=np.int64)
        bases[0] = 1
        np.cumsum(lengths[:-1] + len(SEPARATOR), out=bases[1:])
        bases[1:] += 1
        size = int(bases[-1] + lengths[-1])  # of the joined batch, with its leading newline
        # Lower-cased transcript by transcript: an ASCII one (most English chat) takes CPython's
        # fast path instead of the whole batch's per-character one. Equal to _lower of the batch
        # (the only context rule, Greek final sigma, sees the same neighbours); a batch in which
        # lower-casing lengthens a character ("İ"; none shortens) keeps _lower's offsets.
        lowered_joined = "\n" + SEPARATOR.join([t.lower() for t in texts])
        if len(lowered_joined) != size:
            lowered_joined = _lower("\n" + SEPARATOR.join(texts))
        if self._fast is not None:
            raw = self._fast.find_matches_as_indexes(lowered_joined, overlapping=True)
            found = np.fromiter(itertools.chain.from_iterable(raw), dtype=np.int64, count=3 * len(raw)).reshape(-1, 3)
        else:
            found = np.empty((0, 3), dtype=np.int64)
        present: set[int] = set()
        if self._regexes:
            counts = np.bincount(found[:, 0], minlength=len(self._fast_patterns))
            present = {i for i in self._regex_literal if i is not None and counts[i]}
        found = found[found[:, 0] < self._n_phrases]  # the regular expressions' literals are done with
        p_pattern, p_start, p_end = found[:, 0], found[:, 1], found[:, 2]
        # The batch's code points, one array element per character (offsets as in the string):
        # UTF-16 (half the memory to scan) unless a character outside the BMP took two units.
        code_points = np.frombuffer(lowered_joined.encode("utf-16-le"), dtype=np.uint16)
        if code_points.size != size:
            code_points = np.frombuffer(lowered_joined.encode("utf-32-le"), dtype=np.uint32)
        lab_line, lab_content, lab_pattern = self._find_labels(code_points)
        lab_code = self._label_codes[lab_pattern]
        lab_doc = np.searchsorted(bases, lab_line, "right") - 1
        lab_lists = (lab_line, lab_content, lab_pattern)  # read per transcript, only where needed
        docs = np.arange(n)
        first = np.searchsorted(lab_doc, docs, "left")
        last = np.searchsorted(lab_doc, docs, "right")
        count = last - first
        nonempty = lengths > 0
        has_leading = np.zeros(n, dtype=bool)
        if lab_line.size:
            first_line = lab_line[np.minimum(first, lab_line.size - 1)]
            for d in np.nonzero((count > 0) & (first_line > bases))[0]:
                has_leading[d] = bool(texts[d][:first_line[d] - bases[d]].strip())
        no_labels = (count == 0) & nonempty
        unknown_turn = has_leading | no_labels  # a turn of unknown speaker before the labels (or the whole text)

        p_doc = np.searchsorted(bases, p_start, "right") - 1
        p_label = np.searchsorted(lab_content, p_start, "right") - 1  # the label whose turn holds the match
        p_leading = p_label < first[p_doc]
        p_label_safe = np.maximum(p_label, 0)

        detail_docs: set[int] = set()
        if p_pattern.size:
            detail_docs.update(np.unique(p_doc[self._banned_phrase[p_pattern]]).tolist())
        # Expressions run over the batch as scan_reference joins it: without the leading newline,
        # which a look-behind at the first transcript's start would otherwise see.
        regexes = [(index, compiled) for (index, compiled), literal in zip(self._regexes, self._regex_literal, strict=True)
                   if literal is None or literal in present]
        regex_found = []
        if regexes:
            plain, plain_bases = SEPARATOR.join(texts), (bases - 1).tolist()  # built only here
            doc_of = functools.partial(bisect.bisect_right, plain_bases)
            regex_found = [(index, self._regex_matches(compiled, plain, texts, plain_bases, doc_of))
                           for index, compiled in regexes]
        for _index, matches in regex_found:
            detail_docs.update(doc for doc, _s, _e in matches)
        pii_found = self._find_pii_batch(code_points, "@" in lowered_joined, texts, bases) if self._pii else []
        if pii_found:
            pii_docs = np.searchsorted(bases, np.array([f[1] for f in pii_found], dtype=np.int64), "right") - 1
            detail_docs.update(pii_docs.tolist())

        # Missing required phrases as (doc, rule, label of the turn to report or -1) arrays, rule
        # by rule in the order of their keys, so each transcript's list comes out sorted.
        miss_doc, miss_rule, miss_pick = [], [], []
        by_speaker: dict[int, tuple] = {}  # the label arrays per speaker, shared by its rules
        for index in self._required_by_key:
            rule = self.rules[index]
            code = _SPEAKER_CODES[rule.speaker] if rule.speaker != ANY else -1
            if code not in by_speaker:
                candidate = np.ones(lab_code.size, dtype=bool) if code < 0 else lab_code == code
                cum = np.concatenate(([0], np.cumsum(candidate)))
                before = cum[first]  # candidates before the doc's first label
                by_speaker[code] = (candidate, cum, before, (cum[last] - before) + unknown_turn,
                                    np.flatnonzero(candidate))
            candidate, cum, before, n_candidates, labelled = by_speaker[code]
            mine = self._required_phrases[index][p_pattern]
            m_doc = p_doc[mine]
            m_leading = p_leading[mine]
            m_label = p_label_safe[mine]
            m_candidate = m_leading | candidate[m_label] if candidate.size else m_leading
            rank = np.where(m_leading, 0, (cum[m_label + 1] - before[m_doc]) - 1 + unknown_turn[m_doc]) \
                if candidate.size else np.zeros(m_doc.size, dtype=np.int64)
            if rule.scope == OPENING:
                ok = m_candidate & (rank < rule.turns)
            elif rule.scope == CLOSING:
                ok = m_candidate & (rank >= n_candidates[m_doc] - rule.turns)
            else:
                ok = m_candidate
            if rule.whole_word and ok.any():
                m_start, m_end = p_start[mine], p_end[mine]
                for k in np.nonzero(ok)[0]:
                    d = m_doc[k]
                    text, b = texts[d], bases[d]
                    turns = self._doc_turns(texts[d], d, bases, *lab_lists, first, last, has_leading)
                    s0, e0 = m_start[k] - b, m_end[k] - b
                    ok[k] = self._bounded(text, s0, e0, turns, turns.at(s0), _Checks())
            satisfied = np.zeros(n, dtype=bool)
            satisfied[m_doc[ok]] = True
            lacking = np.nonzero(~satisfied & (n_candidates > 0) & nonempty)[0]
            if not lacking.size:
                continue
            # The turn a missing phrase is reported on: the first (opening, anywhere) or last
            # (closing) labelled turn of the rule's speaker; -1 for the unknown leading turn.
            n_labelled = cum[last[lacking]] - before[lacking]
            if labelled.size:
                if rule.scope == CLOSING:
                    pick = np.where(n_labelled > 0, labelled[np.maximum(cum[last[lacking]] - 1, 0)], -1)
                else:
                    pick = np.where((n_labelled > 0) & ~unknown_turn[lacking],
                                    labelled[np.minimum(before[lacking], labelled.size - 1)], -1)
            else:
                pick = np.full(lacking.size, -1)
            miss_doc.append(lacking)
            miss_rule.append(np.full(lacking.size, index))
            miss_pick.append(pick)

        if miss_doc:
            miss_doc, miss_rule, miss_pick = (np.concatenate(a) for a in (miss_doc, miss_rule, miss_pick))
        if not detail_docs and not len(miss_doc):
            return results
        per_doc: dict[int, list] = {}
        wanted = detail_docs
        if p_pattern.size and wanted:
            select = np.isin(p_doc, np.fromiter(wanted, dtype=np.int64)) & self._banned_phrase[p_pattern]
            for pat, s0, e0, d in zip(p_pattern[select].tolist(), p_start[select].tolist(), p_end[select].tolist(),
                                      p_doc[select].tolist(), strict=True):
                b = int(bases[d])
                per_doc.setdefault(d, []).append((0, s0 - b, e0 - b, pat))
        for index, matches in regex_found:
            for d, s0, e0 in matches:
                per_doc.setdefault(d, []).append((1, s0, e0, index))
        for kind, s0, e0 in pii_found:
            d = int(np.searchsorted(bases, s0, "right") - 1)
            b = int(bases[d])
            per_doc.setdefault(d, []).append((2, s0 - b, e0 - b, kind))
        if len(miss_doc):
            order = np.argsort(miss_doc, kind="stable")  # by transcript, each in the rules' key order
            self._missing_hits(results, texts, miss_doc[order], miss_rule[order], miss_pick[order], bases, lengths,
                               first, last, has_leading, lab_lists)
        for d in sorted(detail_docs):
            text = texts[d]
            turns = self._doc_turns(text, d, bases, *lab_lists, first, last, has_leading)
            matches = sorted(per_doc.get(d, ()), key=lambda m: (m[1], m[0]))
            # Hits sort by offset, a missing phrase (no offset) first: the missing ones, already
            # in key order, come before the rest.
            results[d].extend(self._scan_doc(text, turns, matches, required=[]))
        return results

    def _missing_hits(self, results, texts, doc, rule, pick, bases, lengths, first, last, leading,
                      lab_lists) -> None:
        """The hits for missing required phrases, appended to results (doc sorted, each doc's in
        the rules' key order): the turn reported is the first (opening, anywhere) or last
        (closing) turn in the rule's scope, as in _scan_doc, from the label g of that turn picked
        with numpy for the whole batch (-1: the unknown turn before the labels, or the whole
        text). Turn, span and speaker are computed for all of them at once: no Turns are built."""
        lab_line, lab_content, lab_pattern = lab_lists
        base, lo, hi = bases[doc], first[doc], last[doc]
        labelled = pick >= 0
        g = np.maximum(pick, 0)
        if lab_line.size:
            turn = np.where(labelled, g - lo + leading[doc], 0)
            start = np.where(labelled, lab_content[np.minimum(g, lab_line.size - 1)] - base, 0)
            # The turn ends where the next label starts (or the text ends); the unknown turn
            # ends at the transcript's first label.
            following = np.where(labelled, g + 1, lo)
            end = np.where(following < hi, lab_line[np.minimum(following, lab_line.size - 1)] - base, lengths[doc])
            speaker = np.where(labelled, lab_pattern[np.minimum(g, lab_line.size - 1)], -1)
        else:
            turn = start = np.zeros(doc.size, dtype=np.int64)
            end, speaker = lengths[doc], np.full(doc.size, -1)
        speakers = self._label_speakers + [""]  # index -1: unknown
        keys = [r.key for r in self.rules]
        for d, index, t, s0, e0, who in zip(doc.tolist(), rule.tolist(), turn.tolist(), start.tolist(), end.tolist(),
                                            speaker.tolist(), strict=True):
            snippet = texts[d][s0:e0].strip()[:2 * EXCERPT_CONTEXT]
            results[d].append(Hit(keys[index], REQUIRED, t, speakers[who], None, None, "",
                                  mask_pii(snippet).replace("\n", " "), 0))

    def _doc_turns(self, text, d, bases, lab_line, lab_content, lab_pattern, first, last, has_leading) -> Turns:
        """turns_from_labels from the batch's label arrays: a turn starts after each label and
        ends where the next label starts; text before the first label is a turn of unknown
        speaker when it is not blank (has_leading), and a text without labels is one."""
        b, lo, hi = int(bases[d]), int(first[d]), int(last[d])
        if lo == hi:
            return Turns([0], [len(text)], [""])
        starts = (lab_content[lo:hi] - b).tolist()
        ends = (lab_line[lo + 1:hi] - b).tolist()
        ends.append(len(text))
        speakers = [self._label_speakers[p] for p in lab_pattern[lo:hi].tolist()]
        if has_leading[d]:
            starts.insert(0, 0)
            ends.insert(0, int(lab_line[lo]) - b)
            speakers.insert(0, "")
        return Turns(starts, ends, speakers)

    def _find_labels(self, code_points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(line, content, label) arrays of the speaker labels in the lower-cased batch, sorted: a
        label right after a newline, then an optional space and a colon (":" or "："), exactly
        what LABEL_RE finds at a line start. line: the label's offset, content: the offset after
        its colon, label: its index in SPEAKER_LABELS."""
        # Reads past the end are clipped to the last character: it would have to be both a
        # label's character and a colon for a cut-off label to pass, and none is.
        def read(offsets):
            return np.take(code_points, offsets, mode="clip")

        lines = np.flatnonzero(code_points == 10) + 1
        prefix = (read(lines).astype(np.uint64) << np.uint64(21)) | read(lines + 1)
        slot = np.minimum(np.searchsorted(self._label_prefixes, prefix), self._label_prefixes.size - 1)
        known = self._label_prefixes[slot] == prefix
        lines, label = lines[known], self._label_order[slot[known]]
        # Column by column (numpy's all(axis=1) over a short row is several times slower).
        ok = np.ones(lines.size, dtype=bool)
        for j in range(2, self._label_chars.shape[0]):
            ok &= (read(lines + j) == self._label_chars[j][label]) | self._label_short[j][label]
        length = self._label_lengths[label]
        after, after2 = read(lines + length), read(lines + length + 1)
        spaced = (after == 32) & ((after2 == 58) | (after2 == 0xFF1A))
        keep = ok & ((after == 58) | (after == 0xFF1A) | spaced)
        length = length + 1 + spaced  # the label, the space if any, the colon
        return lines[keep], lines[keep] + length[keep], label[keep]

    @staticmethod
    def _find_pii_batch(code_points: np.ndarray, has_at: bool, texts: list[str], bases) -> list[tuple[str, int, int]]:
        """find_pii over the batch, run only on the transcripts that could hold personal data:
        those with at least 7 ASCII digits or an "@" (every detector needs one or the other),
        counted on the batch's code points (lower-casing changes no digit or "@")."""
        n = len(texts)
        digits = np.flatnonzero((code_points - code_points.dtype.type(48)) < 10)
        maybe = np.bincount(np.searchsorted(bases, digits, "right") - 1, minlength=n) >= 7
        if has_at:  # a string search is quicker than another pass over the array
            maybe |= np.bincount(np.searchsorted(bases, np.flatnonzero(code_points == 64), "right") - 1,
                                 minlength=n) > 0
        found = []
        for d in np.nonzero(maybe)[0].tolist():
            b = int(bases[d])
            found.extend((kind, s0 + b, e0 + b) for kind, s0, e0 in find_pii(texts[d]))
        return found

    def scan_many(self, texts: list[str]) -> list[list[Hit]]:
        """The hits of each transcript; the same as scan_reference, faster (see _scan_fast)."""
        return self._scan_fast(texts)

    def scan_reference(self, texts: list[str]) -> list[list[Hit]]:
        """The hits of each transcript, the plain way. The texts are joined (with a NUL line between them, a
        character no stored transcript contains) so that the automaton, the speaker labels, the
        PII detectors and each regular-expression rule make ONE pass over the whole batch; only
        the matches and the required-phrase checks are then handled per transcript."""
        results: list[list[Hit]] = [[] for _ in texts]
        if not self.rules or not texts:
            return results
        texts = [t.replace(SEPARATOR_CHAR, " ") if SEPARATOR_CHAR in t else t for t in texts]
        joined = SEPARATOR.join(texts)
        bases, base = [], 0
        for t in texts:
            bases.append(base)
            base += len(t) + len(SEPARATOR)
        doc_of = functools.partial(bisect.bisect_right, bases)

        per_doc: dict[int, list] = {}  # doc -> [(kind, start, end, payload)] relative to the doc
        if self._automaton is not None:
            for pattern, start, end in self._automaton.find_matches_as_indexes(_lower(joined), overlapping=True):
                doc = doc_of(start) - 1
                b = bases[doc]
                per_doc.setdefault(doc, []).append((0, start - b, end - b, pattern))
        for index, compiled in self._regexes:
            for doc, start, end in self._regex_matches(compiled, joined, texts, bases, doc_of):
                per_doc.setdefault(doc, []).append((1, start, end, index))
        if self._pii:
            for kind, start, end in find_pii(joined):
                doc = doc_of(start) - 1
                b = bases[doc]
                per_doc.setdefault(doc, []).append((2, start - b, end - b, kind))
        need_turns = bool(self._required) or bool(per_doc)
        labels: dict[int, list] = {}
        if need_turns:
            for m in LABEL_RE.finditer(joined):
                doc = doc_of(m.start()) - 1
                b = bases[doc]
                labels.setdefault(doc, []).append((m.start() - b, m.end() - b, SPEAKER_LABELS[m.group(1).lower()]))
        docs = range(len(texts)) if self._required else sorted(per_doc)
        for doc in docs:
            text = texts[doc]
            if not text:
                continue
            results[doc] = self._scan_doc(text, turns_from_labels(text, labels.get(doc, [])), per_doc.get(doc, ()))
        return results

    @staticmethod
    def _regex_matches(compiled: re.Pattern, joined: str, texts: list[str], bases: list[int], doc_of):
        """(doc, start, end) of a regular expression's matches, none spanning two transcripts:
        a match that crosses the separator is dropped and the transcripts it spans are searched
        on their own."""
        found: set[tuple[int, int, int]] = set()
        redo: set[int] = set()
        for m in compiled.finditer(joined):
            if m.end() == m.start():
                continue
            first, last = doc_of(m.start()) - 1, doc_of(m.end() - 1) - 1
            if first == last and SEPARATOR_CHAR not in m.group():
                found.add((first, m.start() - bases[first], m.end() - bases[first]))
            else:
                redo.update(range(first, last + 1))
        for doc in redo:
            found.update((doc, m.start(), m.end()) for m in compiled.finditer(texts[doc]) if m.end() > m.start())
        return sorted(found)

    def _scan_doc(self, text: str, turns: Turns, matches, required=None) -> list[Hit]:
        """The hits of one transcript from its matches. required: the required rules to report
        as missing (None: check every required rule against the matches here)."""
        hits: list[Hit] = []
        checks = _Checks()
        scope_cache: dict = {}
        satisfied: set[int] = set()
        rules = self.rules
        single = len(turns.starts) == 1
        for source, start, end, payload in matches:
            turn = 0 if single else turns.at(start)
            if source == 0:
                for index, whole_word in self._owners[payload]:
                    rule = rules[index]
                    if rule.kind == REQUIRED and (required is not None or index in satisfied):
                        continue
                    if not self._in_scope(rule, turns, turn, scope_cache):
                        continue
                    if whole_word and not self._bounded(text, start, end, turns, turn, checks):
                        continue
                    if rule.kind == REQUIRED:
                        satisfied.add(index)
                    else:
                        excerpt, at = _excerpt(text, start, end)
                        hits.append(Hit(rule.key, BANNED, turn, turns.speakers[turn], start, end,
                                        mask_pii(text[start:end]), excerpt, at, self._phrases[payload]))
            elif source == 1:
                rule = rules[payload]
                if self._in_scope(rule, turns, turn, scope_cache):
                    excerpt, at = _excerpt(text, start, end)
                    hits.append(Hit(rule.key, REGEX, turn, turns.speakers[turn], start, end,
                                    mask_pii(text[start:end]), excerpt, at))
            else:
                for index in self._pii.get(payload, ()):
                    rule = rules[index]
                    if self._in_scope(rule, turns, turn, scope_cache):
                        excerpt, at = _excerpt(text, start, end)
                        hits.append(Hit(rule.key, PII, turn, turns.speakers[turn], start, end,
                                        mask_pii(text[start:end]), excerpt, at, payload))
        for index in (self._required if required is None else required):
            if index in satisfied:
                continue
            rule = rules[index]
            scoped = self._scoped(rule, turns)
            scoped = list(scoped) if scoped is not None else list(range(len(turns.speakers)))
            if not scoped:
                continue  # nobody in scope spoke: nothing to require
            turn = scoped[-1] if rule.scope == CLOSING else scoped[0]
            snippet = text[turns.starts[turn]:turns.ends[turn]].strip()[:2 * EXCERPT_CONTEXT]
            hits.append(Hit(rule.key, REQUIRED, turn, turns.speakers[turn], None, None, "",
                            mask_pii(snippet).replace("\n", " "), 0))
        hits.sort(key=lambda h: (h.start if h.start is not None else -1, str(h.key)))
        return hits
