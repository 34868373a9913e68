"""The go-live readiness rules. Pure: no Django; selectors gather the facts.

Go-live is allowed only when every condition holds; each unmet one carries its reason.
"""

from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Marks a msgid for extraction (the reader's language is applied when shown)."""
    return message


@dataclass(frozen=True)
class Facts:
    planned_headcount: int | None
    certified_agents: int
    sla_policies: int
    vendors: tuple[str, ...]  # codes of the vendors serving the project
    vendors_with_signed_contract: tuple[str, ...]
    data_handover: bool
    system_access: bool
    security_signoff: bool


@dataclass(frozen=True)
class Condition:
    key: str
    met: bool
    reason: str  # msgid with %(...)s params, empty when met
    params: dict


KEYS = ("agents", "sla", "contract", "data_handover", "system_access")


def evaluate(facts: Facts) -> list[Condition]:
    out = []
    if not facts.planned_headcount:
        out.append(Condition("agents", False, gettext_noop("The needs assessment has no planned headcount yet."), {}))
    elif facts.certified_agents < facts.planned_headcount:
        out.append(Condition("agents", False,
                             gettext_noop("Only %(certified)s of the %(planned)s planned agents are certified."),
                             {"certified": facts.certified_agents, "planned": facts.planned_headcount}))
    else:
        out.append(Condition("agents", True, "", {"certified": facts.certified_agents,
                                                  "planned": facts.planned_headcount}))
    out.append(Condition("sla", facts.sla_policies > 0,
                         "" if facts.sla_policies else gettext_noop("No SLA policy is attached to the project."), {}))
    if not facts.vendors:
        out.append(Condition("contract", False, gettext_noop("No vendor serves the project."), {}))
    else:
        missing = [v for v in facts.vendors if v not in facts.vendors_with_signed_contract]
        out.append(Condition("contract", not missing,
                             gettext_noop("No signed, active contract covers the project for: %(vendors)s.") if missing else "",
                             {"vendors": tuple(missing)} if missing else {}))
    out.append(Condition("data_handover", facts.data_handover,
                         "" if facts.data_handover else gettext_noop("The data handover has not been recorded as done."), {}))
    if facts.system_access and facts.security_signoff:
        out.append(Condition("system_access", True, "", {}))
    elif not facts.system_access:
        out.append(Condition("system_access", False, gettext_noop("System access has not been recorded as granted."), {}))
    else:
        out.append(Condition("system_access", False, gettext_noop("System access lacks the security sign-off."), {}))
    return out


def ready(conditions: list[Condition]) -> bool:
    return all(c.met for c in conditions)
