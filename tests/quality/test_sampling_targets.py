"""Sampling plans: strata (channel / queue / outcome) and targeted rules, reproducible from the
stored seed and within the analyst's visibility."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from steward.quality import services
from steward.quality.models import Evaluation

from .conftest import import_contacts

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_week(world, contacts):
    """Amy's week of 2025-03-03: six chats and six emails, two complaints, one CSAT 1, one long call."""
    rows = []
    for i in range(12):
        row = {"external_id": f"MIX-{i}", "channel": "chat" if i % 2 else "email", "agent_code": "amy-code",
               "arrived_at": f"2025-03-05T{10 + i % 10:02d}:0{i % 6}:00+08:00", "talk_seconds": 120}
        if i in (3, 4):
            row["complaint"] = "true"
        if i == 5:
            row["csat"] = 1
        if i == 6:
            row["talk_seconds"] = 2000
        rows.append(row)
    import_contacts(world, world.vendor_a, world.shared, rows, "mixed")
    return world


def drawn(plan):
    return sorted(Evaluation.objects.filter(plan=plan).values_list("interaction__external_id", flat=True))


def draw(world, plan):
    analyst = world.user("qa_analyst")
    return services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 3),
                              date_to=dt.date(2025, 3, 9))


def test_stratified_plan_draws_n_per_channel(mixed_week, published_scorecard):
    world = mixed_week
    plan = services.plan_create(actor=world.user("qa_analyst"), scorecard=published_scorecard, name="by channel",
                                per_agent_per_week=2, seed=7, stratify_by="channel")
    draw(world, plan)
    from steward.interactions.models import Interaction

    amy = Interaction.objects.filter(evaluations__plan=plan, agent_code="amy-code")
    assert amy.filter(channel="chat").count() == 2 and amy.filter(channel="email").count() == 2
    first = drawn(plan)
    Evaluation.objects.filter(plan=plan).delete()
    draw(world, plan)
    assert drawn(plan) == first  # reproducible from the stored seed


def test_targeted_contacts_are_drawn_in_addition(mixed_week, published_scorecard):
    world = mixed_week
    plain = services.plan_create(actor=world.user("qa_analyst"), scorecard=published_scorecard, name="plain",
                                 per_agent_per_week=1, seed=3)
    draw(world, plain)
    base = set(drawn(plain))
    Evaluation.objects.filter(plan=plain).delete()
    targeted = services.plan_create(actor=world.user("qa_analyst"), scorecard=published_scorecard, name="targeted",
                                    per_agent_per_week=10, seed=3, targets=["complaint", "low_csat", "long_handle"],
                                    long_handle_seconds=1800)
    draw(world, targeted)
    ids = set(drawn(targeted))
    assert {"MIX-3", "MIX-4", "MIX-5", "MIX-6"} <= ids
    assert base  # the plain plan drew something too
    with pytest.raises(ValidationError):
        services.plan_create(actor=world.user("qa_analyst"), scorecard=published_scorecard, name="bad",
                             per_agent_per_week=1, targets=["sentiment-of-the-moon"])


def test_targeted_draw_never_leaves_the_analysts_visibility(mixed_week, published_scorecard):
    world = mixed_week
    import_contacts(world, world.vendor_b, world.shared, [
        {"external_id": "B-COMPLAINT", "channel": "chat", "agent_code": "bella-code", "complaint": "true",
         "arrived_at": "2025-03-05T09:00:00+08:00"}], "b-complaint")
    plan = services.plan_create(actor=world.user("qa_analyst"), scorecard=published_scorecard, name="complaints",
                                per_agent_per_week=5, seed=1, targets=["complaint"])
    analyst = world.user("qa_analyst")
    services.plan_draw(actor=analyst, plan=plan, analyst=analyst, date_from=dt.date(2025, 3, 3),
                       date_to=dt.date(2025, 3, 9))
    assert "B-COMPLAINT" in drawn(plan)  # client-side analysts see every vendor
