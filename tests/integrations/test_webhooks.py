"""Webhooks out, delivered to a real HTTP server on 127.0.0.1: signed, vendor-scoped, retried
with back-off, given up after MAX_ATTEMPTS, replayable."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from steward.improvement import services as improvement_services
from steward.integrations import scheduler, signing, webhooks
from steward.integrations.models import WebhookDelivery
from steward.quality import services as quality_services
from tests.quality.conftest import contacts, published_scorecard  # noqa: F401 (fixtures)

MIXED = {"greeting": ("no", "skipped the greeting"), "accuracy": ("3", "half right"), "privacy": ("yes", "")}


def _endpoint(world, receiver, vendor=None, events=("dispute.opened", "evaluation.completed", "capa.overdue")):
    return webhooks.endpoint_create(actor=world.user("client_admin"), name="hook", url=receiver.url,
                                    events=list(events), vendor=vendor)


def _dispute(world, contacts, scorecard, external_id="QA-amy-3"):  # noqa: F811
    analyst = world.user("qa_analyst")
    evaluation = quality_services.evaluation_assign(actor=analyst, interaction=contacts[external_id],
                                                    analyst=analyst, scorecard=scorecard)
    evaluation = quality_services.evaluation_save(actor=analyst, evaluation=evaluation, answers=MIXED, submit=True)
    return quality_services.evaluation_dispute(actor=world.user("a-agent1"), evaluation=evaluation, reason="greeted")


def test_events_are_signed_and_reach_the_organisation_and_the_vendors_own_endpoint_only(
        world, receiver, contacts, published_scorecard, django_capture_on_commit_callbacks):  # noqa: F811
    org = _endpoint(world, receiver)
    alpha = _endpoint(world, receiver, vendor=world.vendor_a, events=["dispute.opened"])
    bravo = _endpoint(world, receiver, vendor=world.vendor_b, events=["dispute.opened", "evaluation.completed"])
    with django_capture_on_commit_callbacks(execute=True):
        dispute = _dispute(world, contacts, published_scorecard)
    got = [(r["headers"]["Steward-Event"], json.loads(r["body"])) for r in receiver.requests]
    assert sorted(event for event, _ in got) == ["dispute.opened", "dispute.opened", "evaluation.completed"]
    assert not bravo.deliveries.exists()  # vendor B's endpoint never hears of vendor A's dispute
    for r in receiver.requests:
        endpoint = org if r["headers"]["Steward-Delivery"] in {str(d.pk) for d in org.deliveries.all()} else alpha
        assert signing.verify(endpoint.secret, r["headers"]["Steward-Signature"], r["body"])
        assert not signing.verify(bravo.secret, r["headers"]["Steward-Signature"], r["body"])
    payload = next(p for e, p in got if e == "dispute.opened")
    assert payload["type"] == "dispute.opened" and payload["vendor"] == "alpha"
    assert payload["data"]["id"] == dispute.pk
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_failing_receiver_is_retried_with_back_off_until_it_answers(world, receiver,
                                                                      django_capture_on_commit_callbacks):
    endpoint = _endpoint(world, receiver, events=["capa.overdue"])
    receiver.fail_next = 2
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhooks.emit("capa.overdue", vendor_id=world.vendor_a.pk, data={"id": 1}, dedupe_key="x",
                                   now=now)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 1 and delivery.last_status_code == 500
    assert "receiver down" in delivery.last_error
    # Workers use the real clock: each wait is checked against the moment of the attempt.
    assert now + timedelta(seconds=60) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=60)
    due = delivery.next_attempt_at
    scheduler.tick(due - timedelta(seconds=1))  # not yet due: left alone
    assert len(receiver.requests) == 1
    before = timezone.now()
    scheduler.tick(due)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 2
    assert before + timedelta(seconds=120) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=120)
    scheduler.tick(delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3 and delivery.last_status_code == 204
    assert len(receiver.requests) == 3
    bodies = {r["body"] for r in receiver.requests}
    assert len(bodies) == 1  # the same event every time
    assert endpoint.deliveries.count() == 1


def test_an_unreachable_receiver_is_given_up_after_the_last_attempt_and_can_be_replayed(
        world, receiver, client, django_capture_on_commit_callbacks):
    endpoint = webhooks.endpoint_create(actor=world.user("client_admin"), name="down",
                                        url="http://127.0.0.1:9/nothing-listens", events=["capa.overdue"])
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhooks.emit("capa.overdue", vendor_id=None, data={}, dedupe_key="y", now=now)
    for _ in range(webhooks.MAX_ATTEMPTS + 2):
        now += timedelta(hours=7)
        scheduler.tick(now)
    delivery.refresh_from_db()
    assert delivery.status == "dead" and delivery.attempts == webhooks.MAX_ATTEMPTS
    assert "Error" in delivery.last_error
    # The receiver is fixed: the administrator replays the delivery from the log.
    endpoint.url = receiver.url
    endpoint.save()
    client.force_login(world.user("client_admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/integrations/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    replay = WebhookDelivery.objects.get(replay_of=delivery)
    assert replay.status == "delivered" and replay.event_id == delivery.event_id
    assert json.loads(receiver.requests[0]["body"])["id"] == str(delivery.event_id)


def test_the_same_event_is_delivered_once_per_endpoint(world, receiver, django_capture_on_commit_callbacks):
    _endpoint(world, receiver, events=["capa.overdue"])
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.emit("capa.overdue", vendor_id=None, data={}, dedupe_key="same")
        webhooks.emit("capa.overdue", vendor_id=None, data={}, dedupe_key="same")
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == 1


def test_overdue_corrective_actions_are_reminded_and_emitted_by_the_daily_job(
        world, receiver, django_capture_on_commit_callbacks):
    from steward.core.models import Notification
    from steward.integrations import jobs

    _endpoint(world, receiver, vendor=world.vendor_a, events=["capa.overdue"])
    capa = improvement_services.capa_open(actor=world.user("outsourcing_manager"), vendor=world.vendor_a,
                                          title="Late callbacks", problem="p", due_date=date(2026, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_overdue_capas(date(2026, 1, 5), timezone.now()) == 1
        assert jobs.remind_overdue_capas(date(2026, 1, 6), timezone.now()) == 1
    assert len(receiver.requests) == 1  # once per action and due date
    assert json.loads(receiver.requests[0]["body"])["data"]["reference"] == capa.reference
    assert Notification.objects.filter(recipient=world.user("a-manager")).exists()
    assert not Notification.objects.filter(recipient=world.user("b-manager")).exists()


@pytest.mark.parametrize("events", [[], ["nonsense"]])
def test_unknown_or_no_events_are_refused(world, events):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        webhooks.endpoint_create(actor=world.user("client_admin"), name="x", url="https://example.org/h",
                                 events=events)


@pytest.fixture
def not_http_receiver():
    """A TCP server on 127.0.0.1 that answers every connection with a line that is not HTTP."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    stop.set()
    server.close()


def test_a_receiver_that_does_not_answer_http_is_a_failed_attempt_and_given_up_in_the_end(
        world, not_http_receiver, django_capture_on_commit_callbacks):
    """http.client's BadStatusLine is neither an OSError nor a ValueError: it escaped deliver(),
    leaving the delivery claimed but never settled, handed out again every lease for ever."""
    webhooks.endpoint_create(actor=world.user("client_admin"), name="ssh", url=not_http_receiver,
                             events=["capa.overdue"])
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhooks.emit("capa.overdue", vendor_id=None, data={}, dedupe_key="not-http", now=now)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 1 and delivery.last_status_code is None
    assert delivery.last_error.startswith("BadStatusLine")
    for _ in range(webhooks.MAX_ATTEMPTS + 2):
        now += timedelta(hours=7)
        scheduler.tick(now)
    delivery.refresh_from_db()
    assert delivery.status == "dead" and delivery.attempts == webhooks.MAX_ATTEMPTS


def test_a_receivers_error_text_with_nul_is_kept_without_it(world, receiver, django_capture_on_commit_callbacks):
    """PostgreSQL refuses NUL in a text column: storing the receiver's answer as it came failed the
    attempt's update and left the delivery unsettled."""
    receiver.fail_next = 1
    receiver_body = b"down\x00for maintenance"
    handler = receiver.server.RequestHandlerClass
    original = handler.do_POST

    def do_post(self):
        if receiver.fail_next:
            receiver.fail_next -= 1
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(503)
            self.end_headers()
            self.wfile.write(receiver_body)
            return
        original(self)

    handler.do_POST = do_post
    _endpoint(world, receiver, events=["capa.overdue"])
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhooks.emit("capa.overdue", vendor_id=None, data={}, dedupe_key="nul")
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.attempts == 1 and delivery.last_status_code == 503
    assert "\x00" not in delivery.last_error and "down\ufffdfor maintenance" in delivery.last_error
