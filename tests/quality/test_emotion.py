"""The offline lexicon emotion scorer: the customer's negative emotion and the agent's rudeness,
with negation, clause boundaries, whole Latin words and speaker attribution."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.quality import emotion


@pytest.mark.parametrize("text,negative,rude", [
    ("customer: 我很生气，太让人失望了\nagent: 非常抱歉", 2, 0),
    ("customer: 我不生气，只是问问", 0, 0),
    ("customer: 我没有很失望", 0, 0),
    ("customer: 并不是不满意", 0, 0),  # "not dissatisfied"
    ("customer: 我很不满意", 1, 0),  # the negator is part of the term: longest match wins
    ("customer: 说了不用，真失望", 1, 0),  # the negator sits in another clause
    ("customer: I am not angry, just asking", 0, 0),
    ("customer: I don't want to complain", 0, 0),
    ("customer: This is ridiculous! I am so ANGRY.", 2, 0),
    ("customer: whatever happened to my parcel?", 0, 0),  # rudeness counts for agents only
    ("customer: the page scrolls (页面滚动)\nagent: 好的", 0, 0),
    ("customer: hello\nagent: whatever, not my problem", 0, 2),
    ("agent: 你给我滚开\ncustomer: 你们客服太差了，我要投诉", 2, 1),
    ("客户：太离谱了\n客服：您好", 1, 0),  # Chinese speaker labels
    ("我要投诉你们", 1, 0),  # no labels (an e-mail body): the customer's
    ("customer: hatefully whatevers", 0, 0),
    ("", 0, 0),
])
def test_scores(text, negative, rude):
    result = emotion.score(text)
    assert (result.customer_negative, result.agent_rude) == (negative, rude), result.terms
    assert len(result.terms) == negative + rude


def test_terms_name_the_speaker_and_the_word():
    result = emotion.score("customer: 太失望了\nagent: 闭嘴")
    assert result.terms == (("customer", "失望"), ("agent", "闭嘴"))


@given(st.text(alphabet=st.sampled_from(list("不没生气失望投诉angry not ,，。\n:customeragent")), max_size=80))
def test_never_fails_and_counts_are_consistent(text):
    result = emotion.score(text)
    assert result.customer_negative >= 0 and result.agent_rude >= 0
    assert len(result.terms) == result.customer_negative + result.agent_rude
    # Upper case changes nothing: matching is case-insensitive.
    assert emotion.score(text.upper()).customer_negative == result.customer_negative
