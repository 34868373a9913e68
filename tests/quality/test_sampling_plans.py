"""Sampling plans draw reproducibly, within visibility, N per agent per week; the QA report
flags figures resting on too few evaluations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from steward.quality import selectors, services
from steward.quality.models import Evaluation

from .conftest import import_contacts

pytestmark = pytest.mark.django_db
GOOD = {"greeting": ("yes", ""), "accuracy": ("5", ""), "privacy": ("yes", "")}


@pytest.fixture
def busy_week(world, contacts):
    """Six more contacts for Amy in the week of 2025-03-03 (Shanghai), two in the next week."""
    rows = [{"external_id": f"WEEK-amy-{i}", "channel": "email", "agent_code": "amy-code",
             "arrived_at": f"2025-03-05T1{i}:00:00+08:00"} for i in range(6)]
    rows += [{"external_id": f"NEXT-amy-{i}", "channel": "email", "agent_code": "amy-code",
              "arrived_at": "2025-03-10T09:00:00+08:00"} for i in range(2)]
    import_contacts(world, world.vendor_a, world.shared, rows, "busy-week")
    return world


def drawn_ids(plan):
    return sorted(Evaluation.objects.filter(plan=plan).values_list("interaction__external_id", flat=True))


def test_a_draw_is_reproducible_and_capped(busy_week, published_scorecard):
    world, analyst = busy_week, busy_week.user("qa_analyst")
    plan = services.plan_create(actor=analyst, scorecard=published_scorecard, name="weekly", per_agent_per_week=2,
                                seed=12345)
    result = services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 1),
                                date_to=dt.date(2025, 3, 16))
    first = drawn_ids(plan)
    # amy: 2 of 8 in week 10 + 2 of 2 in week 11; arlo: 2 of 2; bella (vendor B): 1
    assert result.candidates == 13 and result.drawn == 7 and len(result.created) == 7
    assert sum(1 for x in first if x.startswith("NEXT-")) == 2
    again = services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 1),
                               date_to=dt.date(2025, 3, 16))
    assert again.drawn == 7 and again.created == [] and drawn_ids(plan) == first
    # the same seed on a fresh scorecard version draws the same contacts
    Evaluation.objects.filter(plan=plan).delete()
    services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 1),
                       date_to=dt.date(2025, 3, 16))
    assert drawn_ids(plan) == first
    assert all(e.analyst == analyst and e.status == Evaluation.Status.ASSIGNED for e in Evaluation.objects.filter(plan=plan))


def test_the_project_time_zone_decides_the_day(busy_week, published_scorecard):
    analyst = busy_week.user("qa_analyst")
    plan = services.plan_create(actor=analyst, scorecard=published_scorecard, name="day", per_agent_per_week=50, seed=1)
    # QA-amy-3 arrived 2025-03-03 09:00 Shanghai = 01:00 UTC: inside 3 March only
    services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 3),
                       date_to=dt.date(2025, 3, 3))
    assert drawn_ids(plan) == ["QA-BELLA-1", "QA-amy-3", "QA-arlo-3"]


def test_bad_draw_input(busy_week, published_scorecard):
    analyst = busy_week.user("qa_analyst")
    plan = services.plan_create(actor=analyst, scorecard=published_scorecard, name="p", per_agent_per_week=1)
    assert plan.seed >= 0
    with pytest.raises(ValidationError):
        services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 5),
                           date_to=dt.date(2025, 3, 1))
    with pytest.raises(ValidationError):
        services.plan_draw(actor=analyst, plan=plan, analyst=busy_week.user("finance"),
                           date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 5))
    with pytest.raises(ValidationError):
        services.plan_create(actor=analyst, scorecard=published_scorecard, name="", per_agent_per_week=0)


def test_plan_pages(client, busy_week, published_scorecard):
    analyst = busy_week.user("qa_analyst")
    client.force_login(analyst)
    assert client.get(reverse("quality:plan-list")).status_code == 200
    assert client.get(reverse("quality:plan-create")).status_code == 200
    response = client.post(reverse("quality:plan-create"), {"scorecard": published_scorecard.pk, "name": "Weekly",
                                                             "per_agent_per_week": 3, "seed": 99})
    assert response.status_code == 302
    plan = selectors.plan_list(user=analyst).get()
    assert plan.seed == 99
    url = plan.get_absolute_url()
    assert client.post(url, {"analyst": analyst.pk, "date_from": "2025-03-09", "date_to": "2025-03-01"}).status_code == 400
    assert client.post(url, {"analyst": analyst.pk, "date_from": "nonsense", "date_to": ""}).status_code == 400
    assert client.post(url, {"analyst": analyst.pk, "date_from": "2025-03-01", "date_to": "2025-03-16"}).status_code == 302
    assert Evaluation.objects.filter(plan=plan).count() == 3 + 2 + 2 + 1
    client.force_login(busy_week.user("a-manager"))
    assert client.get(url).status_code == 403


def test_report_flags_too_few_evaluations(client, world, contacts, published_scorecard):
    analyst = world.user("qa_analyst")
    for external_id in ("QA-amy-3", "QA-amy-4", "QA-BELLA-1"):
        evaluation = services.evaluation_assign(actor=analyst, interaction=contacts[external_id], analyst=analyst,
                                                scorecard=published_scorecard)
        services.evaluation_save(actor=analyst, evaluation=evaluation, answers=GOOD, submit=True)
    rows = selectors.qa_report(user=analyst, by="vendor")
    assert [(r.key, r.evaluations, r.mean) for r in rows] == [("Alpha Callcenter", 2, 100.0), ("Bravo Secretcorp", 1, 100.0)]
    assert all(r.too_few for r in rows)
    assert [r.key for r in selectors.qa_report(user=world.user("a-manager"), by="agent")] == ["Alpha Callcenter · amy-code"]
    client.force_login(world.user("a-manager"))
    page = client.get(reverse("quality:report") + "?by=agent").content.decode()
    assert 'data-testid="too-few"' in page and "Bravo" not in page
    assert client.get(reverse("quality:report") + "?by=<x>&project=nope").status_code == 200
    assert client.get(reverse("quality:report") + "?project=%00").status_code == 400  # never a 500
    assert rows[0].pass_rate == 1.0 and rows[0].mean_margin == 0.0 and Decimal(rows[0].mean) == 100


def test_report_figures_by_hand():
    from steward.quality.reporting import figures

    row = figures("x", [Decimal(80), Decimal(90), Decimal(70)], [True, True, False])
    # sd 10, t(0.975, 2) = 4.302653: 4.302653 × 10 / √3 = 24.84
    assert row.mean == 80.0 and round(row.mean_margin, 2) == 24.84
    assert row.mean_warning.needed > 3 and row.rate_warning is not None and row.too_few
    single = figures("y", [Decimal(95)], [True])
    assert single.mean_margin == float("inf") and single.mean_warning is None and single.rate_warning is not None
    plenty = figures("z", [Decimal(80), Decimal(100)] * 200, [True] * 400)
    assert not plenty.too_few and plenty.needed == 0


def test_a_share_plan(busy_week, published_scorecard):
    analyst = busy_week.user("qa_analyst")
    plan = services.plan_create(actor=analyst, scorecard=published_scorecard, name="quarter", per_agent_per_week=1,
                                seed=5, share_percent=Decimal("25"))
    result = services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 1),
                                date_to=dt.date(2025, 3, 16))
    # amy week 10: ⌈8/4⌉ = 2, amy week 11: ⌈2/4⌉ = 1, arlo: ⌈2/4⌉ = 1, bella: ⌈1/4⌉ = 1
    assert result.drawn == 5
    with pytest.raises(ValidationError):
        services.plan_create(actor=analyst, scorecard=published_scorecard, name="too much", per_agent_per_week=1,
                             share_percent=Decimal("150"))
