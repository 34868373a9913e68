"""API writes of tenders: run a tender end to end through the API, with evaluator blindness
and each vendor writing only its own proposal."""

import datetime as dt

from django.utils import timezone

from steward.sourcing.models import DecisionMemo, SourcingEvent, Submission
from tests.api.test_core_writes import api_client, call

HAND = ["qualification", "experience", "service_capability", "technology", "references", "site_visit"]


def _deadline(days=7) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def _body(**changes):
    body = {"title": "Mailbox tender", "project": "shared-mail", "deadline": _deadline(),
            "volumes": {"email": 8000}, "handle_minutes": "6", "languages": ["Mandarin", "English"],
            "evaluators": ["outsourcing-manager", "qa-analyst"]}
    body.update(changes)
    return body


def _open_tender(world, vendors=("alpha", "bravo")) -> int:
    manager = api_client(world.user("outsourcing_manager"))
    created = call(manager, "post", "/api/sourcing/events", _body(), key="t-1")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    for code in vendors:
        assert call(manager, "post", f"/api/sourcing/events/{pk}/invitations", {"vendor": code}).status_code == 201
    opened = call(manager, "post", f"/api/sourcing/events/{pk}/status", {"action": "open"})
    assert opened.status_code == 200 and opened.json()["status"] == "open", opened.content
    return pk


def _propose(world, who: str, pk: int, rate: str):
    return call(api_client(world.user(who)), "put", f"/api/sourcing/events/{pk}/proposal",
                {"proposal": "Our approach", "pricing_model": "per_contact", "rates": {"handled_contact": rate}})


def _scores(value_a, value_b):
    return [{"vendor": v, "criterion": k, "value": value} for v, value in (("alpha", value_a), ("bravo", value_b))
            for k in HAND]


def test_create_replays_and_edits_a_draft(world):
    manager = api_client(world.user("outsourcing_manager"))
    body = _body()
    first = call(manager, "post", "/api/sourcing/events", body, key="same")
    again = call(manager, "post", "/api/sourcing/events", body, key="same")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert SourcingEvent.objects.count() == 1
    pk = first.json()["id"]
    assert first.json()["volumes"] == {"email": 8000} and first.json()["languages"] == ["Mandarin", "English"]
    edited = call(manager, "patch", f"/api/sourcing/events/{pk}", {"title": "Mailbox tender 2027"})
    assert edited.status_code == 200 and edited.json()["title"] == "Mailbox tender 2027"
    assert edited.json()["volumes"] == {"email": 8000}
    weights = {"qualification": 10, "experience": 10, "service_capability": 20, "technology": 10,
               "references": 10, "price": 30, "site_visit": 10}
    assert call(manager, "put", f"/api/sourcing/events/{pk}/weights", {"weights": weights}).status_code == 200
    assert call(manager, "post", f"/api/sourcing/events/{pk}/checklist", {"text": "Backup power"}).status_code == 201


def test_bad_input_is_a_400(world):
    manager = api_client(world.user("outsourcing_manager"))
    assert call(manager, "post", "/api/sourcing/events", _body(project="nosuch")).status_code == 400
    assert call(manager, "post", "/api/sourcing/events", _body(volumes={"pigeon": 3})).status_code == 400
    assert call(manager, "post", "/api/sourcing/events", _body(evaluators=["a-manager"])).status_code == 400
    pk = call(manager, "post", "/api/sourcing/events", _body()).json()["id"]
    uneven = call(manager, "put", f"/api/sourcing/events/{pk}/weights",
                  {"weights": {k: 10 for k in [*HAND, "price"]}})
    assert uneven.status_code == 400 and "add up to 100" in uneven.json()["detail"]
    early = call(manager, "post", f"/api/sourcing/events/{pk}/status", {"action": "open"})
    assert early.status_code == 400 and "invite at least one vendor" in early.json()["detail"]
    assert call(manager, "post", f"/api/sourcing/events/{pk}/status", {"action": "fly"}).status_code == 400


def test_roles_without_the_capability_are_refused(world):
    pk = _open_tender(world)
    for role in ("auditor", "qa_analyst", "a-manager"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/sourcing/events", _body()).status_code == 403
        assert call(client, "post", f"/api/sourcing/events/{pk}/status", {"action": "evaluate"}).status_code in (403, 404)
    # Not an evaluator of this tender: the capability alone does not let one score.
    finance = api_client(world.user("finance"))
    assert call(finance, "post", f"/api/sourcing/events/{pk}/scores", {"scores": []}).status_code == 403
    # A client user does not submit proposals.
    assert _propose(world, "outsourcing_manager", pk, "4.50").status_code == 403


def test_each_vendor_writes_only_its_own_proposal(world):
    pk = _open_tender(world, vendors=("alpha",))
    assert _propose(world, "b-manager", pk, "3.00").status_code == 404  # not invited: not even visible
    mine = _propose(world, "a-manager", pk, "4.50")
    assert mine.status_code == 200, mine.content
    assert mine.json()["vendor"] == "alpha" and mine.json()["cost_per_contact"] == "4.5000"
    revised = _propose(world, "a-manager", pk, "4.20")
    assert revised.json()["rates"] == {"handled_contact": "4.2000"}
    assert list(Submission.objects.values_list("vendor__code", flat=True)) == ["alpha"]
    bad = call(api_client(world.user("a-manager")), "put", f"/api/sourcing/events/{pk}/proposal",
               {"proposal": "x", "pricing_model": "per_contact", "rates": {"bribe": "1"}})
    assert bad.status_code == 400
    assert call(api_client(world.user("a-agent1")), "put", f"/api/sourcing/events/{pk}/proposal",
                {"proposal": "x", "pricing_model": "per_contact"}).status_code == 403


def test_evaluators_stay_blind_and_the_decision_is_recorded(world):
    pk = _open_tender(world)
    assert _propose(world, "a-manager", pk, "4.50").status_code == 200
    assert _propose(world, "b-manager", pk, "5.00").status_code == 200
    manager, qa = api_client(world.user("outsourcing_manager")), api_client(world.user("qa_analyst"))
    assert call(manager, "post", f"/api/sourcing/events/{pk}/status", {"action": "evaluate"}).status_code == 200

    draft = call(manager, "post", f"/api/sourcing/events/{pk}/scores", {"scores": _scores(4, 3)[:2]})
    assert draft.status_code == 200 and draft.json()["submitted"] is False
    submitted = call(qa, "post", f"/api/sourcing/events/{pk}/scores", {"scores": _scores(2, 5), "submit": True})
    assert submitted.status_code == 200 and submitted.json()["submitted"] is True
    # Each evaluator reads back its own scores only; the manager has not submitted: no ranking.
    assert len(call(manager, "get", f"/api/sourcing/events/{pk}/scores").json()["scores"]) == 2
    assert {s["value"] for s in call(qa, "get", f"/api/sourcing/events/{pk}/scores").json()["scores"]} == {2, 5}
    assert call(manager, "get", f"/api/sourcing/events/{pk}").json()["ranking"] is None
    incomplete = call(manager, "post", f"/api/sourcing/events/{pk}/scores", {"scores": [], "submit": True})
    assert incomplete.status_code == 400 and "missing" in incomplete.json()["detail"]
    wrong = call(manager, "post", f"/api/sourcing/events/{pk}/scores",
                 {"scores": [{"vendor": "alpha", "criterion": "price", "value": 3}]})
    assert wrong.status_code == 400
    assert call(manager, "post", f"/api/sourcing/events/{pk}/scores",
                {"scores": _scores(4, 3), "submit": True}).status_code == 200
    assert call(manager, "get", f"/api/sourcing/events/{pk}").json()["ranking"] is not None
    # The submitted scorecard is final.
    assert call(qa, "post", f"/api/sourcing/events/{pk}/scores", {"scores": _scores(5, 5)}).status_code == 400

    body = {"chosen_vendor": "alpha", "memo": "Best value", "rationale": "Ranked first"}
    assert call(qa, "post", f"/api/sourcing/events/{pk}/decision", body).status_code == 403
    decided = call(manager, "post", f"/api/sourcing/events/{pk}/decision", body, key="d")
    assert decided.status_code == 201, decided.content
    assert call(manager, "post", f"/api/sourcing/events/{pk}/decision", body, key="d").status_code == 201
    assert DecisionMemo.objects.count() == 1
    assert call(manager, "post", f"/api/sourcing/events/{pk}/status", {"action": "close"}).json()["status"] == "closed"
