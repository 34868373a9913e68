"""Every catalog metric on small hand-computed tables (numbers worked out in the comments; the
same tables are the worked examples of docs/metrics.md)."""

from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from steward.metrics import formulas as f
from steward.metrics import stats
from steward.metrics.formulas import ContactStats, Histogram, ParamError, compute

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=SH)  # a Monday


def voice(wait, *, abandoned=False, talk=None, hold=None, wrap=None, csat=None, nps=None,
          ces=None, complaint=False, **extra):
    return {"channel": "voice", "direction": "inbound", "arrived_at": T0, "abandoned": abandoned,
            "wait_seconds": wait, "talk_seconds": talk, "hold_seconds": hold,
            "wrap_seconds": wrap, "csat": csat, "nps": nps, "ces": ces, "complaint": complaint,
            **extra}


# Table V — ten inbound voice contacts (waits in seconds).
#  #  abandoned wait  talk hold wrap  csat nps ces complaint
#  1  no        5     300  0    30    5    10  2   no
#  2  no        20    200  60   20    4    9   3   no
#  3  no        21    400  0    40    3    7   -   yes
#  4  no        45    100  20   10    1    3   6   yes
#  5  no        0     150  -    30    -    -   -   no
#  6  yes       3                      (short: 3 < 5)
#  7  yes       5                      (not short: 5 is not < 5; within 20)
#  8  yes       30                     csat 1 (an abandoned caller's answer still counts)
#  9  yes       4                      (short)
# 10  no        20.4  250  0    50    5    -   -   no   (20.4 s rounds up to 21: not within 20)
TABLE_V = [
    voice(5, talk=300, hold=0, wrap=30, csat=5, nps=10, ces=2),
    voice(20, talk=200, hold=60, wrap=20, csat=4, nps=9, ces=3),
    voice(21, talk=400, hold=0, wrap=40, csat=3, nps=7, complaint=True),
    voice(45, talk=100, hold=20, wrap=10, csat=1, nps=3, ces=6, complaint=True),
    voice(0, talk=150, wrap=30),
    voice(3, abandoned=True),
    voice(5, abandoned=True),
    voice(30, abandoned=True, csat=1),
    voice(4, abandoned=True),
    voice(20.4, talk=250, hold=0, wrap=50, csat=5),
    {**voice(10, talk=60), "direction": "outbound"},  # outbound: not offered, ignored
]


@pytest.fixture(scope="module")
def sv():
    return f.contact_stats(TABLE_V)


def test_table_v_statistics(sv):
    assert (sv.offered, sv.abandoned, sv.handled) == (10, 4, 6)
    assert sv.answered_wait.as_dict() == {0: 1, 5: 1, 20: 1, 21: 2, 45: 1}
    assert sv.abandoned_wait.as_dict() == {3: 1, 4: 1, 5: 1, 30: 1}
    # handle (an empty part counts 0): 330, 280, 440, 130, 180, 300 → Σ 1660
    assert sv.handle_sum == 1660
    assert sv.csat.as_dict() == {1: 2, 3: 1, 4: 1, 5: 2}
    assert (sv.surveyed, sv.complaints) == (6, 2)


def test_counts(sv):
    assert compute("offered", sv).value == 10
    assert compute("handled", sv).value == 6
    assert compute("short_abandoned", sv).value == 2  # waits 3 and 4
    assert compute("short_abandoned", sv, {"short_abandon_seconds": 6}).value == 3


def test_service_level_standard(sv):
    # answered within 20 s: waits 0, 5, 20 → 3; offered − short = 10 − 2 = 8 → 3/8 = 0.375
    r = compute("service_level", sv)
    assert (r.numerator, r.denominator, r.value) == (3, 8, 0.375)
    assert r.exact == Fraction(3, 8)
    iv = stats.wilson_interval(3, 8)
    assert (r.interval_low, r.interval_high) == (iv.low, iv.high)
    assert r.params == {"threshold_seconds": 20, "short_abandon_seconds": 5,
                        "variant": "standard"}


def test_service_level_variants(sv):
    # answered_only: 3 ÷ handled 6 = 0.5
    r = compute("service_level", sv, {"variant": "answered_only"})
    assert (r.numerator, r.denominator) == (3, 6)
    # abandons within 20 s count as met: (3 answered + 3 abandoned at 3, 4, 5 s) ÷ 10 = 0.6
    r = compute("service_level", sv, {"variant": "abandons_within_threshold_count_as_met"})
    assert (r.numerator, r.denominator) == (6, 10)
    # threshold 21: answered 0, 5, 20, 21, 21 → 5 of 8
    assert compute("service_level", sv, {"threshold_seconds": 21}).exact == Fraction(5, 8)


def test_abandon_rate(sv):
    # (abandoned 4 − short 2) ÷ (offered 10 − short 2) = 2/8
    r = compute("abandon_rate", sv)
    assert (r.numerator, r.denominator, r.value) == (2, 8, 0.25)
    # short_abandon_seconds 0: nothing is short → 4/10
    assert compute("abandon_rate", sv, {"short_abandon_seconds": 0}).exact == Fraction(4, 10)


def test_asa_and_aht(sv):
    # ASA: (5 + 20 + 21 + 45 + 0 + 21) / 6 = 112/6 = 18.667 s
    r = compute("asa_seconds", sv)
    assert (r.numerator, r.denominator) == (112, 6)
    assert r.value == pytest.approx(18.6667, abs=1e-4)
    m = stats.mean_t_interval(6, 112, 25 + 400 + 441 + 2025 + 0 + 441)
    assert r.interval_low == pytest.approx(m.interval.low)
    # AHT: 1660 / 6 = 276.667 s
    r = compute("aht_seconds", sv)
    assert (r.numerator, r.denominator) == (1660, 6)
    assert r.exact == Fraction(1660, 6)


def test_surveys(sv):
    # CSAT answers 5, 4, 3, 1, 1, 5: top-2 box (4 or 5) = 3/6; mean 19/6 = 3.17
    r = compute("csat", sv)
    assert (r.numerator, r.denominator, r.value) == (3, 6, 0.5)
    assert r.details["mean_score"] == pytest.approx(19 / 6)
    assert compute("csat", sv, {"top_box": 1}).exact == Fraction(2, 6)
    # NPS answers 10, 9, 7, 3: promoters 2, passives 1, detractors 1 → 100·(2 − 1)/4 = 25
    r = compute("nps", sv)
    assert (r.value, r.numerator, r.denominator) == (25, 1, 4)
    assert r.details == {"promoters": 2, "passives": 1, "detractors": 1}
    # CES answers 2, 3, 6 → 11/3; the t interval (−1.50, 8.84) is clipped to the scale 1–7
    r = compute("ces", sv)
    assert r.exact == Fraction(11, 3) and (r.interval_low, r.interval_high) == (1, 7)
    # response rate: 6 surveyed contacts ÷ 6 handled; CSAT 6/6, NPS 4/6, CES 3/6
    assert compute("response_rate", sv).exact == 1
    assert compute("response_rate", sv, {"survey": "csat"}).exact == 1
    assert compute("response_rate", sv, {"survey": "nps"}).exact == Fraction(4, 6)
    assert compute("response_rate", sv, {"survey": "ces"}).exact == Fraction(3, 6)


def test_complaint_rate(sv):
    # 2 complaints ÷ 6 handled = 0.3333 = 333.3 per 1,000
    r = compute("complaint_rate", sv)
    assert (r.numerator, r.denominator) == (2, 6)
    assert r.details["per_1000"] == pytest.approx(333.333, abs=1e-3)


def test_rate_per_handled_contact_above_one_has_no_interval():
    # one handled contact, two abandoned callers who complained: 3 complaints ÷ 1 handled
    s = f.contact_stats([voice(5, complaint=True), voice(50, abandoned=True, complaint=True),
                         voice(60, abandoned=True, complaint=True)])
    r = compute("complaint_rate", s)
    assert (r.value, r.interval_low, r.details["per_1000"]) == (3.0, None, 3000.0)
    assert r.details["numerator_exceeds_denominator"]


def test_zero_denominators_give_null_with_reason():
    empty = ContactStats()
    for key in ("service_level", "abandon_rate", "asa_seconds", "aht_seconds", "csat", "nps",
                "ces", "complaint_rate", "response_rate", "first_response_within"):
        r = compute(key, empty)
        assert r.value is None and r.reason == "zero_denominator", key
    assert compute("offered", empty).value == 0
    assert compute("qa_score", f.QaStats()).reason == "zero_denominator"
    assert compute("fcr", f.FcrCounts()).reason == "zero_denominator"
    # All contacts short-abandoned: the standard service level has nothing to measure.
    only_short = f.contact_stats([voice(1, abandoned=True), voice(2, abandoned=True)])
    assert compute("service_level", only_short).reason == "zero_denominator"
    assert compute("service_level", only_short,
                   {"variant": "abandons_within_threshold_count_as_met"}).value == 1.0


def test_scores_outside_scale_are_reported_not_hidden():
    s = f.contact_stats([voice(1, talk=1, csat=7)])
    r = compute("csat", s)
    assert r.value is None and r.reason == "score_outside_scale"
    assert compute("csat", s, {"scale": 7, "top_box": 2}).value == 1.0


def test_unknown_metric_and_bad_params(sv):
    with pytest.raises(KeyError, match="unknown metric"):
        compute("happiness", sv)
    with pytest.raises(ParamError, match="threshold_seconds"):
        compute("service_level", sv, {"threshold_seconds": -1})
    with pytest.raises(ParamError, match="unknown parameter"):
        compute("service_level", sv, {"threshold": 20})
    with pytest.raises(ParamError, match="variant"):
        compute("service_level", sv, {"variant": "generous"})
    with pytest.raises(ParamError, match="top_box"):
        compute("csat", sv, {"top_box": 6})
    with pytest.raises(TypeError):
        compute("fcr", sv)


# Table E — six emails arriving Monday 2024-03-04 09:00 Asia/Shanghai (elapsed time).
#  #  priority first response  resolved
#  1  urgent   3 h             20 h
#  2  urgent   4 h (= limit)   3 h 30 m
#  3  urgent   4 h 0 m 1 s     -
#  4  normal   23 h            50 h
#  5  normal   -               -
#  6  low      2 h             10 h
def email(priority, first=None, resolved=None):
    return {"channel": "email", "priority": priority, "arrived_at": T0, "abandoned": False,
            "first_response_at": T0 + first if first else None,
            "resolved_at": T0 + resolved if resolved else None}


H = timedelta(hours=1)
TABLE_E = [
    email("urgent", 3 * H, 20 * H),
    email("urgent", 4 * H, 3.5 * H),
    email("urgent", 4 * H + timedelta(seconds=1)),
    email("normal", 23 * H, 50 * H),
    email("normal"),
    email("low", 2 * H, 10 * H),
]


def test_first_response_within():
    s = f.contact_stats(TABLE_E)
    # defaults urgent 4 h, others 24 h: urgent 2 of 3, normal 1 of 2, low 1 of 1 → 4/6
    r = compute("first_response_within", s)
    assert (r.numerator, r.denominator) == (4, 6)
    assert r.details["per_priority"]["urgent"] == {"within": 2, "contacts": 3}
    # one limit for all, 4 h: contacts 1, 2, 6 → 3/6
    assert compute("first_response_within", s, {"threshold": "4h"}).exact == Fraction(1, 2)
    # a mapping that misses a priority with contacts is an explicit null, not a silent drop
    r = compute("first_response_within", s, {"threshold": {"urgent": "4h"}})
    assert r.reason == "no_threshold_for_priority"
    # business hours requested but the statistics hold no calendar: null, never a fake 0
    assert compute("first_response_within", s, {"business_hours": True}).reason == (
        "no_business_calendar")


def test_resolution_within():
    s = f.contact_stats(TABLE_E)
    # urgent 4 h: contact 2 (3.5 h) → 1 of 3; normal 24 h: 50 h misses → 0 of 2; low: 10 h → 1/1
    r = compute("resolution_within", s)
    assert (r.numerator, r.denominator) == (2, 6)
    # urgent 24 h: 20 h and 3.5 h → 2; normal 3 d: 50 h → 1; low 1 h: 10 h misses → 3/6
    assert compute("resolution_within", s, {"threshold": {"urgent": "24h", "normal": "3d",
                                                          "low": "1h"}}).exact == Fraction(3, 6)


# Table F — first-contact resolution, window 7 days; day d means T0 + d days.
#  #  customer day  direction outcome    reason
#  1  A        0    in        resolved   billing  repeat c2 at day 5 → not FCR (FCR if same_reason)
#  2  A        5    in        resolved   tech     window to day 12 ≤ 20, no later A → FCR
#  3  B        1    in        resolved   billing  only B repeat is outbound (c9) → FCR
#  4  C        2    in        escalated  billing  not resolved: not measured
#  5  C        9    in        resolved   billing  c6 at day 16 = exactly 7 days later → repeat
#  6  C        16   in        resolved   billing  window ends day 23 > newest (20) → pending
#  7  -        3    in        resolved   billing  no customer → excluded
#  8  D        20   out       resolved   billing  outbound: not measured; newest arrival
#  9  B        7    out       resolved   billing  outbound: not a customer's repeat
def contact(customer, day, outcome="resolved", reason="billing", direction="inbound"):
    return {"customer_ref": customer, "arrived_at": T0 + timedelta(days=day), "outcome": outcome,
            "contact_reason": reason, "direction": direction}


TABLE_F = [
    contact("A", 0), contact("A", 5, reason="tech"), contact("B", 1),
    contact("C", 2, outcome="escalated"), contact("C", 9), contact("C", 16), contact(None, 3),
    contact("D", 20, direction="outbound"), contact("B", 7, direction="outbound"),
]


def test_fcr_hand_table():
    c = f.fcr_counts(TABLE_F)
    # eligible c1, c2, c3, c5; FCR c2, c3 → 2/4
    assert c == f.FcrCounts(eligible=4, first_contact_resolved=2, pending=1, without_customer=1)
    r = compute("fcr", c)
    assert (r.numerator, r.denominator, r.value) == (2, 4, 0.5)
    # same_reason: c1 (billing) is not repeated by c2 (tech) → FCR c1, c2, c3 → 3/4
    assert f.fcr_counts(TABLE_F, same_reason=True).first_contact_resolved == 3
    # only the first five days measured, repeats still searched everywhere: c1 no, c3 yes
    early = f.fcr_counts(TABLE_F, period_start=T0, period_end=T0 + timedelta(days=5))
    assert (early.eligible, early.first_contact_resolved) == (2, 1)
    # window 6 days: c6 (day 16) no longer repeats c5 (day 9) → c5 FCR; c6 still pending (22 > 20)
    six = f.fcr_counts(TABLE_F, window_days=6)
    assert (six.eligible, six.first_contact_resolved, six.pending) == (4, 3, 1)


def test_fcr_from_stored_next_contacts():
    nxt = f.next_contacts(TABLE_F)
    day = lambda d: T0 + timedelta(days=d)  # noqa: E731
    # c1 (A, day 0): next A contact day 5 (tech); no later billing contact of A
    assert nxt[0] == f.NextContact(day(5), None)
    # c3 (B, day 1): B's day-7 contact is outbound, so no next inbound contact
    assert nxt[2] == f.NextContact(None, None)
    # c5 (C, day 9): next C contact day 16, same reason
    assert nxt[4] == f.NextContact(day(16), day(16))
    assert nxt[6] == f.NextContact()  # no customer
    newest = day(20)
    assert f.fcr_counts_from_next(zip(TABLE_F, nxt), newest=newest) == f.fcr_counts(TABLE_F)
    assert f.fcr_counts_from_next(zip(TABLE_F, nxt), newest=newest, same_reason=True) == (
        f.fcr_counts(TABLE_F, same_reason=True))
    assert f.customers_touched([{"customer_ref": "A"}, {"customer_ref": ""}]) == {"A"}


def test_qa_score_and_pass_rate():
    # 95, 88.5, 72, an auto-fail (would be 90) → 0, 100: mean 355.5/5 = 71.1
    q = f.qa_stats([{"score": 95}, {"score": 88.5}, {"score": 72},
                    {"score": 90, "auto_fail": True}, {"score": 100}])
    r = compute("qa_score", q)
    assert r.value == pytest.approx(71.1)
    assert (r.numerator, r.denominator, r.exact) == (355.5, 5, Fraction(711, 10))
    m = stats.mean_t_interval(5, 355.5, 95**2 + 88.5**2 + 72**2 + 0 + 100**2)
    assert r.interval_low == pytest.approx(m.interval.low)  # 20.04
    assert m.interval.high > 100 and r.interval_high == 100  # clipped: no QA mean above 100
    # pass mark 80 (default): 95, 88.5, 100 → 3/5; pass mark 88.5 is inclusive → 3/5; 90 → 2/5
    assert compute("qa_pass_rate", q).exact == Fraction(3, 5)
    assert compute("qa_pass_rate", q, {"pass_mark": 88.5}).exact == Fraction(3, 5)
    assert compute("qa_pass_rate", q, {"pass_mark": 90}).exact == Fraction(2, 5)
    with pytest.raises(ValueError):
        f.qa_stats([{"score": 101}])


def test_histogram_behaviour():
    h = Histogram.of([3, 1, 3, 10])
    assert h.counts == ((1, 1), (3, 2), (10, 1))
    assert (h.n, h.total, h.sum_squares) == (4, 17, 119)
    assert (h.count_at_most(3), h.count_below(3), h.count_at_most(0), h.count_below(11)) == (
        3, 1, 0, 4)
    assert h + Histogram.of({3: 1}) == Histogram.of([1, 3, 3, 3, 10])
    with pytest.raises(ValueError):
        Histogram(((3, 1), (1, 1)))


def test_durations():
    assert f.parse_duration("4h") == 14400
    assert f.parse_duration("1h30m") == 5400
    with pytest.raises(ParamError, match="whole minutes"):
        compute("first_response_within", ContactStats(), {"threshold": "90s"})
    assert f.parse_duration("2d") == 172800
    assert f.parse_duration(90) == 90
    for bad in ("", "4 hours", "-1h", 0, True, "1.5s"):
        with pytest.raises(ValueError):
            f.parse_duration(bad)
    assert f.format_duration(5400) == "1h30m"


def test_wait_derived_from_times_when_empty():
    answered = {"channel": "chat", "arrived_at": T0, "first_response_at": T0 + timedelta(
        seconds=12.5), "abandoned": False, "wait_seconds": None}
    left = {"channel": "chat", "arrived_at": T0, "ended_at": T0 + timedelta(seconds=4),
            "abandoned": True}
    s = f.contact_stats([answered, left])
    assert s.answered_wait.as_dict() == {13: 1}
    assert s.abandoned_wait.as_dict() == {4: 1}


def test_elapsed_times_are_real_time_across_dst():
    # Berlin skips 02:00-03:00 on 2024-03-31: Saturday 12:00 → Sunday 12:00 is 23 hours
    berlin = ZoneInfo("Europe/Berlin")
    row = {"channel": "email", "priority": "normal", "abandoned": False,
           "arrived_at": datetime(2024, 3, 30, 12, tzinfo=berlin),
           "first_response_at": datetime(2024, 3, 31, 12, tzinfo=berlin)}
    s = f.contact_stats([row])
    assert s.async_stats("normal").first_response_minutes.as_dict() == {23 * 60: 1}
    assert s.answered_wait.as_dict() == {23 * 3600: 1}
    assert compute("first_response_within", s, {"threshold": "23h"}).value == 1.0
    # FCR windows are real days too: a repeat 7 × 24 h later (wall clock 7 d 1 h) is inside
    a = {"customer_ref": "A", "outcome": "resolved", "arrived_at": datetime(2024, 3, 28, 12,
                                                                            tzinfo=berlin)}
    b = {"customer_ref": "A", "outcome": "pending", "arrived_at": datetime(2024, 4, 4, 13,
                                                                           tzinfo=berlin)}
    assert f.fcr_counts([a, b]).first_contact_resolved == 0
    with pytest.raises(ValueError, match="aware"):
        f.contact_stats([{**row, "arrived_at": datetime(2024, 3, 30, 12)}])


def test_result_as_dict(sv):
    d = compute("service_level", sv).as_dict()
    assert d["value"] == 0.375 and d["numerator"] == 3 and d["denominator"] == 8
    assert set(d) >= {"ci_low", "ci_high", "params"}


def test_params_from_command_line_text():
    got = f.params_from_text(["service_level", "abandon_rate", "first_response_within", "fcr"],
                             ["short_abandon_seconds=10", "threshold=urgent:2h, normal:1d",
                              "business_hours=yes", "same_reason=false", "variant=answered_only"])
    assert got["service_level"] == {"threshold_seconds": 20, "short_abandon_seconds": 10,
                                     "variant": "answered_only"}
    assert got["abandon_rate"] == {"short_abandon_seconds": 10}
    assert got["first_response_within"] == {"threshold": {"urgent": 7200, "normal": 86400},
                                             "business_hours": True}
    assert got["fcr"] == {"window_days": 7, "same_reason": False}
    assert f.params_from_text(["csat"], []) == {"csat": {"scale": 5, "top_box": 2}}
    assert f.params_from_text(["qa_pass_rate"], ["pass_mark=85.5"]) == {
        "qa_pass_rate": {"pass_mark": 85.5}}
    for keys, pairs, match in ((["csat"], ["window_days=3"], "no selected metric"),
                               (["csat"], ["scale"], "key=value"),
                               (["csat"], ["scale=five"], "expected a number"),
                               (["fcr"], ["same_reason=maybe"], "true or false"),
                               (["resolution_within"], ["threshold=urgent:4h,normal"],
                                "urgent:4h"),
                               (["resolution_within"], ["threshold=rush:4h"], "priority"),
                               (["service_level"], ["threshold_seconds=2.5"], "whole number")):
        with pytest.raises(ParamError, match=match):
            f.params_from_text(keys, pairs)
    with pytest.raises(KeyError):
        f.params_from_text(["happiness"], [])
