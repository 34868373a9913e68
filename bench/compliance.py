"""Compliance scanning throughput: the real scanner (steward.quality.compliance.Scanner: one
Aho-Corasick pass for every phrase, turn attribution, required phrases in the opening/closing
agent turns, regular-expression and PII rules, masked excerpts) against

  - what one writes first: a loop of one compiled regular expression per rule over the text
    (measured on a subset and extrapolated — it is far too slow for a million transcripts);
  - the limit: a bare ahocorasick-rs pass over the same text with the same phrases.

Synthetic transcripts (seeded, Chinese and English chat, 6–11 turns, most with a greeting and a closing, ~5 % containing a banned
phrase, ~3 % a phone or card number) are generated in chunks; only scanning is timed.

  python -m bench.compliance [--transcripts N]      (default 1,000,000, or BENCH_TRANSCRIPTS; 1,000 rules)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time

import ahocorasick_rs

from steward.quality import compliance

RULES = 1000
CHUNK = 20_000
BATCH = 1000  # services.SCAN_CHUNK
SEPARATOR = compliance.SEPARATOR
REGEX_SUBSET = 2_000

ZH_WORDS = ["您好", "请问", "订单", "退款", "物流", "快递", "已经", "帮您", "查询", "一下", "稍等", "感谢", "耐心",
            "问题", "处理", "申请", "审核", "通过", "账户", "密码", "修改", "发票", "地址", "收货", "时间", "明天",
            "今天", "客服", "系统", "显示", "正常", "可以", "需要", "提供", "信息", "核实", "身份", "号码", "抱歉",
            "给您", "带来", "不便", "还有", "其他", "什么", "满意", "评价", "再见", "祝您", "生活", "愉快"]
EN_WORDS = ["hello", "order", "refund", "delivery", "parcel", "account", "password", "please", "wait", "check",
            "the", "your", "status", "shows", "today", "tomorrow", "thank", "you", "for", "patience", "sorry",
            "issue", "resolved", "anything", "else", "help", "with", "invoice", "address", "confirm", "number"]
CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
LATIN = "abcdefghijklmnopqrstuvwxyz"


def make_rules(rng: random.Random) -> tuple[list[compliance.RuleSpec], list[str]]:
    """1,000 rules: 981 banned phrases (Chinese and English, one or two phrases each), 4 required
    greetings/closings, 10 regular expressions, 5 PII detectors. Also returns the banned phrases
    so transcripts can contain some."""
    rules: list[compliance.RuleSpec] = []
    banned: list[str] = []
    for i in range(981):
        phrases = []
        for _ in range(1 + (i % 2)):
            if i % 3:
                phrase = "".join(rng.choice(CJK) for _ in range(rng.randint(2, 4)))
            else:
                phrase = "".join(rng.choice(LATIN) for _ in range(rng.randint(5, 9)))
            phrases.append(phrase)
        banned.extend(phrases)
        rules.append(compliance.RuleSpec(f"b{i}", compliance.BANNED, tuple(phrases), speaker=compliance.AGENT,
                                         whole_word=i % 10 == 0))
    for i in range(4):
        scope = compliance.OPENING if i % 2 else compliance.CLOSING
        words = ("您好", "hello", "欢迎") if scope == compliance.OPENING else ("再见", "感谢", "thank you")
        rules.append(compliance.RuleSpec(f"r{i}", compliance.REQUIRED, words + (f"必说{i}",),
                                         speaker=compliance.AGENT, scope=scope, turns=1 + i % 3))
    for i in range(10):
        rules.append(compliance.RuleSpec(f"x{i}", compliance.REGEX, pattern=rf"保证.{{0,{2 + i}}}(赔|退)款{i}"))
    for kind in compliance.PII_KINDS:
        rules.append(compliance.RuleSpec(f"p-{kind}", compliance.PII, pii=kind, speaker=compliance.AGENT))
    assert len(rules) == RULES
    return rules, banned


def make_transcripts(rng: random.Random, n: int, banned: list[str]) -> list[str]:
    out = []
    for _ in range(n):
        chinese = rng.random() < 0.6
        words = ZH_WORDS if chinese else EN_WORDS
        sep = "" if chinese else " "
        lines = []
        for turn in range(rng.randint(6, 10)):
            speaker = "agent" if turn % 2 else "customer"
            text = sep.join(rng.choice(words) for _ in range(rng.randint(4, 12)))
            if turn == 1 and rng.random() < 0.9:
                text = ("您好，" if chinese else "Hello, ") + text
            lines.append(f"{speaker}: {text}")
        if rng.random() < 0.85:
            lines.append("agent: " + ("感谢您的耐心，再见" if chinese else "thank you, goodbye"))
        roll = rng.random()
        if roll < 0.05:
            lines[1 + 2 * rng.randrange(len(lines) // 2)] += sep + rng.choice(banned)
        elif roll < 0.08:
            lines[1] += " 13812345678" if roll < 0.07 else " 6250 9410 0652 8599"
        out.append("\n".join(lines))
    return out


def regex_per_rule(rules: list[compliance.RuleSpec]) -> list[re.Pattern]:
    """What one writes first: one compiled expression per rule, tried in turn on every text."""
    compiled = []
    digits = r"(?<!\d)(?:\d[ \-]?){10,18}\d[Xx]?(?!\d)"
    for rule in rules:
        if rule.kind in (compliance.BANNED, compliance.REQUIRED):
            compiled.append(re.compile("|".join(re.escape(p) for p in rule.phrases), re.I))
        elif rule.kind == compliance.REGEX:
            compiled.append(re.compile(rule.pattern, re.I))
        else:
            compiled.append(re.compile(compliance.EMAIL_RE.pattern if rule.pii == compliance.EMAIL else digits))
    return compiled


def timed(function, texts) -> tuple[float, int]:
    started = time.perf_counter()
    found = function(texts)
    return time.perf_counter() - started, found


def main(transcripts: int | None = None, rows: int | None = None) -> dict:
    """`python -m bench` calls main(rows=…) for every benchmark: --rows is not a transcript
    count, so the compliance scan keeps its default unless BENCH_TRANSCRIPTS or --transcripts
    says otherwise."""
    total = transcripts or int(os.environ.get("BENCH_TRANSCRIPTS", "1000000"))
    rng = random.Random(11)
    rules, banned = make_rules(rng)
    scanner = compliance.Scanner(rules)
    phrases = sorted({compliance.normalise_phrase(p) for r in rules for p in r.phrases})
    bare = ahocorasick_rs.AhoCorasick(phrases)
    loop = regex_per_rule(rules)
    # Warm up (jieba's dictionary loads on the first whole-word Chinese match).
    scanner.scan("agent: 你好 " + " ".join(banned[:50]))

    def run_scanner(texts):
        # As the service scans: a chunk of 1,000 stored contacts at a time.
        return sum(len(hits) for i in range(0, len(texts), BATCH) for hits in scanner.scan_many(texts[i:i + BATCH]))

    def run_bare(texts):
        return sum(len(bare.find_matches_as_indexes(t, overlapping=True)) for t in texts)

    def run_bare_batched(texts):
        return sum(len(bare.find_matches_as_indexes(SEPARATOR.join(texts[i:i + BATCH]), overlapping=True))
                   for i in range(0, len(texts), BATCH))

    def run_loop(texts):
        found = 0
        for t in texts:
            for pattern in loop:
                for _m in pattern.finditer(t):
                    found += 1
        return found

    scanner_s = bare_s = batched_s = 0.0
    hits = chars = 0
    done = 0
    print(f"Compliance scan benchmark: {total:,} synthetic transcripts, {len(rules):,} rules "
          f"({len(phrases):,} phrases)")
    while done < total:
        texts = make_transcripts(rng, min(CHUNK, total - done), banned)
        chars += sum(len(t) for t in texts)
        seconds, found = timed(run_scanner, texts)
        scanner_s += seconds
        hits += found
        seconds, _found = timed(run_bare, texts)
        bare_s += seconds
        seconds, _found = timed(run_bare_batched, texts)
        batched_s += seconds
        done += len(texts)
    subset = make_transcripts(random.Random(12), min(REGEX_SUBSET, total), banned)
    loop_subset_s, _found = timed(run_loop, subset)
    loop_s = loop_subset_s * total / len(subset)

    def rate(seconds: float) -> str:
        return f"{total / seconds:>12,.0f} transcripts/s"

    print(f"  average transcript            {chars / total:,.0f} characters; {hits:,} hits stored by the scanner")
    print(f"  scanner (steward)             {scanner_s:8.1f} s  {rate(scanner_s)}")
    print(f"  bare ahocorasick-rs pass      {bare_s:8.1f} s  {rate(bare_s)}   (the limit: one call per transcript)")
    print(f"  bare pass, 1,000 per call     {batched_s:8.1f} s  {rate(batched_s)}   (the same text joined as the scanner joins it)")
    print(f"  one regex per rule (loop)     {loop_s:8.1f} s  {rate(loop_s)}   "
          f"(extrapolated from {len(subset):,} transcripts: {loop_subset_s:.1f} s)")
    speedup, overhead, overhead_batched = loop_s / scanner_s, scanner_s / bare_s, scanner_s / batched_s
    print(f"  scanner vs regex loop: {speedup:,.0f}× faster (target ≥ 20×: {'met' if speedup >= 20 else 'NOT met'})")
    print(f"  scanner vs bare pass:  {overhead:.2f}× slower (target ≤ 3×: {'met' if overhead <= 3 else 'NOT met'}); "
          f"{overhead_batched:.2f}× the batched bare pass")
    return {"transcripts": total, "scanner_s": scanner_s, "bare_s": bare_s, "bare_batched_s": batched_s,
            "loop_s": loop_s, "speedup": speedup, "overhead": overhead}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.compliance")
    parser.add_argument("--transcripts", type=int, default=None, help="transcripts to scan (default 1,000,000)")
    main(transcripts=parser.parse_args().transcripts)
    sys.exit(0)
