"""qa_score and qa_pass_rate from the quality app's evaluations: hand-computed values for every
grouping and scope, which evaluations count (submitted at their final score, never drafts), the
contact's arrival as the period, SLA terms, the API/CLI JSON and a cross-check against a direct
computation from the evaluation rows (and quality's own per-day figures)."""

import datetime as dt
import io
import json
import random
import statistics
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from scipy import stats as scipy_stats

from steward.core.roles import Role
from steward.interactions import services as interactions
from steward.interactions.models import Agent, Interaction
from steward.metrics import engine, qa, selectors, services, sla
from steward.quality import selectors as quality_selectors
from steward.quality import services as quality
from steward.quality.forms import EXAMPLE_SCORECARD
from steward.quality.models import Evaluation

pytestmark = pytest.mark.django_db
TZ = "Asia/Shanghai"
MARCH = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), TZ)
SPRING = engine.period(dt.date(2025, 3, 1), dt.date(2025, 4, 30), TZ)

# The example scorecard: greeting (yes/no, weight 10), accuracy (1–5, weight 30), privacy
# (yes/no, weight 20, auto-fail). Score = 100 × earned / 60.
S100 = {"greeting": ("yes", ""), "accuracy": ("5", ""), "privacy": ("yes", "")}  # 60/60 = 100
S58 = {"greeting": ("no", ""), "accuracy": ("3", ""), "privacy": ("yes", "")}  # 35/60 = 58.33
S87 = {"greeting": ("yes", ""), "accuracy": ("4", ""), "privacy": ("yes", "")}  # 52.5/60 = 87.50
S83 = {"greeting": ("no", ""), "accuracy": ("5", ""), "privacy": ("yes", "")}  # 50/60 = 83.33
S50 = {"greeting": ("yes", ""), "accuracy": ("1", ""), "privacy": ("yes", "")}  # 30/60 = 50.00
FAIL = {"greeting": ("yes", ""), "accuracy": ("5", ""), "privacy": ("no", "")}  # auto-fail: 0

CONTACTS = [  # external id, vendor, queue, channel, priority, agent, local arrival
    ("A1", "a", "q1", "email", "normal", "amy", "2025-03-03T09:00"),
    ("A2", "a", "q1", "email", "normal", "amy", "2025-03-04T10:00"),
    ("A3", "a", "q2", "ticket", "urgent", "arlo", "2025-03-10T11:00"),
    ("A4", "a", "q2", "ticket", "normal", "arlo", "2025-03-31T23:30"),  # late on the month's last day
    ("A5", "a", "q1", "email", "normal", "amy", "2025-04-01T00:10"),  # April, though 16:10 UTC on 3-31
    ("A6", "a", "q1", "email", "normal", "amy", "2025-03-05T09:00"),  # a draft: never counted
    ("B1", "b", "q1", "email", "normal", "bella", "2025-03-03T15:00"),  # disputed, re-reviewed: final 100
    ("B2", "b", "q1", "email", "normal", "bella", "2025-03-05T08:00"),  # disputed, pending: counts at 50
]


@pytest.fixture
def qa_world(world, make_user):
    analyst = world.user("qa_analyst")
    reviewer = make_user("qa-second", Role.QA_ANALYST)
    project = world.shared
    for vendor, letter in ((world.vendor_a, "a"), (world.vendor_b, "b")):
        rows = [{"external_id": x, "queue": q, "channel": ch, "priority": pr, "agent_code": ag,
                 "arrived_at": f"{at}:00+08:00", "ended_at": f"{at}:00+08:00"}
                for x, v, q, ch, pr, ag, at in CONTACTS if v == letter]
        result = interactions.import_records(actor=None, project=project, vendor=vendor, records=rows,
                                             idempotency_key=f"qa-{letter}", allow_rejects=False)
        assert result.inserted == len(rows)
    Agent.objects.filter(vendor=world.vendor_a, code="amy").update(user=world.user("a-agent1"))
    scorecard = quality.scorecard_create(actor=analyst, project=project, code="std", source=EXAMPLE_SCORECARD)
    quality.version_publish(actor=analyst, version=scorecard.versions.get())
    contacts = {i.external_id: i for i in Interaction.objects.filter(project=project)}

    def evaluate(ref, answers, submit=True):
        e = quality.evaluation_assign(actor=analyst, interaction=contacts[ref], analyst=analyst, scorecard=scorecard)
        return quality.evaluation_save(actor=analyst, evaluation=e, answers=answers, submit=submit)

    for ref, answers in (("A1", S100), ("A2", S58), ("A3", S87), ("A4", FAIL), ("A5", S100)):
        evaluate(ref, answers)
    evaluate("A6", S100, submit=False)
    b1, b2 = evaluate("B1", S83), evaluate("B2", S50)
    dispute = quality.evaluation_dispute(actor=world.user("b-manager"), evaluation=b1, reason="greeting was given")
    quality.dispute_review(actor=reviewer, dispute=dispute, answers=S100, comment="agreed")
    quality.evaluation_dispute(actor=world.user("b-manager"), evaluation=b2, reason="unfair")
    scores = dict(Evaluation.objects.values_list("interaction__external_id", "score"))
    assert scores == {"A1": Decimal("100.00"), "A2": Decimal("58.33"), "A3": Decimal("87.50"), "A4": Decimal("0.00"),
                      "A5": Decimal("100.00"), "A6": Decimal("100.00"), "B1": Decimal("100.00"),
                      "B2": Decimal("50.00")}
    statuses = dict(Evaluation.objects.values_list("interaction__external_id", "status"))
    assert statuses["A6"] == "assigned" and statuses["B1"] == "final" and statuses["B2"] == "disputed"
    return project


def results(user, project, period=MARCH, grouping="total", pass_mark=80, **kw):
    rows = engine.measure(user=user, project=project, period=period, grouping=grouping,
                          metrics={"qa_score": None, "qa_pass_rate": {"pass_mark": pass_mark}}, **kw)
    return {tuple(r.group.values()): (r.results["qa_score"], r.results["qa_pass_rate"]) for r in rows}


def test_vendor_months_by_hand(world, qa_world):
    admin = world.user("client_admin")
    by_vendor = results(admin, qa_world, grouping="vendor")
    score, passed = by_vendor[("alpha",)]
    # A1 100, A2 58.33, A3 87.50, A4 0 (auto-fail, arrived 23:30 local on 31 March); A5 is April's,
    # A6 a draft.
    assert (score.n, score.numerator, score.denominator) == (4, 245.83, 4)
    assert score.value == pytest.approx(61.4575)
    # sd of (100, 58.33, 87.5, 0) = 44.5364…; t(3) = 3.1824 → ±70.87: clipped to the scale 0…100
    assert (score.interval_low, score.interval_high) == (0, 100)
    assert (passed.numerator, passed.denominator, passed.value) == (2, 4, 0.5)  # 100 and 87.5 ≥ 80
    # B1 counts at its re-reviewed (final) 100, B2 under dispute at its submitted 50.
    score_b, passed_b = by_vendor[("bravo",)]
    assert (score_b.n, score_b.value) == (2, 75.0) and (passed_b.numerator, passed_b.denominator) == (1, 2)
    [(total, total_pass)] = results(admin, qa_world).values()
    assert total.n == 6 and total.value == pytest.approx(395.83 / 6)
    assert (total_pass.numerator, total_pass.denominator) == (3, 6)


def test_pass_mark_is_inclusive_at_any_mark(world, qa_world):
    admin = world.user("client_admin")
    for mark, passes in ((58.33, 4), (58.34, 3), (87.5, 3), (0, 6), (100, 2), (50, 5)):
        [(_s, p)] = results(admin, qa_world, pass_mark=mark).values()
        assert (p.numerator, p.denominator) == (passes, 6), mark


def test_every_grouping_and_scope_by_hand(world, qa_world):
    admin = world.user("client_admin")
    mean = lambda r: round(r[0].value, 4)  # noqa: E731
    by_queue = results(admin, qa_world, grouping="queue")
    assert {k: (v[0].n, mean(v)) for k, v in by_queue.items()} == {
        ("q1",): (4, round((100 + 58.33 + 100 + 50) / 4, 4)), ("q2",): (2, 43.75)}
    by_agent = results(admin, qa_world, grouping="agent")
    assert {k: (v[0].n, mean(v)) for k, v in by_agent.items()} == {
        ("amy",): (2, 79.165), ("arlo",): (2, 43.75), ("bella",): (2, 75.0)}
    by_channel = results(admin, qa_world, grouping="channel")
    assert {k: v[0].n for k, v in by_channel.items()} == {("email",): 4, ("ticket",): 2}
    by_day = results(admin, qa_world, grouping="day")
    assert {k[0].isoformat(): (v[0].n, mean(v)) for k, v in by_day.items()} == {
        "2025-03-03": (2, 100.0), "2025-03-04": (1, 58.33), "2025-03-05": (1, 50.0),
        "2025-03-10": (1, 87.5), "2025-03-31": (1, 0.0)}
    by_week = results(admin, qa_world, grouping="week")
    assert {k[0].isoformat(): v[0].n for k, v in by_week.items()} == {
        "2025-03-03": 4, "2025-03-10": 1, "2025-03-31": 1}
    by_month = results(admin, qa_world, period=SPRING, grouping="month")
    assert {k[0].isoformat(): (v[0].n, v[1].numerator) for k, v in by_month.items()} == {
        "2025-03-01": (6, 3), "2025-04-01": (1, 1)}
    urgent = results(admin, qa_world, scope={"priority": "urgent"})
    assert [(v[0].n, v[0].value) for v in urgent.values()] == [(1, 87.5)]
    scoped = results(admin, qa_world, scope={"queue": "q1", "channel": "email", "agent_code": ["amy", "bella"]},
                     vendors=["bravo"])
    assert [(v[0].n, v[0].value) for v in scoped.values()] == [(2, 75.0)]


def test_zero_evaluations_are_null_with_a_reason(world, qa_world):
    admin = world.user("client_admin")
    empty = engine.period(dt.date(2025, 5, 1), dt.date(2025, 5, 31), TZ)
    [(score, passed)] = results(admin, qa_world, period=empty).values()
    assert score.value is None and score.reason == "zero_denominator" and score.n == 0
    assert passed.value is None and passed.reason == "zero_denominator"


def test_vendor_and_agent_users_see_only_their_own_evaluations(world, qa_world):
    assert set(results(world.user("a-manager"), qa_world, grouping="vendor")) == {("alpha",)}
    [(score, _p)] = results(world.user("a-manager"), qa_world, vendors=["bravo"]).values()
    assert score.n == 0  # asking for the other vendor gives nothing, not its numbers
    [(mine, _p)] = results(world.user("a-agent1"), qa_world).values()  # amy: A1 and A2
    got = qa.qa_stats(user=world.user("a-agent1"), project=qa_world, period=MARCH)[()]
    assert mine.n == 2 and got.scores_centi.as_dict() == {5833: 1, 10000: 1}


def test_sla_terms_alerts_and_portfolio_measure_qa(world, qa_world):
    admin = world.user("client_admin")
    policy = sla.parse_policy("""sla: qa
version: 1
at_risk_percent: 10
terms:
  - metric: qa_score
    target: ">= 70"
    allocation_percent: 50
  - metric: qa_pass_rate
    params: {pass_mark: 58}
    scope: {channel: email}
    target: ">= 0.9"
    allocation_percent: 50
""")
    ev = selectors.evaluate_period(user=admin, project=qa_world, policy=policy, vendor="alpha", kind="month",
                                   day=dt.date(2025, 3, 1), fee=Decimal("1000"))
    score, passes = ev.evaluation.terms
    assert score.result.value == pytest.approx(61.4575) and score.status == "missed"
    # email contacts of alpha in March: A1 100, A2 58.33, both ≥ 58
    assert (passes.result.numerator, passes.result.denominator) == (2, 2) and passes.status == "met"
    services.sla_policy_save(actor=admin, project=qa_world, text="""sla: qa
version: 1
at_risk_percent: 10
terms:
  - metric: qa_score
    target: ">= 70"
    allocation_percent: 100
""")
    [block] = selectors.portfolio(user=admin, first=dt.date(2025, 3, 1), last=dt.date(2025, 3, 31),
                                  projects=[qa_world])
    tiles = {row["vendor"].code: {t.metric: t for t in row["tiles"]} for row in block["vendors"]}
    assert tiles["alpha"]["qa_score"].result.value == pytest.approx(61.4575)
    assert tiles["alpha"]["qa_score"].colour in ("red", "amber")
    assert tiles["bravo"]["qa_score"].result.value == 75.0 and tiles["bravo"]["qa_score"].colour == "green"


def test_cli_and_api_json_carry_qa(client, world, qa_world, settings):
    out = io.StringIO()
    call_command("kpi", "--project", qa_world.code, "--from", "2025-03-01", "--to", "2025-03-31", "--by", "vendor",
                 "--metrics", "qa_score,qa_pass_rate", "--param", "pass_mark=87.5", "--json", stdout=out)
    rows = {r["group"]["vendor"]: r["metrics"] for r in json.loads(out.getvalue())}
    assert rows["alpha"]["qa_pass_rate"]["numerator"] == 2 and rows["alpha"]["qa_pass_rate"]["params"] == {
        "pass_mark": 87.5}
    assert rows["bravo"]["qa_score"]["value"] == 75.0 and rows["bravo"]["qa_score"]["denominator"] == 2
    client.force_login(world.user("outsourcing_manager"))
    page = client.get(f"/metrics/{qa_world.code}/", {"date_from": "2025-03-01", "date_to": "2025-03-31"},
                      HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="kpi-qa_score-alpha"' in html
    cell = html.split('data-testid="kpi-qa_score-alpha"')[1].split("</td>")[0]
    assert "61.46" in cell
    # the breakdown by agent carries each agent's QA score (arlo: 87.50 and 0 → 43.75)
    by_agent = client.get(f"/metrics/{qa_world.code}/", {"date_from": "2025-03-01", "date_to": "2025-03-31",
                                                           "by": "agent"}).content.decode()
    row = by_agent.split('data-testid="breakdown"')[1].split(">arlo<")[1].split("</tr>")[0]
    assert row.rstrip().endswith("</td>") and "43.75" in row.split("<td")[-1]


# ---------------------------------------------------------------- cross-check on random data

@pytest.fixture
def random_qa(world, make_user):
    """Forty contacts over two months and two vendors, evaluated with random answers; some are
    disputed (and some of those re-reviewed), some left as drafts."""
    rng = random.Random(4242)
    analyst, reviewer = world.user("qa_analyst"), make_user("qa-other", Role.QA_ANALYST)
    project = world.shared
    start = dt.datetime(2025, 3, 1, tzinfo=zoneinfo.ZoneInfo(TZ))
    for vendor in (world.vendor_a, world.vendor_b):
        rows = [{"external_id": f"R-{vendor.code}-{i}", "queue": rng.choice(["q1", "q2", ""]),
                 "channel": rng.choice(["email", "ticket"]), "priority": rng.choice(["urgent", "normal", "low"]),
                 "direction": rng.choice(["inbound", "inbound", "outbound"]),
                 "agent_code": rng.choice(["x1", "x2", "x3"]),
                 "arrived_at": (start + dt.timedelta(minutes=rng.randrange(0, 61 * 1440))).isoformat()}
                for i in range(20)]
        interactions.import_records(actor=None, project=project, vendor=vendor, records=rows,
                                    idempotency_key=f"rq-{vendor.code}", allow_rejects=False)
    scorecard = quality.scorecard_create(actor=analyst, project=project, code="rnd", source=EXAMPLE_SCORECARD)
    quality.version_publish(actor=analyst, version=scorecard.versions.get())

    def answers():
        return {"greeting": (rng.choice(["yes", "no"]), ""), "accuracy": (str(rng.randint(1, 5)), ""),
                "privacy": (rng.choice(["yes", "yes", "yes", "no"]), "")}

    for contact in Interaction.objects.filter(project=project).select_related("vendor").order_by("external_id"):
        e = quality.evaluation_assign(actor=analyst, interaction=contact, analyst=analyst, scorecard=scorecard)
        e = quality.evaluation_save(actor=analyst, evaluation=e, answers=answers(), submit=rng.random() < 0.85)
        if e.status == "submitted" and rng.random() < 0.3:
            manager = world.user("a-manager" if contact.vendor == world.vendor_a else "b-manager")
            d = quality.evaluation_dispute(actor=manager, evaluation=e, reason="no")
            if rng.random() < 0.5:
                quality.dispute_review(actor=reviewer, dispute=d, answers=answers(), comment="re-scored")
    return project


def direct(project, period, key_of, **filters):
    """The reference: evaluation rows → per group, the list of scores (plain Python)."""
    tz = zoneinfo.ZoneInfo(TZ)
    rows = Evaluation.objects.filter(interaction__project=project, **filters).values(
        "status", "score", "vendor__code", "interaction__queue", "interaction__channel", "interaction__priority",
        "interaction__agent_code", "interaction__arrived_at")
    groups: dict = {}
    for r in rows:
        if r["status"] == "assigned" or r["score"] is None:
            continue
        if not period.start <= r["interaction__arrived_at"] < period.end:
            continue
        r["local"] = r["interaction__arrived_at"].astimezone(tz).date()
        groups.setdefault(key_of(r), []).append(r["score"])
    return groups


KEYS = {
    "total": lambda r: (),
    "day": lambda r: (r["local"],),
    "week": lambda r: (r["local"] - dt.timedelta(days=r["local"].weekday()),),
    "month": lambda r: (r["local"].replace(day=1),),
    "vendor": lambda r: (r["vendor__code"],),
    "queue": lambda r: (r["interaction__queue"],),
    "channel": lambda r: (r["interaction__channel"],),
    "agent": lambda r: (r["interaction__agent_code"],),
}


def test_engine_equals_a_direct_computation_from_the_evaluation_rows(world, random_qa):
    admin = world.user("client_admin")
    assert Evaluation.objects.filter(status="final").exists() and Evaluation.objects.filter(status="disputed").exists()
    for grouping, key_of in KEYS.items():
        expected = direct(random_qa, SPRING, key_of)
        got = results(admin, random_qa, period=SPRING, grouping=grouping, pass_mark=75)
        got = {k: v for k, v in got.items() if v[0].n}
        assert set(got) == set(expected), grouping
        for key, scores in expected.items():
            score, passed = got[key]
            assert score.n == len(scores), (grouping, key)
            assert score.value == pytest.approx(float(statistics.fmean(scores)))
            if len(scores) > 1:
                half = float(scipy_stats.t.ppf(0.975, len(scores) - 1)) * statistics.stdev(
                    map(float, scores)) / len(scores) ** 0.5
                assert score.interval_low == pytest.approx(max(0.0, float(statistics.fmean(scores)) - half))
            assert passed.numerator == sum(1 for s in scores if s >= 75)
    expected = direct(random_qa, MARCH, KEYS["total"], interaction__priority="low", vendor__code="alpha")
    [(score, _p)] = results(admin, random_qa, scope={"priority": "low"}, vendors=["alpha"]).values()
    assert score.n == len(expected.get((), []))


def test_engine_agrees_with_quality_per_day_figures(world, random_qa):
    """quality.selectors.qa_scores (the quality app's own report) counts the same evaluations on
    the same contact-arrival days, at the scorecard's pass mark (80)."""
    admin = world.user("client_admin")
    by_day = results(admin, random_qa, period=SPRING, grouping="day", pass_mark=80)
    theirs = quality_selectors.qa_scores(random_qa, None, SPRING.first, SPRING.last)
    assert theirs and {d.day: d.evaluated for d in theirs} == {k[0]: v[0].n for k, v in by_day.items() if v[0].n}
    for d in theirs:
        score, passed = by_day[(d.day,)]
        assert Decimal(str(score.numerator)).quantize(Decimal("0.01")) == d.score_sum
        assert passed.numerator == d.passed
