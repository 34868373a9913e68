import pytest

from steward.quality import services
from steward.quality.forms import EXAMPLE_SCORECARD


@pytest.fixture
def published_scorecard(world):
    """The example scorecard, published, on the project both vendors serve."""
    scorecard = services.scorecard_create(actor=world.user("qa_analyst"), project=world.shared, code="chat-std",
                                          source=EXAMPLE_SCORECARD)
    services.version_publish(actor=world.user("qa_analyst"), version=scorecard.versions.get())
    return scorecard


def import_contacts(world, vendor, project, rows, key):
    from steward.interactions import services as interaction_services

    interaction_services.import_records(actor=None, project=project, vendor=vendor, records=rows,
                                        idempotency_key=key)


@pytest.fixture
def contacts(world):
    """Chats on the shared project: two for each vendor-A agent (linked to a-agent1 / a-agent2),
    one of vendor B."""
    from steward.interactions.models import Agent, Interaction

    rows = [
        {"external_id": f"QA-{who}-{n}", "channel": "email", "agent_code": f"{who}-code",
         "arrived_at": f"2025-03-0{n}T09:00:00+08:00",
         "transcript": f"customer: hello, I am {who}'s customer\nagent: Hello, Steward Bank, how can I help?"}
        for who in ("amy", "arlo") for n in (3, 4)
    ]
    import_contacts(world, world.vendor_a, world.shared, rows, "qa-a")
    import_contacts(world, world.vendor_b, world.shared, [
        {"external_id": "QA-BELLA-1", "channel": "email", "agent_code": "bella-code",
         "arrived_at": "2025-03-03T09:00:00+08:00", "transcript": "agent: Bravo says hi"}], "qa-b")
    Agent.objects.filter(vendor=world.vendor_a, code="amy-code").update(user=world.user("a-agent1"))
    Agent.objects.filter(vendor=world.vendor_a, code="arlo-code").update(user=world.user("a-agent2"))
    Agent.objects.filter(vendor=world.vendor_b, code="bella-code").update(user=world.user("b-agent1"))
    return {i.external_id: i for i in Interaction.objects.filter(project=world.shared)}
