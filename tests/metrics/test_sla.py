"""SLA as code: DESIGN.md's example, line-accurate validation errors, round trip, diff, and
hand-computed evaluations (the worked example of docs/metrics.md)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from steward.metrics import sla
from steward.metrics.formulas import CATALOG, MetricResult
from steward.metrics.sla import SlaValidationError, dump_policy, evaluate, parse_policy

DESIGN_EXAMPLE = """\
sla: presales-chat
version: 3
calendar: cn-9x18
at_risk_percent: 10            # share of the period's fees at risk
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    scope: {channel: chat}
    period: month
    target: ">= 0.80"
    allocation_percent: 40     # share of the at-risk pool on this term
    credit_tiers: [{below: 0.80, credit_percent: 50}, {below: 0.75, credit_percent: 100}]
  - metric: first_response_within
    params: {threshold: 4h, business_hours: true}
    scope: {channel: email, priority: urgent}
    target: ">= 0.95"
    allocation_percent: 20
  - metric: csat
    params: {scale: 5, top_box: 2}
    target: ">= 0.85"
    allocation_percent: 20
    bonus: {at_or_above: 0.92, bonus_percent: 2}
  - metric: qa_score
    target: ">= 90"
    allocation_percent: 20
"""


def result(key, num, den, params=None, calendar="cn-9x18"):
    """A MetricResult as the engine hands it over: computed with the term's parameters (a
    business-hours one names the calendar it was counted in)."""
    clean = CATALOG[key].clean_params(params)
    details = {"per_priority": {}, "calendar": calendar} if clean.get("business_hours") else {}
    return MetricResult(key, num / den, num, den, None, None, clean, den, Fraction(num, den), details=details)


def errors_of(text):
    with pytest.raises(SlaValidationError) as exc:
        parse_policy(text)
    return [str(e) for e in exc.value.errors]


def test_design_example_parses():
    p = parse_policy(DESIGN_EXAMPLE)
    assert (p.sla, p.version, p.calendar, p.at_risk_percent) == ("presales-chat", 3, "cn-9x18", 10)
    sl, frw, csat, qa = p.terms
    assert sl.target == sla.Target(">=", Decimal("0.80"))
    assert [(t.bound, t.credit_percent) for t in sl.credit_tiers] == [
        (Decimal("0.80"), 50), (Decimal("0.75"), 100)]
    assert frw.clean_params == {"threshold": 14400, "business_hours": True}
    assert frw.scope == {"channel": "email", "priority": "urgent"} and frw.period == "month"
    assert frw.scope_values == {"channel": ("email",), "priority": ("urgent",)}
    many = parse_policy(DESIGN_EXAMPLE.replace("{channel: chat}", "{channel: [chat, social]}"))
    assert many.terms[0].scope_values == {"channel": ("chat", "social")}
    assert many.terms[0].label == "service_level [channel=chat|social]"
    assert csat.bonus == sla.Bonus(Decimal("0.92"), Decimal(2))
    assert qa.clean_params == {} and qa.target.threshold == 90


def test_round_trip():
    p = parse_policy(DESIGN_EXAMPLE)
    text = dump_policy(p)
    assert parse_policy(text) == p
    assert dump_policy(parse_policy(text)) == text
    assert ("  - metric: service_level\n"
            "    params: {threshold_seconds: 20, short_abandon_seconds: 5}") in text
    assert "target: '>= 0.80'" in text


def test_errors_point_at_line_and_field():
    bad = DESIGN_EXAMPLE.replace('target: ">= 0.95"', "target: 0.95")
    assert errors_of(bad) == [
        "line 16, terms[1].target: expected '>= number' (or >, <=, <) in quotes, got 0.95"]
    bad = DESIGN_EXAMPLE.replace("threshold_seconds: 20", "threshold_seconds: soon")
    assert errors_of(bad) == [
        "line 7, terms[0].params.threshold_seconds: expected a number, got 'soon'"]
    bad = DESIGN_EXAMPLE.replace("metric: csat", "metric: happiness")
    assert errors_of(bad)[0].startswith("line 18, terms[2].metric: unknown metric 'happiness'")
    bad = DESIGN_EXAMPLE.replace("threshold: 4h", "threshold: {urgent: soon}")
    assert errors_of(bad) == [
        "line 14, terms[1].params.threshold.urgent: expected a duration like '4h' or '30m', "
        "got 'soon'"]


def test_many_errors_reported_together_in_line_order():
    bad = (DESIGN_EXAMPLE
           .replace("at_risk_percent: 10 ", "at_risk_percent: 110 ")
           .replace("scope: {channel: chat}", "scope: {channel: fax, team: x}")
           .replace("period: month", "period: fortnight")
           .replace("allocation_percent: 40", "allocation_percent: 60")
           .replace("credit_percent: 100", "credit_percent: 40"))
    assert errors_of(bad) == [
        "line 4, at_risk_percent: expected at most 100, got 110",
        "line 8, terms[0].scope.channel: unknown channel 'fax' (allowed: voice, chat, email, "
        "social, ticket)",
        "line 8, terms[0].scope.team: unknown scope (allowed: channel, queue, priority)",
        "line 9, terms[0].period: expected one of day, week, month, got 'fortnight'",
        "line 12, terms[0].credit_tiers: credit_percent must not decrease for worse values "
        "(below 0.75 credits 40% < 50% at 0.8)",
    ]


def test_policy_level_rules():
    assert errors_of(DESIGN_EXAMPLE.replace("allocation_percent: 40", "allocation_percent: 41")
                     ) == ["line 5, terms: allocation_percent adds up to 101; it must not exceed "
                           "100"]
    no_calendar = DESIGN_EXAMPLE.replace("calendar: cn-9x18\n", "")
    assert errors_of(no_calendar) == [
        "line 13, terms[1].params.business_hours: business_hours: true needs a calendar at the "
        "top of the policy"]
    assert errors_of("sla: x\nversion: 1\nversion: 2\nat_risk_percent: 5\nterms: []\n") == [
        "line 3, version: duplicate key", "line 5, terms: expected a list of at least one term"]
    assert errors_of("sla: x\nterms:\n  - metric: csat\n    target: '>= 0.8\n") == [
        "line 5, not valid YAML: found unexpected end of stream (while scanning a quoted scalar "
        "on line 4)"]
    assert errors_of("- just\n- a list\n")[0].startswith("line 1, expected a mapping")
    missing = errors_of("sla: x\nversion: 1\nat_risk_percent: 5\nterms:\n  - metric: csat\n")
    assert missing == ["line 5, terms[0]: target is required"]


@pytest.mark.parametrize("text", [
    "",
    "sla: &a [*a]\n",
    "terms: &t\n  - *t\n",
    "sla: x\nversion: 1\nat_risk_percent: 5\nterms:\n  - metric: csat\n    target: '>= 0.8'\n"
    "    params: &p {scale: *p}\n",
    "sla: x\nversion: 1\nat_risk_percent: .nan\nterms: [{metric: csat, target: '>= 0.8'}]\n",
    "sla: x\nversion: 1\nat_risk_percent: 5\nterms: [{metric: csat, target: '>= 1e999'}]\n",
    "? [a, b]\n: c\n",
    "sla: x\nversion: true\nat_risk_percent: 5\nterms: [{metric: [csat], target: '>= 0.8'}]\n",
    "2025-13-45",  # YAML reads these as dates the calendar lacks
    "sla: x\nversion: 2025-02-30\n",
    "sla: [2024-01-01 25:00:00]\n",
])
def test_hostile_input_is_a_clean_error(text):
    with pytest.raises(SlaValidationError) as exc:
        parse_policy(text)
    assert exc.value.errors


def test_direction_and_tier_rules():
    head = "sla: x\nversion: 1\nat_risk_percent: 5\nterms:\n  - metric: {m}\n    target: '{t}'\n"
    assert errors_of(head.format(m="service_level", t="<= 0.8")) == [
        "line 6, terms[0].target: service_level is better when higher; use >= or >"]
    tier_above_target = head.format(m="service_level", t=">= 0.8") + \
        "    credit_tiers: [{below: 0.85, credit_percent: 10}]\n"
    assert errors_of(tier_above_target) == [
        "line 7, terms[0].credit_tiers[0].below: a tier must only apply when the target (>= 0.8) "
        "is missed: below must be ≤ 0.8"]
    wrong_key = head.format(m="abandon_rate", t="<= 0.05") + \
        "    credit_tiers: [{below: 0.1, credit_percent: 10}]\n"
    assert "unknown field (allowed: above, credit_percent)" in errors_of(wrong_key)[0]
    bonus_below_target = head.format(m="csat", t=">= 0.85") + \
        "    bonus: {at_or_above: 0.8, bonus_percent: 2}\n"
    assert errors_of(bonus_below_target) == [
        "line 7, terms[0].bonus.at_or_above: the bonus level must meet the target (>= 0.85)"]


FEE = Decimal("100000.00")


def test_evaluation_worked_example():
    p = parse_policy(DESIGN_EXAMPLE)
    # pool = 100,000.00 × 10% = 10,000.00
    # service level 770/1000 = 0.77: missed; below 0.80 matches (not below 0.75) → 50%
    #   credit = 10,000 × 40% × 50% = 2,000.00
    # first response 96/100 = 0.96 ≥ 0.95: met
    # CSAT 93/100 = 0.93: met, ≥ 0.92 → bonus 2% of the fee = 2,000.00
    # QA 88.5 < 90: missed, no tiers → whole allocation: 10,000 × 20% = 2,000.00
    e = evaluate(p, [result("service_level", 770, 1000), result("first_response_within", 96, 100,
                                                          {"threshold": "4h",
                                                           "business_hours": True}),
                     result("csat", 93, 100), result("qa_score", 885, 10)], FEE)
    assert e.pool == Decimal("10000.00")
    assert [o.status for o in e.terms] == ["missed", "met", "met", "missed"]
    assert [o.credit for o in e.terms] == [Decimal("2000.00"), 0, 0, Decimal("2000.00")]
    assert [o.bonus for o in e.terms] == [0, 0, Decimal("2000.00"), 0]
    assert (e.total_credit, e.total_bonus, e.net) == (Decimal("4000.00"), Decimal("2000.00"),
                                                      Decimal("-2000.00"))
    assert not e.capped
    assert e.terms[1].params == {"threshold": 14400, "business_hours": True}


@pytest.mark.parametrize(("num", "credit_percent"), [
    (800, 0),     # exactly 0.80 meets ">= 0.80"
    (799, 50),    # just below
    (750, 50),    # 0.75 is not below 0.75
    (749, 100),   # lowest matching `below` (0.75) wins
    (0, 100),
])
def test_tier_boundaries(num, credit_percent):
    p = parse_policy(DESIGN_EXAMPLE)
    e = evaluate(p, [result("service_level", num, 1000), None, None, None], FEE)
    assert e.terms[0].credit_percent == credit_percent
    assert e.terms[0].credit == Decimal(4000) * credit_percent / 100
    assert [o.status for o in e.terms[1:]] == ["no_data"] * 3


def test_lower_is_better_tiers_and_bonus():
    p = parse_policy("""\
sla: voice
version: 1
at_risk_percent: 8
terms:
  - metric: abandon_rate
    target: "<= 0.05"
    allocation_percent: 50
    credit_tiers: [{above: 0.05, credit_percent: 25}, {above: 0.10, credit_percent: 100}]
    bonus: {at_or_below: 0.02, bonus_percent: 1}
""")
    fee = Decimal("20000")
    # pool 1,600.00; allocation 800.00. 0.08 → above 0.05 only → 25% = 200.00
    assert evaluate(p, [result("abandon_rate", 8, 100)], fee).total_credit == Decimal("200.00")
    # 0.11 → highest matching above (0.10) → 100% = 800.00
    assert evaluate(p, [result("abandon_rate", 11, 100)], fee).total_credit == Decimal("800.00")
    # 0.02 → met and at or below 0.02 → bonus 1% of 20,000 = 200.00
    e = evaluate(p, [result("abandon_rate", 2, 100)], fee)
    assert (e.total_credit, e.total_bonus) == (0, Decimal("200.00"))


def test_rounding_and_cap():
    p = parse_policy(DESIGN_EXAMPLE)
    # fee 333.33 → pool 33.333 → 33.33; 33.33 × 40% × 50% = 6.666 → 6.67 (half up)
    e = evaluate(p, [result("service_level", 77, 100), None, None, None], Decimal("333.33"))
    assert (e.pool, e.total_credit) == (Decimal("33.33"), Decimal("6.67"))
    two = parse_policy("sla: t\nversion: 1\nat_risk_percent: 10\nterms:\n"
                       "  - {metric: csat, target: '>= 0.9', allocation_percent: 50}\n"
                       "  - {metric: nps, target: '>= 30', allocation_percent: 50}\n")
    # fee 0.50 → pool 0.05; each term 0.025 → 0.03, together 0.06 > pool: cut back to 0.05
    e = evaluate(two, [result("csat", 1, 2), result("nps", 0, 1)], Decimal("0.50"))
    assert e.capped and e.total_credit == e.pool == Decimal("0.05")
    assert [o.credit for o in e.terms] == [Decimal("0.03"), Decimal("0.02")]


def test_evaluate_rejects_inconsistent_input():
    p = parse_policy(DESIGN_EXAMPLE)
    with pytest.raises(ValueError, match="Decimal"):
        evaluate(p, [None] * 4, 1000.0)
    with pytest.raises(ValueError, match="4 terms"):
        evaluate(p, [None], FEE)
    with pytest.raises(ValueError, match="measures service_level"):
        evaluate(p, [result("csat", 1, 2), None, None, None], FEE)
    with pytest.raises(ValueError, match="declares"):
        evaluate(p, [result("service_level", 1, 2, {"threshold_seconds": 30}), None, None, None],
                 FEE)


def test_diff_term_and_field_level():
    old = parse_policy(DESIGN_EXAMPLE)
    new = parse_policy(DESIGN_EXAMPLE
                       .replace("version: 3", "version: 4")
                       .replace("threshold_seconds: 20", "threshold_seconds: 30")
                       .replace('target: ">= 0.80"', 'target: ">= 0.85"')
                       .replace("credit_tiers: [{below: 0.80", "credit_tiers: [{below: 0.85")
                       .replace("""  - metric: qa_score
    target: ">= 90"
    allocation_percent: 20
""", """  - metric: fcr
    params: {window_days: 3}
    target: ">= 0.7"
    allocation_percent: 10
"""))
    changes = {(c.path, c.kind): (c.old, c.new) for c in sla.diff_policies(old, new)}
    assert changes.pop(("version", "changed")) == (3, 4)
    assert changes.pop(("terms[service_level [channel=chat]].params.threshold_seconds",
                        "changed")) == (20, 30)
    assert changes.pop(("terms[service_level [channel=chat]].target", "changed")) == (
        ">= 0.80", ">= 0.85")
    tiers = changes.pop(("terms[service_level [channel=chat]].credit_tiers", "changed"))
    assert tiers[1][0] == (Decimal("0.85"), 50)
    assert changes.pop(("terms[qa_score]", "removed"))[0].metric == "qa_score"
    assert changes.pop(("terms[fcr]", "added"))[1].params == {"window_days": 3}
    assert changes == {}
    assert sla.diff_policies(old, old) == []


# ---------------------------------------------------------------- properties

percent = st.integers(1, 100).map(Decimal)


@st.composite
def tiered_terms(draw):
    target = Decimal(draw(st.integers(50, 99))) / 100
    bounds = sorted({Decimal(b) / 100 for b in draw(st.lists(st.integers(1, int(target * 100)),
                                                             max_size=4))}, reverse=True)
    credits = sorted(draw(st.lists(percent, min_size=len(bounds), max_size=len(bounds))))
    tiers = tuple(sla.CreditTier(b, c) for b, c in zip(bounds, credits))
    return sla.Term("service_level", sla.Target(">=", target), {}, {}, "month",
                    Decimal(draw(st.integers(0, 100))), tiers)


@st.composite
def policies(draw):
    terms = draw(st.lists(tiered_terms(), min_size=1, max_size=5))
    assume(sum(t.allocation_percent for t in terms) <= 100)
    return sla.SlaPolicy("p", 1, Decimal(draw(st.integers(0, 100))), tuple(terms))


values = st.integers(0, 1000).map(lambda n: result("service_level", n, 1000))
fees = st.decimals(min_value=0, max_value=10**7, places=2)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(policies(), st.data(), fees)
def test_credit_never_exceeds_pool_and_round_trips(policy, data, fee):
    res = [data.draw(values) for _ in policy.terms]
    e = evaluate(policy, res, fee)
    assert 0 <= e.total_credit <= e.pool <= fee
    assert sum(o.credit for o in e.terms) == e.total_credit
    assert parse_policy(dump_policy(policy)) == policy


@settings(max_examples=50, deadline=None)
@given(tiered_terms(), st.integers(0, 1000), st.integers(0, 1000))
def test_worse_value_never_yields_smaller_credit(term, a, b):
    worse, better = sorted((a, b))
    assert sla.tier_credit_percent(term, Fraction(worse, 1000)) >= sla.tier_credit_percent(
        term, Fraction(better, 1000))


@st.composite
def mangled_policies(draw):
    """DESIGN.md's example with a line dropped, duplicated, or a piece replaced."""
    lines = DESIGN_EXAMPLE.splitlines()
    i = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["drop", "dup", "replace"]))
    if how == "drop":
        del lines[i]
    elif how == "dup":
        lines.insert(i, lines[i])
    else:
        line = lines[i]
        a = draw(st.integers(0, len(line)))
        b = draw(st.integers(a, len(line)))
        lines[i] = line[:a] + draw(st.text(alphabet=" -:{}[],'\"#&*!|>0123456789.abcxyz",
                                           max_size=6)) + line[b:]
    return "\n".join(lines) + "\n"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.one_of(mangled_policies(), st.text(max_size=80)))
def test_any_text_parses_or_gives_located_errors(text):
    try:
        policy = parse_policy(text)
    except SlaValidationError as exc:
        assert exc.errors and all(str(e) for e in exc.errors)
    else:
        assert parse_policy(dump_policy(policy)) == policy


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(policies(), st.data(), fees)
def test_worse_results_never_lower_the_total_credit(policy, data, fee):
    better = [data.draw(st.integers(0, 1000)) for _ in policy.terms]
    worse = [data.draw(st.integers(0, b)) for b in better]
    a = evaluate(policy, [result("service_level", n, 1000) for n in better], fee)
    b = evaluate(policy, [result("service_level", n, 1000) for n in worse], fee)
    assert b.total_credit >= a.total_credit


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(policies(), policies())
def test_diff_is_empty_exactly_when_policies_are_equal(p, q):
    assert sla.diff_policies(p, p) == []
    changes = sla.diff_policies(p, q)
    assert (changes == []) == (p == q) or _same_up_to_term_order(p, q)


def _same_up_to_term_order(p, q):
    # diff matches terms by metric and scope, so reordering terms is not a change
    key = repr
    return (p.sla, p.version, p.calendar, p.at_risk_percent) == (
        q.sla, q.version, q.calendar, q.at_risk_percent) and sorted(p.terms, key=key) == sorted(
        q.terms, key=key)


def test_backtest_form_refuses_dates_at_the_calendars_end():
    from steward.metrics.forms import BacktestForm

    class V:
        code, name = "alpha", "Alpha"

    form = BacktestForm({"yaml_text": "x", "vendor": "alpha", "date_from": "9999-12-01", "date_to": "9999-12-31",
                         "kind": "month", "fee": "100"}, vendors=[V])
    assert not form.is_valid()
    assert "1900" in str(form.non_field_errors())


def test_business_hours_in_another_calendar_is_no_figure():
    """A business-hours term is judged only on minutes counted in the policy's calendar: the
    same 96/100 counted in the project's cn-8x20 (not the policy's cn-9x18) pays nothing and
    says why; elapsed-time terms are unaffected."""
    p = parse_policy(DESIGN_EXAMPLE)
    fr = {"threshold": "4h", "business_hours": True}
    e = evaluate(p, [result("service_level", 900, 1000), result("first_response_within", 96, 100, fr, "cn-8x20"),
                     result("csat", 93, 100), result("qa_score", 950, 10)], FEE)
    term = e.terms[1]
    assert term.status == "no_data" and term.credit == 0
    assert term.result.reason == "calendar_mismatch"
    assert term.result.details == {"policy_calendar": "cn-9x18", "project_calendar": "cn-8x20"}
    # a project without (current) business minutes: the engine's own reason is kept
    none = MetricResult("first_response_within", None, None, None, None, None,
                        CATALOG["first_response_within"].clean_params(fr), 0, reason="no_business_calendar")
    e = evaluate(p, [result("service_level", 900, 1000), none, result("csat", 93, 100),
                     result("qa_score", 950, 10)], FEE)
    assert e.terms[1].result.reason == "no_business_calendar"
    assert [o.status for o in e.terms] == ["met", "no_data", "met", "met"]
