"""The standard engagement plan: nine phases with their milestones and starter tasks.

Texts are msgids (gettext_noop); the service stores them in the creating user's language.
Durations are in calendar days; each phase starts the day after the previous one ends.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class TaskSpec:
    key: str
    title: str
    effort: int = 1
    priority: str = "normal"
    side: str = "client"  # who usually does it: client or vendor (the assignee is chosen later)
    after: tuple[str, ...] = ()  # keys of tasks it depends on


@dataclass(frozen=True)
class PhaseSpec:
    key: str
    name: str
    days: int
    milestones: tuple[str, ...] = ()
    tasks: tuple[TaskSpec, ...] = field(default_factory=tuple)


GO_LIVE_MILESTONE = gettext_noop("Go live")

PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec("needs", gettext_noop("Needs assessment"), 14, (gettext_noop("Needs assessment approved"),), (
        TaskSpec("volumes", gettext_noop("Collect volumes, channels and service hours"), 3),
        TaskSpec("needs_signoff", gettext_noop("Approve the needs assessment"), 1, "high", after=("volumes",)),
    )),
    PhaseSpec("sourcing", gettext_noop("Vendor sourcing"), 30, (gettext_noop("Vendor selected"),), (
        TaskSpec("rfp", gettext_noop("Issue the request for proposal"), 5, after=("needs_signoff",)),
        TaskSpec("select", gettext_noop("Evaluate proposals and select the vendor"), 5, "high", after=("rfp",)),
    )),
    PhaseSpec("contracting", gettext_noop("Contracting"), 21, (gettext_noop("Contract signed"),), (
        TaskSpec("sla", gettext_noop("Agree the SLA policy"), 3, "high", after=("select",)),
        TaskSpec("sign", gettext_noop("Sign the contract"), 2, "high", after=("sla",)),
    )),
    PhaseSpec("recruiting", gettext_noop("Recruiting"), 21, (gettext_noop("Team hired"),), (
        TaskSpec("hire", gettext_noop("Hire agents to the planned headcount"), 10, side="vendor", after=("sign",)),
    )),
    PhaseSpec("training", gettext_noop("Training"), 14, (gettext_noop("First cohort certified"),), (
        TaskSpec("kb", gettext_noop("Hand over the knowledge base and product training"), 3),
        TaskSpec("train", gettext_noop("Train and certify the agents"), 8, "high", side="vendor", after=("hire", "kb")),
    )),
    PhaseSpec("pilot", gettext_noop("Pilot"), 14, (gettext_noop("Pilot reviewed"),), (
        TaskSpec("access", gettext_noop("Grant system access and pass the security review"), 2, "high", after=("sign",)),
        TaskSpec("handover", gettext_noop("Hand over customer data and routing"), 2, "high", after=("access",)),
        TaskSpec("pilot_run", gettext_noop("Run the pilot on a share of the traffic"), 10, side="vendor",
                 after=("train", "handover")),
    )),
    PhaseSpec("go_live", gettext_noop("Go-live"), 7, (GO_LIVE_MILESTONE,), (
        TaskSpec("cutover", gettext_noop("Plan the cut-over and the fallback"), 2, "high", after=("pilot_run",)),
    )),
    PhaseSpec("steady_state", gettext_noop("Steady state"), 60, (gettext_noop("First monthly review held"),), (
        TaskSpec("reporting", gettext_noop("Start weekly operations reporting"), 2, side="vendor", after=("cutover",)),
    )),
    PhaseSpec("review", gettext_noop("Review"), 14, (gettext_noop("Engagement review closed"),), (
        TaskSpec("qbr", gettext_noop("Hold the first quarterly business review"), 2, after=("reporting",)),
    )),
)

PHASE_KEYS = tuple(p.key for p in PHASES)
GO_LIVE_PHASE = "go_live"
