"""Rows for the isolation walker: contacts, imports with rejected rows, agents and rollups of
both vendors, including contacts owned by each vendor-A agent."""

from steward.interactions import services
from steward.interactions.models import Agent


def seed(world):
    a_rows = [
        {"external_id": "ALPHA-AMY-1", "channel": "email", "queue": "alphaqueue", "agent_code": "amy-code",
         "arrived_at": "2025-03-03T09:00:00+08:00", "transcript": "customer: Amyprivate question"},
        {"external_id": "ALPHA-ARLO-1", "channel": "email", "queue": "alphaqueue", "agent_code": "arlo-code",
         "arrived_at": "2025-03-03T10:00:00+08:00", "transcript": "customer: Arloprivate question"},
        {"external_id": "ALPHA-BAD", "channel": "email", "arrived_at": "2025-03-03T10:00:00+08:00", "csat": 99},
        # the same kind of mistake as vendor B's below, so the column name is no secret
        {"external_id": "ALPHA-BAD-2", "channel": "telex", "arrived_at": "2025-03-03T10:00:00+08:00"},
    ]
    b_rows = [
        {"external_id": "BRAVOSECRET-1", "channel": "chat", "queue": "bravosecret-queue",
         "agent_code": "bravosecret-agent", "customer_ref": "Bravosecret customer",
         "arrived_at": "2025-03-03T09:30:00+08:00", "transcript": "agent: Bravosecret answer"},
        {"external_id": "BRAVOSECRET-BAD", "channel": "fax", "arrived_at": "2025-03-03T09:30:00+08:00"},
    ]
    services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=a_rows,
                            idempotency_key="isolation-a")
    services.import_records(actor=None, project=world.project_b, vendor=world.vendor_b, records=b_rows,
                            idempotency_key="isolation-b")
    Agent.objects.filter(vendor=world.vendor_a, code="amy-code").update(user=world.user("a-agent1"))
    Agent.objects.filter(vendor=world.vendor_a, code="arlo-code").update(user=world.user("a-agent2"))
