"""Offline lexicon scorer for the emotion in a transcript: the customer's negative emotion (anger,
disappointment, threats to complain) and the agent's rudeness. Pure: no Django import.

One Aho-Corasick pass (leftmost-longest, so "不满意" wins over "不满") over the lower-cased text
finds every lexicon term; each is attributed to its turn (compliance.split_turns) and counted
for the customer's or the agent's side unless it is negated:

  - Chinese: a negator (不 没 别 无 非 未 莫) among the few characters before the term in the same
    clause — "不生气", "没有很失望", "并不是不满意" do not count; "真让人失望" does;
  - Latin: a negator ("not", "no", "never", "don't", any "…n't") among the three words before
    the term in the same clause — "not angry" does not count, "so angry" does.

A clause ends at punctuation (，。！？；,.!?;:) or a line break. Latin terms match whole words
only ("hate" is not found in "whatever"). The lexicons are small and deliberate: the scorer is a
cheap, explainable triage signal for sampling (which contacts an analyst should look at), not a
verdict; an analyst's evaluation is the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick_rs

from steward.quality import compliance

CUSTOMER_NEGATIVE = (
    # Chinese
    "生气", "气死", "愤怒", "火大", "失望", "不满意", "不满", "投诉", "举报", "垃圾", "骗子", "骗人", "坑人", "忽悠",
    "太差", "很差", "差劲", "糟糕", "恶心", "无语", "离谱", "受够了", "烦死", "不靠谱", "浪费时间", "什么破",
    "没用", "太慢", "退钱", "曝光",
    # English
    "angry", "furious", "upset", "annoyed", "frustrated", "frustrating", "disappointed", "disappointing",
    "terrible", "awful", "horrible", "worst", "ridiculous", "unacceptable", "useless", "pathetic", "rubbish",
    "disgusting", "scam", "fraud", "rip-off", "fed up", "waste of time", "complaint", "complain", "lawyer",
)
AGENT_RUDE = (
    "给我滚", "滚开", "闭嘴", "不关我的事", "关我什么事", "你听不懂吗", "烦不烦", "自己看", "爱买不买", "随便你", "有病",
    "shut up", "not my problem", "stupid", "idiot", "whatever", "deal with it",
)
NEGATORS_ZH = frozenset("不没别无非未莫")
NEGATORS_EN = frozenset({"not", "no", "never", "nothing", "hardly", "without"})
CLAUSE_END = frozenset("，。！？；：,.!?;:\n、…")
ZH_WINDOW = 4  # characters before a Chinese term searched for a negator
EN_WINDOW = 3  # words before a Latin term

_TERMS = tuple(sorted(set(CUSTOMER_NEGATIVE) | set(AGENT_RUDE)))
_NEGATIVE = frozenset(CUSTOMER_NEGATIVE)
_RUDE = frozenset(AGENT_RUDE)
_AUTOMATON = ahocorasick_rs.AhoCorasick(_TERMS, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


@dataclass(frozen=True)
class EmotionScore:
    customer_negative: int  # customer terms of negative emotion, not negated
    agent_rude: int  # agent's rude terms, not negated
    terms: tuple[tuple[str, str], ...]  # (speaker, term) of every counted term, in order


def _negated_zh(text: str, start: int) -> bool:
    for i in range(start - 1, max(start - ZH_WINDOW, 0) - 1, -1):
        c = text[i]
        if c in CLAUSE_END:
            return False
        if c in NEGATORS_ZH:
            return True
    return False


def _negated_en(text: str, start: int) -> bool:
    begin = start
    while begin > 0 and text[begin - 1] not in CLAUSE_END and start - begin < 60:
        begin -= 1
    words = text[begin:start].split()[-EN_WINDOW:]
    return any(w in NEGATORS_EN or w.endswith("n't") or w.endswith("n’t") for w in words)


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def score(text: str) -> EmotionScore:
    """Count the customer's negative-emotion terms and the agent's rude terms in a transcript
    (lines "customer: …" / "agent: …", or "客户：" / "客服："). Text of an unknown speaker (no labels,
    an e-mail body) counts as the customer's for negative emotion and for nobody's rudeness."""
    if not text:
        return EmotionScore(0, 0, ())
    lowered = text.lower()
    if len(lowered) != len(text):  # keep offsets ("İ")
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    matches = _AUTOMATON.find_matches_as_indexes(lowered)
    if not matches:
        return EmotionScore(0, 0, ())
    turns = compliance.split_turns(text)
    negative = rude = 0
    counted = []
    for index, start, end in matches:
        term = _TERMS[index]
        latin = term[0].isascii()
        if latin and not _whole_word(lowered, start, end):
            continue
        if (_negated_en if latin else _negated_zh)(lowered, start):
            continue
        speaker = turns.speakers[turns.at(start)]
        if term in _NEGATIVE and speaker in (compliance.CUSTOMER, ""):
            negative += 1
            counted.append((speaker or compliance.CUSTOMER, term))
        elif term in _RUDE and speaker == compliance.AGENT:
            rude += 1
            counted.append((speaker, term))
    return EmotionScore(negative, rude, tuple(counted))
