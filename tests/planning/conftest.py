import datetime as dt

import pytest

from steward.planning import services


@pytest.fixture
def plan(world):
    """A plan of the shared project (both vendors serve it), from the template."""
    return services.plan_create(actor=world.user("project_lead"), project=world.shared,
                                start_date=dt.date(2025, 1, 6), planned_headcount=2)


@pytest.fixture
def plan_a(world):
    return services.plan_create(actor=world.user("project_lead"), project=world.project_a,
                                start_date=dt.date(2025, 1, 6), planned_headcount=2)
