"""The read-only quality API: scoped like the pages."""

import pytest

from steward.quality import services

pytestmark = pytest.mark.django_db
GOOD = {"greeting": ("yes", "nice"), "accuracy": ("5", ""), "privacy": ("yes", "")}


def test_evaluations_and_scorecards(client, world, contacts, published_scorecard):
    analyst = world.user("qa_analyst")
    for external_id in ("QA-amy-3", "QA-arlo-3", "QA-BELLA-1"):
        evaluation = services.evaluation_assign(actor=analyst, interaction=contacts[external_id], analyst=analyst,
                                                scorecard=published_scorecard)
        services.evaluation_save(actor=analyst, evaluation=evaluation, answers=GOOD, submit=True)
    client.force_login(world.user("a-agent1"))
    rows = client.get("/api/quality/evaluations").json()
    assert [r["contact"] for r in rows] == ["QA-amy-3"] and rows[0]["score"] in ("100.00", 100.0, "100")
    detail = client.get(f"/api/quality/evaluations/{rows[0]['id']}").json()
    assert detail["answers"][0] == {"criterion": "greeting", "answer": "yes", "comment": "nice"}
    bella = published_scorecard.versions.get().evaluations.get(interaction__external_id="QA-BELLA-1")
    assert client.get(f"/api/quality/evaluations/{bella.pk}").status_code == 404
    assert client.get("/api/quality/scorecards").status_code == 403
    client.force_login(world.user("a-manager"))
    assert {r["contact"] for r in client.get("/api/quality/evaluations?status=nope").json()} == {"QA-amy-3", "QA-arlo-3"}
    cards = client.get("/api/quality/scorecards").json()
    assert cards[0]["code"] == "chat-std" and "pass_mark: 80" in cards[0]["yaml"]
    assert client.get("/api/quality/evaluations?limit=0").status_code == 422
