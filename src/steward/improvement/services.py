"""Every write of the improvement app. The CAPA workflow is enforced here (with the rules of
workflow.py), so the UI, the API and the CLI cannot move a case the wrong way."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.core.models import Project, User, Vendor
from steward.improvement import workflow
from steward.improvement.models import CapaAction, CapaEvent, CorrectiveAction, Risk

MAX_WHYS = 5

STEP_LABELS = {
    workflow.Step.RESPOND: gettext_lazy("Respond"),
    workflow.Step.START: gettext_lazy("Start the actions"),
    workflow.Step.SUBMIT: gettext_lazy("Submit for verification"),
    workflow.Step.ACCEPT: gettext_lazy("Close as effective"),
    workflow.Step.REJECT: gettext_lazy("Reopen as not effective"),
    workflow.Step.REOPEN: gettext_lazy("Reopen"),
}


def side_of(user: User) -> workflow.Side:
    return workflow.Side.CLIENT if user.is_client_side else workflow.Side.VENDOR


def _check_party(actor: User, capa: CorrectiveAction) -> None:
    if not actor.is_client_side and actor.vendor_id != capa.vendor_id:
        raise ValidationError(_("This corrective action belongs to another company."))


def _may_own(user: User, vendor_id: int) -> bool:
    return user.is_active and (user.is_client_side or user.vendor_id == vendor_id)


def _clean_whys(whys) -> list[str]:
    whys = [str(w).strip() for w in (whys or []) if str(w).strip()]
    if len(whys) > MAX_WHYS:
        raise ValidationError({"whys": _("At most five whys.")})
    return whys


@transaction.atomic
def capa_open(
    *, actor: User, vendor: Vendor, title: str, problem: str, due_date: date, source: str = "other",
    source_reference: str = "", project: Project | None = None,
) -> CorrectiveAction:
    if not actor.is_client_side:
        raise ValidationError(_("Only the client's staff open corrective actions."))
    if project is not None and not project.vendors.filter(pk=vendor.pk).exists():
        raise ValidationError({"project": _("%(vendor)s does not serve this project.") % {"vendor": vendor.name}})
    capa = CorrectiveAction(vendor=vendor, project=project, title=title, problem=problem, due_date=due_date,
                            source=source, source_reference=source_reference, opened_by=actor)
    capa.full_clean()
    capa.save()
    CapaEvent.objects.create(capa=capa, from_status="", to_status=capa.status, actor=actor)
    return capa


def _move(capa: CorrectiveAction, *, actor: User, step: workflow.Step, note: str = "") -> None:
    _check_party(actor, capa)
    try:
        new = workflow.next_status(workflow.Status(capa.status), step, side_of(actor))
    except workflow.TransitionError:
        raise ValidationError(
            _("“%(step)s” is not possible for you while the corrective action is “%(status)s”.")
            % {"step": STEP_LABELS[step], "status": capa.get_status_display()}
        ) from None
    CapaEvent.objects.create(capa=capa, from_status=capa.status, to_status=new, actor=actor, note=note)
    capa.status = new.value


@transaction.atomic
def capa_respond(*, actor: User, capa: CorrectiveAction, response: str, root_cause: str, whys=()) -> CorrectiveAction:
    """The vendor's answer: its analysis (five whys, root cause) and what it will do."""
    capa = CorrectiveAction.objects.select_for_update().get(pk=capa.pk)
    if not response.strip() or not root_cause.strip():
        raise ValidationError({"root_cause": _("Give the root cause and your response.")})
    _move(capa, actor=actor, step=workflow.Step.RESPOND)
    capa.vendor_response, capa.root_cause, capa.whys = response.strip(), root_cause.strip(), _clean_whys(whys)
    capa.full_clean()
    capa.save()
    return capa


@transaction.atomic
def capa_action_add(*, actor: User, capa: CorrectiveAction, description: str, owner: User, due_date: date) -> CapaAction:
    _check_party(actor, capa)
    if workflow.Status(capa.status) not in workflow.PLANNING:
        raise ValidationError(_("The plan of a case under verification or closed cannot change."))
    if not _may_own(owner, capa.vendor_id):
        raise ValidationError({"owner": _("The owner must be client staff or staff of the vendor concerned.")})
    action = CapaAction(capa=capa, description=description.strip(), owner=owner, due_date=due_date, created_by=actor)
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def capa_action_set_status(*, actor: User, action: CapaAction, status: str, now: datetime | None = None) -> CapaAction:
    _check_party(actor, action.capa)
    if status not in CapaAction.Status.values:
        raise ValidationError({"status": _("Unknown status %(status)s.") % {"status": status}})
    if workflow.Status(action.capa.status) not in workflow.PLANNING:
        raise ValidationError(_("The plan of a case under verification or closed cannot change."))
    action.status = status
    action.completed_at = (now or timezone.now()) if status == CapaAction.Status.DONE else None
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def capa_start(*, actor: User, capa: CorrectiveAction) -> CorrectiveAction:
    capa = CorrectiveAction.objects.select_for_update().get(pk=capa.pk)
    if not capa.actions.exists():
        raise ValidationError(_("Plan at least one action before starting."))
    _move(capa, actor=actor, step=workflow.Step.START)
    capa.save()
    return capa


@transaction.atomic
def capa_submit(*, actor: User, capa: CorrectiveAction, note: str = "") -> CorrectiveAction:
    capa = CorrectiveAction.objects.select_for_update().get(pk=capa.pk)
    actions = list(capa.actions.all())
    unfinished = [a.description for a in actions if not a.is_finished]
    if unfinished:
        raise ValidationError(_("Finish or cancel every action first: %(actions)s.") % {"actions": "; ".join(unfinished)})
    if not any(a.status == CapaAction.Status.DONE for a in actions):
        raise ValidationError(_("At least one action must be done before verification."))
    _move(capa, actor=actor, step=workflow.Step.SUBMIT, note=note)
    capa.save()
    return capa


@transaction.atomic
def capa_verify(*, actor: User, capa: CorrectiveAction, effective: bool, note: str, lessons: str = "",
                now: datetime | None = None) -> CorrectiveAction:
    """The client's verdict on whether the actions worked: closed, or reopened with the reason."""
    capa = CorrectiveAction.objects.select_for_update().get(pk=capa.pk)
    if not note.strip():
        raise ValidationError({"verification_note": _("Say how effectiveness was checked (data, period, result).")})
    _move(capa, actor=actor, step=workflow.Step.ACCEPT if effective else workflow.Step.REJECT, note=note.strip())
    now = now or timezone.now()
    capa.verification_note, capa.verified_by, capa.verified_at = note.strip(), actor, now
    capa.closed_at = now if effective else None
    if lessons.strip():
        capa.lessons = lessons.strip()
    capa.full_clean()
    capa.save()
    return capa


@transaction.atomic
def capa_reopen(*, actor: User, capa: CorrectiveAction, note: str) -> CorrectiveAction:
    capa = CorrectiveAction.objects.select_for_update().get(pk=capa.pk)
    if not note.strip():
        raise ValidationError({"note": _("Say why the case is reopened.")})
    _move(capa, actor=actor, step=workflow.Step.REOPEN, note=note.strip())
    capa.closed_at = None
    capa.save()
    return capa


def capa_step(*, actor: User, capa: CorrectiveAction, step: str, note: str = "", lessons: str = "") -> CorrectiveAction:
    """One step of the case as the page and the API offer it: `start`, `submit` for verification,
    `accept` / `reject` (verification) or `reopen` — the last three by the client's staff only."""
    if step in ("accept", "reject", "reopen") and not actor.has_perm("improvement.verify_correctiveaction"):
        raise ValidationError(_("Only the client's staff verify corrective actions.") if step != "reopen"
                              else _("Only the client's staff reopen corrective actions."))
    if step in ("accept", "reject"):
        return capa_verify(actor=actor, capa=capa, effective=step == "accept", note=note, lessons=lessons)
    if step == "reopen":
        return capa_reopen(actor=actor, capa=capa, note=note)
    if step == "start":
        return capa_start(actor=actor, capa=capa)
    if step == "submit":
        return capa_submit(actor=actor, capa=capa, note=note)
    raise ValidationError(_("Unknown step."))


@transaction.atomic
def capa_record_lessons(*, actor: User, capa: CorrectiveAction, lessons: str) -> CorrectiveAction:
    if not actor.is_client_side:
        raise ValidationError(_("Only the client's staff write the case library."))
    capa.lessons = lessons.strip()
    capa.full_clean()
    capa.save()
    return capa


# --- risks -------------------------------------------------------------------------------

def _clean_risk_people(project: Project, owner: User, vendors) -> list[Vendor]:
    vendors = list(vendors)
    serving = set(project.vendors.values_list("pk", flat=True))
    strangers = [v.code for v in vendors if v.pk not in serving]
    if strangers:
        raise ValidationError({"vendors": _("%(codes)s do not serve project %(project)s.")
                               % {"codes": ", ".join(strangers), "project": project.code}})
    if not owner.is_active or not (owner.is_client_side or owner.vendor_id in {v.pk for v in vendors}):
        raise ValidationError({"owner": _(
            "The owner must be client staff or staff of a vendor the risk is shared with."
        )})
    return vendors


@transaction.atomic
def risk_create(
    *, actor: User, project: Project, title: str, likelihood: int, impact: int, owner: User, review_date: date,
    category: str = Risk.Category.OTHER, description: str = "", mitigation: str = "", contingency_trigger: str = "",
    contingency_plan: str = "", status: str = Risk.Status.OPEN, vendors=(),
) -> Risk:
    if not actor.is_client_side:
        raise ValidationError(_("Only the client's staff keep the risk register."))
    vendors = _clean_risk_people(project, owner, vendors)
    risk = Risk(project=project, title=title, likelihood=likelihood, impact=impact, owner=owner,
                review_date=review_date, category=category, description=description, mitigation=mitigation,
                contingency_trigger=contingency_trigger, contingency_plan=contingency_plan, status=status,
                created_by=actor)
    risk.full_clean()
    risk.save()
    risk.vendors.set(vendors)
    return risk


@transaction.atomic
def risk_update(
    *, actor: User, risk: Risk, title: str, likelihood: int, impact: int, owner: User, review_date: date,
    category: str, description: str, mitigation: str, contingency_trigger: str, contingency_plan: str,
    status: str, vendors,
) -> Risk:
    if not actor.is_client_side:
        raise ValidationError(_("Only the client's staff keep the risk register."))
    vendors = _clean_risk_people(risk.project, owner, vendors)
    for name, value in dict(title=title, likelihood=likelihood, impact=impact, owner=owner, review_date=review_date,
                            category=category, description=description, mitigation=mitigation,
                            contingency_trigger=contingency_trigger, contingency_plan=contingency_plan,
                            status=status).items():
        setattr(risk, name, value)
    risk.full_clean()
    risk.save()
    risk.vendors.set(vendors)
    return risk
