"""The corrective-action (CAPA) life cycle as data. Pure: no Django.

    open ──respond──▶ vendor responded ──start──▶ action in progress ──submit──▶ verification
      ▲                      ▲                                                     │
      │                      └──────────respond────── reopened ◀──reject───────────┤
      │                                                  ▲                          │
      └ (raised by the client)                           └──reopen── closed ◀─accept┘

The vendor answers (root cause, response) and carries out the actions; the client verifies
that they worked. Only the client can close or reopen a case.
"""

from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    RESPONDED = "vendor_responded"
    IN_PROGRESS = "in_progress"
    VERIFICATION = "verification"
    CLOSED = "closed"
    REOPENED = "reopened"


class Step(StrEnum):
    RESPOND = "respond"
    START = "start"
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT = "reject"
    REOPEN = "reopen"


class Side(StrEnum):
    CLIENT = "client"
    VENDOR = "vendor"


TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.OPEN, Step.RESPOND): Status.RESPONDED,
    (Status.REOPENED, Step.RESPOND): Status.RESPONDED,
    (Status.RESPONDED, Step.RESPOND): Status.RESPONDED,  # the vendor may refine its answer
    (Status.RESPONDED, Step.START): Status.IN_PROGRESS,
    (Status.IN_PROGRESS, Step.SUBMIT): Status.VERIFICATION,
    (Status.VERIFICATION, Step.ACCEPT): Status.CLOSED,
    (Status.VERIFICATION, Step.REJECT): Status.REOPENED,
    (Status.CLOSED, Step.REOPEN): Status.REOPENED,
}

WHO_MAY: dict[Step, frozenset[Side]] = {
    Step.RESPOND: frozenset({Side.VENDOR}),
    Step.START: frozenset({Side.VENDOR, Side.CLIENT}),
    Step.SUBMIT: frozenset({Side.VENDOR, Side.CLIENT}),
    Step.ACCEPT: frozenset({Side.CLIENT}),
    Step.REJECT: frozenset({Side.CLIENT}),
    Step.REOPEN: frozenset({Side.CLIENT}),
}

# States in which the plan (the list of actions) may still change.
PLANNING = frozenset({Status.OPEN, Status.RESPONDED, Status.IN_PROGRESS, Status.REOPENED})
ACTIVE = frozenset(set(Status) - {Status.CLOSED})


class TransitionError(ValueError):
    """A step that the case's state or the actor's side does not allow."""


def next_status(current: Status, step: Step, side: Side) -> Status:
    if side not in WHO_MAY[step]:
        raise TransitionError(f"{side} may not {step}")
    try:
        return TRANSITIONS[(current, step)]
    except KeyError:
        raise TransitionError(f"cannot {step} from {current}") from None


def allowed_steps(current: Status, side: Side) -> list[Step]:
    return [step for (status, step) in TRANSITIONS if status == current and side in WHO_MAY[step]]
