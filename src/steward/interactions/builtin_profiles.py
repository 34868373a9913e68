"""The built-in mapping profiles (documented in docs/import-profiles.md). Pure data."""

from steward.interactions.profiles import CANONICAL_FIELDS

_TRUTHY = {"y": "true", "yes": "true", "是": "true", "n": "false", "no": "false", "否": "false"}

GENERIC = {
    "name": "generic",
    "source": "generic",
    "description": "Columns named exactly as the canonical fields; ISO 8601 times "
                   "(with an offset, or else in the project's time zone).",
    "columns": {f: f for f in CANONICAL_FIELDS},
    "required": ["external_id", "channel", "arrived_at"],
    "datetime_formats": ["iso"],
}

ZENDESK_TICKETS = {
    "name": "zendesk-tickets",
    "source": "zendesk",
    "description": "Zendesk's ticket CSV export (Reporting → Export, or Explore's ticket dataset).",
    "required": ["Id", "Created at"],
    "columns": {
        "external_id": "Id",
        "customer_ref": "Requester id",
        "agent_code": "Assignee",
        "queue": "Group",
        "outcome": "Status",
        "priority": "Priority",
        "channel": "Via",
        "contact_reason": "Ticket type",
        "arrived_at": "Created at",
        "resolved_at": "Solved at",
        "csat": "Satisfaction Score",
    },
    "offsets": {
        "first_response_at": {"base": "arrived_at", "column": "First reply time in minutes",
                              "unit": "minutes"},
    },
    "attributes": ["Subject", "Tags", "Status", "Via", "Reopens", "Replies"],
    "datetime_formats": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "iso", "%d/%m/%Y %H:%M"],
    "value_maps": {
        "outcome": {"new": "pending", "open": "pending", "pending": "pending", "hold": "pending",
                    "on-hold": "pending", "solved": "resolved", "closed": "resolved"},
        "priority": {"-": "normal"},
        "channel": {
            "email": "email", "mail": "email", "web form": "ticket", "web": "ticket",
            "web service": "ticket", "api": "ticket", "web widget": "ticket",
            "closed ticket": "ticket", "help center": "ticket", "mobile": "ticket",
            "chat": "chat", "messaging": "chat", "native messaging": "chat",
            "voice": "voice", "phone call (incoming)": "voice", "phone call (outgoing)": "voice",
            "voicemail": "voice", "phone call": "voice",
            "twitter": "social", "facebook": "social", "x corp": "social", "whatsapp": "social",
            "wechat": "social", "instagram": "social",
        },
        # Zendesk's binary rating on the 5-point scale: Good is the top box, Bad the bottom.
        "csat": {"good": "5", "good, i'm satisfied": "5", "bad": "1", "bad, i'm unsatisfied": "1",
                 "offered": "", "not offered": "", "unoffered": ""},
    },
    "defaults": {"channel": "ticket"},
}

ACD_CALLS = {
    "name": "acd-calls",
    "source": "acd",
    "description": "A typical ACD call-detail export: one row per call with offered, answered "
                   "and ended times and talk/hold/after-call-work durations.",
    "required": ["Call ID", "Queue", "Offered"],
    "columns": {
        "external_id": "Call ID",
        "queue": "Queue",
        "agent_code": "Agent ID",
        "customer_ref": "Caller ID",
        "direction": "Direction",
        "arrived_at": "Offered",
        "first_response_at": "Answered",
        "ended_at": "Ended",
        "wait_seconds": "Queue Time",
        "talk_seconds": "Talk Time",
        "hold_seconds": "Hold Time",
        "wrap_seconds": "ACW Time",
        "abandoned": "Abandoned",
        "outcome": "Disposition",
        "contact_reason": "Wrap Code",
        "recording_ref": "Recording",
    },
    "datetime_formats": ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %H:%M:%S",
                         "%Y-%m-%d %H:%M", "iso", "excel"],
    "value_maps": {
        "abandoned": _TRUTHY,
        "direction": {"in": "inbound", "out": "outbound", "ib": "inbound", "ob": "outbound"},
        "outcome": {"handled": "resolved", "completed": "resolved", "resolved": "resolved",
                    "escalated": "escalated", "transferred": "transferred", "transfer": "transferred",
                    "callback": "pending", "abandoned": "abandoned", "abandon": "abandoned"},
    },
    "defaults": {"channel": "voice"},
    "abandoned_when_unanswered": True,
}

BANK_CALLS = {
    "name": "bank-calls",
    "source": "bank",
    "description": "Per-call data in the public bank call-center format (tab-separated; "
                   "Technion 1999 layout).",
    "delimiter": "\t",
    "transform": "bank-calls",
    "clock_skew_seconds": 1,
    "datetime_formats": ["%y%m%d %H:%M:%S"],
    "required": ["vru+line", "call_id", "date", "q_start", "outcome"],
}

BUILTIN_PROFILES = {p["name"]: p for p in (GENERIC, ZENDESK_TICKETS, ACD_CALLS, BANK_CALLS)}
