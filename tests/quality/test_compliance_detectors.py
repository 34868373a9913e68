"""Compliance scanning, the pure part: PII validators with real valid and checksum-invalid
numbers, and banned / required phrase rules in Chinese and English."""

import datetime as dt

import pytest

from steward.quality import compliance as c

# GB 11643-1999's own example and numbers whose check characters were computed by hand:
# 11010519491231002 → Σ(digit × weight) = 167, 167 mod 11 = 2 → "X"; 31010120000101003 → "4".
VALID_IDS = ["11010519491231002X", "11010519491231002x", "440308199901101512", "310101200001010034"]
INVALID_IDS = [
    "110105194912310021",  # check character should be X
    "440308199901101513",  # last digit changed
    "440308199902301516",  # 30 February
    "990308199901101512",  # no province 99
    "44030819990110151",  # 17 characters
    "110105299912310025",  # born in 2999
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_resident_ids_are_accepted(number):
    assert c.valid_resident_id(number, today=dt.date(2026, 1, 1))


@pytest.mark.parametrize("number", INVALID_IDS)
def test_checksum_invalid_or_impossible_resident_ids_are_rejected(number):
    assert not c.valid_resident_id(number, today=dt.date(2026, 1, 1))


def test_resident_id_check_character_by_hand():
    # weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2:
    # 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2; "10X98765432"[2] = "X".
    assert c.RESIDENT_ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert c.resident_id_check_character("11010519491231002") == "X"


@pytest.mark.parametrize("number", ["4111111111111111", "6250941006528599", "6200 0000 0000 0005",
                                    "6222-0200-0000-0000-000", "5555555555554444"])
def test_luhn_valid_bank_cards_are_accepted(number):
    assert c.valid_bank_card(number)


@pytest.mark.parametrize("number", ["4111111111111112", "6250941006528598", "6200000000000006", "123456789012",
                                    "41111111111111111111"])
def test_luhn_invalid_or_wrong_length_cards_are_rejected(number):
    assert not c.valid_bank_card(number)


def test_luhn_by_hand():
    assert c.luhn_valid("79927398713")  # the textbook example
    assert not c.luhn_valid("79927398710")


@pytest.mark.parametrize("number", ["13812345678", "19912345678", "+86 138 1234 5678", "0086-15912345678", "86 17712345678"])
def test_mainland_mobiles_are_accepted(number):
    assert c.valid_mobile(number)


@pytest.mark.parametrize("number", ["12812345678", "1381234567", "138123456789", "23812345678", "+1 4155550100"])
def test_other_numbers_are_not_mobiles(number):
    assert not c.valid_mobile(number)


def test_landlines_and_emails():
    assert c.valid_landline("010-62345678") and c.valid_landline("0755-8123456") and c.valid_landline("(021)62345678")
    assert not c.valid_landline("021-1234567") and not c.valid_landline("62345678")
    assert c.valid_email("zhang.san@example.com.cn") and not c.valid_email("zhang.san@localhost")


def test_find_pii_finds_only_valid_numbers_and_masks_them():
    text = ("agent: 您的手机13812345678，身份证11010519491231002X，卡号6250 9410 0652 8599，邮箱 zhang.san@example.cn，"
            "电话(021)62345678，订单号4111111111111112，假身份证110105194912310021")
    kinds = [k for k, _s, _e in c.find_pii(text)]
    assert kinds == ["mobile", "resident_id", "bank_card", "email", "landline"]
    masked = c.mask_pii(text)
    assert len(masked) == len(text)
    assert "138****5678" in masked and "13812345678" not in masked and "z********@example.cn" in masked
    assert "11010519491231002X" not in masked and "4111111111111112" not in masked  # masked even when invalid


def test_two_numbers_separated_by_a_space_are_two_mobiles():
    assert [k for k, _s, _e in c.find_pii("13812345678 13912345678")] == ["mobile", "mobile"]


def scan(rules, text):
    return c.Scanner(rules).scan(text)


def test_banned_chinese_phrase_respects_jieba_word_boundaries():
    rule = c.RuleSpec(1, c.BANNED, ("滚",), whole_word=True, speaker=c.AGENT)
    assert scan([rule], "customer: 页面滚动很慢\nagent: 请您稍等") == []
    hits = scan([rule], "customer: 页面滚动很慢\nagent: 你给我滚")
    assert len(hits) == 1 and hits[0].speaker == "agent" and hits[0].matched == "滚"
    assert hits[0].excerpt[hits[0].excerpt_at] == "滚"
    # without whole-word matching the substring counts
    assert len(scan([c.RuleSpec(1, c.BANNED, ("滚",))], "customer: 页面滚动很慢")) == 1


def test_banned_english_phrase_case_insensitive_and_whole_word():
    rule = c.RuleSpec("rude", c.BANNED, ("stupid", "shut up"), whole_word=True)
    hits = scan([rule], "agent: That is a STUPID question.\nagent: Shut   up? no.\nagent: stupidity happens")
    assert [h.matched for h in hits] == ["STUPID"]  # "Shut   up" has three spaces: not the phrase
    assert len(scan([rule], "agent: please shut up")) == 1


def test_banned_phrase_scoped_to_the_agent_ignores_the_customer():
    rule = c.RuleSpec(1, c.BANNED, ("垃圾",), speaker=c.AGENT)
    assert scan([rule], "customer: 你们的产品是垃圾\nagent: 非常抱歉") == []
    assert len(scan([rule], "customer: 产品有问题\n客服：这种垃圾问题")) == 1  # Chinese speaker label


def test_required_greeting_in_the_first_agent_turn_chinese_and_english():
    greeting = c.RuleSpec("greet", c.REQUIRED, ("您好", "hello"), speaker=c.AGENT, scope=c.OPENING, turns=1)
    assert scan([greeting], "customer: 在吗\nagent: 您好，很高兴为您服务") == []
    assert scan([greeting], "customer: hi\nagent: Hello, Steward Bank here") == []
    missing = scan([greeting], "customer: 在吗\nagent: 什么事\nagent: 您好")  # greeting only in the second turn
    assert len(missing) == 1 and missing[0].kind == c.REQUIRED and missing[0].turn == 1 and missing[0].start is None
    assert missing[0].excerpt == "什么事"
    # the customer saying it does not count
    assert len(scan([greeting], "customer: 您好\nagent: 说")) == 1
    # an agent who never spoke is not reported
    assert scan([greeting], "customer: 您好？") == []


def test_required_closing_in_the_last_agent_turns():
    closing = c.RuleSpec("bye", c.REQUIRED, ("感谢您的来电", "thank you for calling"), speaker=c.AGENT,
                         scope=c.CLOSING, turns=2)
    assert scan([closing], "agent: 您好\ncustomer: 好\nagent: 感谢您的来电\ncustomer: 再见") == []
    assert scan([closing], "agent: hi\nagent: Thank you for calling!\nagent: bye") == []  # within the last two
    hits = scan([closing], "agent: Thank you for calling\nagent: hmm\nagent: bye")
    assert len(hits) == 1 and hits[0].turn == 2


def test_regex_and_pii_rules_report_masked_spans():
    rules = [c.RuleSpec("promise", c.REGEX, pattern=r"保证.{0,4}(赔|退)"),
             c.RuleSpec("mobile", c.PII, pii=c.MOBILE, speaker=c.AGENT),
             c.RuleSpec("card", c.PII, pii=c.BANK_CARD, speaker=c.AGENT)]
    text = "customer: 我的号是13912345678\nagent: 我保证给您退款，请打13812345678，卡号4111111111111112"
    hits = scan(rules, text)
    assert [(h.key, h.detail) for h in hits] == [("promise", ""), ("mobile", "mobile")]
    pii = hits[1]
    assert text[pii.start:pii.end] == "13812345678" and pii.matched == "138****5678"
    assert "13912345678" not in " ".join(h.excerpt for h in hits)


def test_one_pass_for_many_rules_finds_each_rule():
    rules = [c.RuleSpec(i, c.BANNED, (f"词{i}号",)) for i in range(500)]
    hits = scan(rules, "agent: 词7号 和 词499号 还有 词500号")
    assert sorted(h.key for h in hits) == [7, 499]


def test_invalid_rules_are_reported():
    assert "pattern" in c.rule_errors(c.RuleSpec(1, c.REGEX, pattern="("))
    assert "pattern" in c.rule_errors(c.RuleSpec(1, c.REGEX, pattern="a*"))
    assert "phrases" in c.rule_errors(c.RuleSpec(1, c.BANNED))
    assert "pii" in c.rule_errors(c.RuleSpec(1, c.PII, pii="passport"))
    assert c.parse_phrases("您好\nHello | hello\n\n 再见 ") == ("您好", "Hello", "再见")


def test_the_fast_batch_scan_equals_the_plain_one_on_random_transcripts():
    """scan_many (numpy over a batch) must give exactly what scan_reference (one transcript at a
    time, the plain way) gives, on adversarial mixes of labels, phrases, numbers and separators."""
    import random

    rules = [c.RuleSpec(1, c.BANNED, ("滚",), whole_word=True, speaker=c.AGENT),
             c.RuleSpec(2, c.REQUIRED, ("您好", "hello"), speaker=c.AGENT, scope=c.OPENING, turns=1),
             c.RuleSpec(3, c.PII, pii=c.MOBILE, speaker=c.AGENT),
             c.RuleSpec(4, c.BANNED, ("stupid", "您好"), whole_word=True),
             c.RuleSpec(5, c.REQUIRED, ("再见", "goodbye", "您好"), scope=c.CLOSING, turns=2),
             c.RuleSpec(6, c.REGEX, pattern=r"保证.{0,3}退"),
             c.RuleSpec(7, c.REQUIRED, ("谢谢",), speaker=c.CUSTOMER),
             c.RuleSpec(8, c.REQUIRED, ("滚",), whole_word=True, speaker=c.AGENT, scope=c.CLOSING, turns=1),
             c.RuleSpec(9, c.PII, pii=c.EMAIL), c.RuleSpec(10, c.PII, pii=c.LANDLINE)]
    scanner = c.Scanner(rules)
    rng = random.Random(5)
    pieces = ["agent: ", "customer: ", "Agent :", "客服：", "system: ", "\n", "\n", "您好", "hello", "再见", "滚", "滚动",
              "谢谢", "stupid", "stupidity", "13812345678", " 保证会退", " x ", "  agent: ", "顾客:", "goodbye", "\x00",
              "a.b@example.cn", "(021)62345678", "123", "4567"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    fast, plain = scanner.scan_many(texts), scanner.scan_reference(texts)
    assert sum(map(len, fast)) > 1000
    assert fast == plain


def test_a_batch_ending_in_an_empty_transcript_scans():
    """An empty last transcript starts at the end of the joined batch (the demo found it)."""
    scanner = c.Scanner([c.RuleSpec(3, c.PII, pii=c.MOBILE), c.RuleSpec(4, c.BANNED, ("stupid",))])
    texts = ["agent: call 13812345678", "customer: stupid", ""]
    assert scanner.scan_many(texts) == scanner.scan_reference(texts)
    assert [len(h) for h in scanner.scan_many(texts)] == [1, 1, 0]


def test_mandatory_literal_of_a_regular_expression():
    assert c.mandatory_literal(r"保证.{0,6}(赔|退)款1") == "保证"
    assert c.mandatory_literal(r"GUARANTEE.{0,20}refund") == "guarantee"  # lower-cased
    assert c.mandatory_literal(r"promise|vow") is None  # an alternation: nothing is mandatory
    assert c.mandatory_literal(r"[0-9]{3}号码") == "号码"
    assert c.mandatory_literal(r"kiss me") == " me"  # i, k, s have Unicode look-alikes under re.I
    assert c.mandatory_literal(r"保?证") == "证"
    assert c.mandatory_literal(r"(") is None


def test_regular_expressions_skipped_by_their_literal_give_the_same_hits():
    """Batches in which the automaton finds no mandatory literal of a rule's expression skip it:
    the hits stay exactly those of the plain scan, batch after small batch."""
    import random

    rules = [c.RuleSpec(1, c.REGEX, pattern=r"保证.{0,3}退"), c.RuleSpec(2, c.REGEX, pattern=r"REFUND\s+now"),
             c.RuleSpec(3, c.REGEX, pattern=r"\d{3}号"), c.RuleSpec(4, c.REGEX, pattern=r"(?<=\n)agent: sure"),
             c.RuleSpec(5, c.REGEX, pattern=r"Kiss|ſtop"), c.RuleSpec(6, c.BANNED, ("refund",)),
             c.RuleSpec(7, c.REQUIRED, ("您好",), speaker=c.AGENT, scope=c.OPENING, turns=1)]
    scanner = c.Scanner(rules)
    rng = random.Random(8)
    pieces = ["agent: ", "customer: ", "\n", "保证", "会退", "Refund  NOW", "refund now", "123号", "12号", "sure",
              "agent: sure", "KISS", "stop", "STOP", "\u212aiss", "您好", " x "]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(2000)]
    found = 0
    for i in range(0, len(texts), 5):
        batch = texts[i:i + 5]
        fast = scanner.scan_many(batch)
        assert fast == scanner.scan_reference(batch)
        found += sum(1 for hits in fast for h in hits if h.kind == c.REGEX)
    assert found > 100


def test_lower_casing_by_transcript_equals_the_plain_scan():
    """Final sigma, dotted capital I (lower-casing changes its length), Kelvin sign: the batch
    lowered transcript by transcript finds exactly what the plain scan finds."""
    rules = [c.RuleSpec(1, c.BANNED, ("οδος", "οδοσ")), c.RuleSpec(2, c.BANNED, ("istanbul",)),
             c.RuleSpec(3, c.BANNED, ("kilo",))]
    scanner = c.Scanner(rules)
    for batch in (["agent: ΟΔΟΣ", "agent: İstanbul", "agent: \u212aILO"], ["agent: ΟΔΟΣ ok", "agent: KILO"]):
        assert scanner.scan_many(batch) == scanner.scan_reference(batch)


def test_speaker_labels_found_with_numpy_equal_the_plain_scan():
    """Every label with every colon form, upper case, a label cut off at the end of a transcript
    (or of the batch), a label-like word that is not one, an emoji (outside the BMP): the fast
    path's turns are the plain scan's. Also a scanner without any phrase (no automaton in the fast path)."""
    import random

    pieces = [f"{label.upper() if i % 2 else label}{colon}" for i, label in enumerate(c.SPEAKER_LABELS)
              for colon in (":", "：", " :", " ：")]
    pieces += ["\n", "\n", "\n", "agent", "客", "机器", "agents:", "agent  :", "cust:", "您好", "hello", "滚",
               "13812345678", "x", "😀"]  # a character outside the BMP: code points from UTF-32
    rng = random.Random(13)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(2000)]
    texts += ["agent: hi\nagent", "agent: hi\n客", "customer: 13812345678\nagent :"]
    with_phrases = c.Scanner([c.RuleSpec(1, c.REQUIRED, ("您好", "hello"), speaker=c.AGENT, scope=c.OPENING, turns=1),
                              c.RuleSpec(2, c.BANNED, ("滚",), speaker=c.CUSTOMER),
                              c.RuleSpec(3, c.REQUIRED, ("hello",), speaker=c.CUSTOMER, scope=c.CLOSING),
                              c.RuleSpec(4, c.PII, pii=c.MOBILE, speaker=c.AGENT)])
    pii_only = c.Scanner([c.RuleSpec(4, c.PII, pii=c.MOBILE, speaker=c.AGENT)])
    for scanner in (with_phrases, pii_only):
        found = 0
        for i in range(0, len(texts), 50):
            batch = texts[i:i + 50]
            fast = scanner.scan_many(batch)
            assert fast == scanner.scan_reference(batch)
            found += sum(map(len, fast))
        assert found > 50


def test_missing_required_phrases_keep_the_plain_scans_order_of_keys():
    """Missing required phrases are reported per transcript sorted by str(key), rules with equal
    keys in their own order: keys 9 and 10 ("10" < "9"), 1 and "1", with and without other hits."""
    rules = [c.RuleSpec(9, c.REQUIRED, ("您好",), speaker=c.AGENT, scope=c.OPENING, turns=1),
             c.RuleSpec(10, c.REQUIRED, ("再见",), scope=c.CLOSING, turns=1),
             c.RuleSpec("1", c.REQUIRED, ("谢谢",), speaker=c.CUSTOMER),
             c.RuleSpec(1, c.REQUIRED, ("thanks",), speaker=c.CUSTOMER),
             c.RuleSpec(2, c.BANNED, ("stupid",))]
    scanner = c.Scanner(rules)
    texts = ["agent: hi\ncustomer: ok", "agent: stupid\ncustomer: ok", "hello there", "customer: 谢谢\nagent: 再见",
             "intro\nagent: 您好\ncustomer: x", ""]
    fast = scanner.scan_many(texts)
    assert fast == scanner.scan_reference(texts)
    assert [h.key for h in fast[0]] == ["1", 1, 10, 9]
