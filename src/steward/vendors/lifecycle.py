"""The vendor status lifecycle: which status may follow which. Pure data, no Django import.

prospect → shortlisted → onboarding → active → on notice → offboarded, plus the moves a real
engagement needs: a shortlisted vendor can fall back to prospect, onboarding can be abandoned
(offboarded), notice can be withdrawn (back to active), and an offboarded vendor can be
approached again as a prospect. Nothing skips a stage: a prospect never becomes active
without onboarding.
"""

PROSPECT = "prospect"
SHORTLISTED = "shortlisted"
ONBOARDING = "onboarding"
ACTIVE = "active"
ON_NOTICE = "on_notice"
OFFBOARDED = "offboarded"

TRANSITIONS: dict[str, tuple[str, ...]] = {
    PROSPECT: (SHORTLISTED,),
    SHORTLISTED: (ONBOARDING, PROSPECT),
    ONBOARDING: (ACTIVE, OFFBOARDED),
    ACTIVE: (ON_NOTICE,),
    ON_NOTICE: (OFFBOARDED, ACTIVE),
    OFFBOARDED: (PROSPECT,),
}


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def can_move(current: str, target: str) -> bool:
    return target in allowed_next(current)
