"""The demo plan: the pre-sales chat project in its pilot phase, with overdue work, a valid RACI
matrix and a partly recorded readiness checklist; loading twice changes nothing."""

import io

import pytest

from steward.core import demo as core_demo
from steward.core.models import User
from steward.planning import demo, selectors
from steward.planning.models import Plan, Task

pytestmark = pytest.mark.django_db


def test_demo_plan_is_in_its_pilot_phase_with_overdue_tasks():
    core_demo.load(io.StringIO())
    demo.load(io.StringIO())
    tasks_before = Task.objects.count()
    demo.load(io.StringIO())
    assert Task.objects.count() == tasks_before
    plan = Plan.objects.get(project__code=demo.PROJECT)
    lead = User.objects.get(username="lead")
    overview = selectors.plan_overview(user=lead, plan=plan)
    assert [p.key for p in overview["phases"] if p.is_current] == ["pilot"]
    assert overview["overdue"] >= 3
    assert 0 < overview["progress"].percent < 100
    assert selectors.raci(user=lead, plan=plan)["problems"] == {}
    conditions = {c.key: c.met for c in selectors.readiness(plan)}
    assert conditions["system_access"] is True and conditions["data_handover"] is False
