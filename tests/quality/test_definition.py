"""Scorecards as YAML: parsing, line-numbered errors, hostile input and the round trip."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.quality.definition import ScorecardSyntaxError, dump, parse
from steward.quality.forms import EXAMPLE_SCORECARD


def errors_of(source: str) -> list[tuple[int | None, str]]:
    with pytest.raises(ScorecardSyntaxError) as info:
        parse(source)
    return [(e.line, e.message) for e in info.value.errors]


def test_the_example_parses():
    card = parse(EXAMPLE_SCORECARD)
    assert card.name == "Chat quality standard" and card.name_zh == "在线客服质检标准"
    assert card.pass_mark == Decimal("80.00") and card.dispute_days == 7
    assert [s.title for s in card.sections] == ["Opening", "Handling"]
    privacy = card.sections[1].criteria[1]
    assert privacy.key == "privacy" and privacy.auto_fail and privacy.scale == "yes_no"
    accuracy = card.sections[1].criteria[0]
    assert accuracy.scale == "1-5" and not accuracy.na_allowed and accuracy.weight == Decimal(30)


def test_round_trip():
    card = parse(EXAMPLE_SCORECARD)
    assert parse(dump(card)) == card


def test_errors_name_their_line():
    source = """name: Test
pass_mark: 120
sections:
  - title: One
    criteria:
      - key: a
        label: A
        weight: -1
      - key: a
        label: Again
        scale: 1-5
        auto_fail: true
      - key: b
        colour: red
"""
    errors = errors_of(source)
    lines = {line for line, _ in errors}
    assert 2 in lines  # pass_mark out of range
    assert 8 in lines  # weight not > 0
    assert 9 in lines  # key used twice
    assert 12 in lines  # auto_fail on a 1-5 scale
    assert 14 in lines  # unknown key
    assert 13 in lines  # criterion b without a label (reported at the mapping)


def test_syntax_errors_have_a_line():
    errors = errors_of("name: x\nsections: [\n  - a\n")
    assert errors[0][0] is not None


def test_duplicate_keys_are_refused():
    assert errors_of("name: x\nname: y\npass_mark: 1\nsections: []\n")[0][0] == 2


@pytest.mark.parametrize("source", [
    "", "just text", "- a list", "name: x\npass_mark: .nan\nsections: []",
    "a: &a [*a]", "name: !!python/object:os.system x", "\x00\x01", "name: [1, 2]\npass_mark: 80",
    "name: x\npass_mark: 80\nsections:\n  - 3\n", "name: x\npass_mark: 80\nsections:\n  - title: t\n    criteria: [1]\n",
    "name: x\npass_mark: true\nsections: []", "name: x\npass_mark: 1e999999\nsections: []",
])
def test_hostile_input_gives_clean_errors(source):
    assert errors_of(source)


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_any_text_parses_or_fails_cleanly(source):
    try:
        parse(source)
    except ScorecardSyntaxError as exc:
        assert exc.errors
