"""The tenders API: scoped like the pages."""

from steward.sourcing import services

from .test_scoring import full_scores


def test_vendor_reads_its_own_proposal_only_and_no_ranking(client, world, evaluation_event, evaluators):
    for evaluator in evaluators:
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 4, 3), submit=True)
    client.force_login(world.user("a-manager"))
    assert [e["id"] for e in client.get("/api/sourcing/events").json()] == [evaluation_event.pk]
    data = client.get(f"/api/sourcing/events/{evaluation_event.pk}").json()
    assert [s["vendor"] for s in data["submissions"]] == [world.vendor_a.code]
    assert data["submissions"][0]["cost_per_contact"] == "4.5000"
    assert data["ranking"] is None
    client.force_login(world.user("a-agent1"))
    assert client.get("/api/sourcing/events").status_code == 403


def test_client_reads_every_proposal_and_the_ranking_once_allowed(client, world, evaluation_event, evaluators):
    client.force_login(world.user("auditor"))
    url = f"/api/sourcing/events/{evaluation_event.pk}"
    assert client.get(url).json()["ranking"] is None  # evaluators still scoring
    for evaluator in evaluators:
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 4, 3), submit=True)
    data = client.get(url).json()
    assert len(data["submissions"]) == 2
    assert [(r["vendor"], r["rank"]) for r in data["ranking"]] == [(world.vendor_a.code, 1), (world.vendor_b.code, 2)]
    assert client.get("/api/sourcing/events/999999").status_code == 404
