import io

from django.utils import timezone

from steward.core import demo as core_demo
from steward.core.models import User
from steward.sourcing import demo, selectors
from steward.sourcing.models import Invitation, Score, SourcingEvent


def test_demo_tender_is_decided_ranked_and_idempotent(db):
    core_demo.load(io.StringIO())
    demo.load(io.StringIO())
    demo.load(io.StringIO())
    event = SourcingEvent.objects.get()
    assert event.status == SourcingEvent.Status.DECIDED and event.deadline < timezone.now()
    assert event.decision.chosen_vendor.code == "aurora"
    assert dict(Invitation.objects.values_list("vendor__code", "outcome")) == {
        "aurora": "selected", "bamboo": "not_selected", "cedar": "not_selected"}
    assert Score.objects.count() == 3 * 3 * 6
    table = selectors.ranking_table(user=User.objects.get(username="auditor"), event=event)
    assert [row.vendor.code for row in table.rows][0] == "aurora" and not table.error
