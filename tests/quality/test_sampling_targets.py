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


def test_negative_sentiment_target(mixed_week, published_scorecard):
    """Contacts whose customer used at least N negative-emotion terms (negations not counted)
    are drawn in addition, reproducibly, and only among visible contacts."""
    world = mixed_week
    import_contacts(world, world.vendor_a, world.shared, [
        {"external_id": f"SENT-{i}", "channel": "chat", "agent_code": "amy-code",
         "arrived_at": "2025-03-06T09:00:00+08:00", "transcript": text}
        for i, text in enumerate([
            "customer: 太失望了，我要投诉\nagent: 非常抱歉",  # 2 terms
            "customer: I am not angry, just not happy to wait\nagent: sorry",  # negated: 0
            "customer: 很生气\nagent: 抱歉",  # 1 term
            "customer: ridiculous, useless, the worst service\nagent: sorry",  # 3 terms
            "agent: whatever, shut up\ncustomer: ok",  # agent rudeness is not customer sentiment
        ])], "sentiment")
    import_contacts(world, world.vendor_b, world.shared, [
        {"external_id": "B-ANGRY", "channel": "chat", "agent_code": "bella-code",
         "arrived_at": "2025-03-06T09:00:00+08:00", "transcript": "customer: 太失望了，我要投诉，垃圾"}], "b-angry")
    analyst = world.user("qa_analyst")
    plan = services.plan_create(actor=analyst, scorecard=published_scorecard, name="angry customers",
                                per_agent_per_week=10, seed=5, targets=["negative_sentiment"],
                                negative_sentiment_min=2)
    from steward.interactions.models import Interaction

    week = Interaction.objects.filter(project=world.shared, abandoned=False).exclude(agent_code="")
    assert services._targeted(plan, week) == set(
        Interaction.objects.filter(external_id__in=["SENT-0", "SENT-3", "B-ANGRY"]).values_list("pk", flat=True))
    # Never outside what the reader may see: vendor A's manager has no access to B-ANGRY.
    seen_by_a = week.filter(pk__in=Interaction.objects.visible_to(world.user("a-manager")).values("pk"))
    assert "B-ANGRY" not in set(Interaction.objects.filter(pk__in=services._targeted(plan, seen_by_a))
                                .values_list("external_id", flat=True))
    draw(world, plan)
    first = drawn(plan)
    assert {"SENT-0", "SENT-3"} <= set(first) and "B-ANGRY" in first  # a client analyst sees both vendors
    Evaluation.objects.filter(plan=plan).delete()
    draw(world, plan)
    assert drawn(plan) == first  # reproducible from the stored seed
    with pytest.raises(ValidationError):
        services.plan_create(actor=analyst, scorecard=published_scorecard, name="bad", per_agent_per_week=1,
                             targets=["negative_sentiment"], negative_sentiment_min=0)
