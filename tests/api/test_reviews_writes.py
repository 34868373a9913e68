"""API writes of reviews: the scorecard weights, with the page's form, service and capability."""

from steward.reviews.models import WeightSet
from tests.api.test_core_writes import api_client, call

WEIGHTS = {"sla": "40", "qa": "30", "csat": "10", "capa": "10", "compliance": "10"}


def test_replace_the_weights(world):
    client = api_client(world.user("outsourcing_manager"))
    saved = call(client, "put", "/api/reviews/weights", WEIGHTS)
    assert saved.status_code == 200, saved.content
    assert saved.json()["sla"] == "40.00"
    assert call(client, "get", "/api/reviews/weights").json() == saved.json()
    assert call(client, "get", "/api/reviews/scorecards").json()["weights"]["sla"] == "40.00"
    assert WeightSet.objects.count() == 1


def test_all_zero_is_a_400(world):
    client = api_client(world.user("client_admin"))
    zero = call(client, "put", "/api/reviews/weights", {k: "0" for k in WEIGHTS})
    assert zero.status_code == 400 and "greater than zero" in zero.json()["detail"]
    assert call(client, "put", "/api/reviews/weights", {**WEIGHTS, "qa": "-1"}).status_code == 422  # schema
    assert not WeightSet.objects.exists()


def test_roles_without_the_capability_are_refused(world):
    for role in ("project_lead", "finance", "a-manager"):
        client = api_client(world.user(role))
        assert call(client, "get", "/api/reviews/weights").status_code == 200
        assert call(client, "put", "/api/reviews/weights", WEIGHTS).status_code == 403
    assert call(api_client(world.user("a-agent1")), "get", "/api/reviews/weights").status_code == 403
    assert not WeightSet.objects.exists()
