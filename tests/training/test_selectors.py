from datetime import date

import pytest
from django.core.exceptions import ValidationError

from steward.interactions.models import Agent
from steward.training import selectors
from tests.training import factories as f

DAY = date(2026, 11, 23)


@pytest.fixture
def setup(world):
    product = f.course("product-basics")
    refresher = f.course("monthly-refresh", refresher_months=1)
    other = f.course("unrelated")
    f.require(world.project_a, product, refresher)
    agents = {code: f.agent(world.vendor_a, code, world.project_a) for code in ("full", "expired", "partial", "none", "left")}
    for code in ("full", "expired", "partial", "left"):
        f.certify(agents[code], product, date(2026, 1, 5))
    f.certify(agents["full"], refresher, date(2026, 11, 1), date(2026, 12, 1))
    f.certify(agents["left"], refresher, date(2026, 11, 1), date(2026, 12, 1))
    f.certify(agents["expired"], refresher, date(2026, 9, 1), date(2026, 10, 1))
    f.certify(agents["partial"], other, date(2026, 9, 1))
    Agent.objects.filter(pk=agents["left"].pk).update(status=Agent.Status.LEFT)
    return product, refresher, agents


def test_required_trainings_lists_the_projects_courses(world, setup):
    product, refresher, _ = setup
    assert list(selectors.required_trainings(world.project_a)) == [refresher, product]
    assert list(selectors.required_trainings(world.project_b)) == []


def test_certified_agent_count_counts_only_valid_complete_certification(world, setup):
    _, _, agents = setup
    assert selectors.certified_agent_count(world.project_a, on=DAY) == 1
    assert list(selectors.certified_agents(world.project_a, on=DAY)) == [agents["full"]]
    # The last valid day is inclusive; the day after, the monthly refresher has lapsed.
    assert selectors.certified_agent_count(world.project_a, on=date(2026, 12, 1)) == 1
    assert selectors.certified_agent_count(world.project_a, on=date(2026, 12, 2)) == 0
    # In September the "expired" agent's refresher was still valid.
    assert selectors.certified_agent_count(world.project_a, on=date(2026, 9, 15)) == 1
    assert selectors.certified_agents(world.project_a, on=date(2026, 9, 15)).get() == agents["expired"]


def test_without_requirements_every_assigned_agent_counts(world):
    f.agent(world.vendor_b, "b1", world.project_b)
    f.agent(world.vendor_b, "b2", world.project_b, status=Agent.Status.INACTIVE)
    assert selectors.certified_agent_count(world.project_b) == 1


def test_count_per_vendor_on_a_shared_project(world):
    c = f.course("shared-course")
    f.require(world.shared, c)
    a1 = f.agent(world.vendor_a, "sa1", world.shared)
    b1 = f.agent(world.vendor_b, "sb1", world.shared)
    f.certify(a1, c, DAY)
    f.certify(b1, c, DAY)
    f.agent(world.vendor_b, "sb2", world.shared)
    assert selectors.certified_agent_count(world.shared, on=DAY) == 2
    assert selectors.certified_agent_count(world.shared, on=DAY, vendor=world.vendor_b) == 1


def test_the_gate_refuses_activation_naming_the_missing_trainings(world, setup):
    _, _, agents = setup
    agent = agents["partial"]
    agent.status = Agent.Status.ACTIVE
    with pytest.raises(ValidationError) as refused:
        agent.save()
    assert "monthly-refresh" in str(refused.value) and "alpha-only" in str(refused.value)
    assert "product-basics" not in str(refused.value)
    agent.refresh_from_db()
    assert agent.status == Agent.Status.TRAINING
