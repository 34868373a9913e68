"""Every write of the workforce app: forecast events, staffing profiles, headcount
commitments and the staffing-gap check that warns people before an SLA breaks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from steward.core.models import Project, User, Vendor
from steward.core.notifications import notify
from steward.core.roles import Role
from steward.workforce import selectors
from steward.workforce.models import Commitment, Event, GapAlert, StaffingProfile

ALERT_HORIZON_DAYS = 14


def _require(actor: User | None, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied


@transaction.atomic
def event_create(*, actor, project: Project, name: str, first_day: dt.date, last_day: dt.date,
                 multiplier: Decimal | None = None, notes: str = "") -> Event:
    _require(actor, "workforce.change_forecast")
    event = Event(project=project, name=name.strip(), first_day=first_day, last_day=last_day, multiplier=multiplier,
                  notes=notes, created_by=actor)
    if last_day < first_day:
        raise ValidationError({"last_day": _("The last day cannot come before the first day.")})
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_delete(*, actor, event: Event) -> None:
    _require(actor, "workforce.change_forecast")
    event.delete()


@transaction.atomic
def profile_save(*, actor, project: Project, queue: str = "", **fields) -> StaffingProfile:
    _require(actor, "workforce.change_forecast")
    profile = StaffingProfile.objects.filter(project=project, queue=queue).first() or StaffingProfile(
        project=project, queue=queue)
    for name, value in fields.items():
        setattr(profile, name, value)
    if profile.model == StaffingProfile.Model.ERLANG_A and not profile.patience_seconds:
        raise ValidationError({"patience_seconds": _("Erlang A needs the callers' mean patience.")})
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def commitment_set(*, actor, vendor: Vendor, project: Project, seats: Decimal, effective_from: dt.date,
                   contract=None) -> Commitment:
    _require(actor, "workforce.change_forecast")
    if not project.vendors.filter(pk=vendor.pk).exists():
        raise ValidationError({"vendor": _("%(vendor)s does not serve this project.") % {"vendor": vendor.name}})
    if seats is None or seats < 0:
        raise ValidationError({"seats": _("Committed seats cannot be negative.")})
    if contract is not None and contract.vendor_id != vendor.pk:
        raise ValidationError({"contract": _("The contract belongs to another vendor.")})
    commitment, _created = Commitment.objects.update_or_create(
        vendor=vendor, project=project, effective_from=effective_from,
        defaults={"seats": seats, "contract": contract})
    commitment.full_clean()
    return commitment


def _recipients(vendor: Vendor):
    client = User.objects.filter(is_active=True, role__in=[Role.OUTSOURCING_MANAGER, Role.CLIENT_ADMIN])
    vendor_side = User.objects.filter(is_active=True, role=Role.VENDOR_MANAGER, vendor=vendor)
    return list(client) + list(vendor_side)


def gap_check(*, project: Project, vendor: Vendor, actor_for_reads, horizon_days: int = ALERT_HORIZON_DAYS,
              today: dt.date | None = None) -> GapAlert | None:
    """Plan the next `horizon_days` for one vendor; when its committed seats would leave a day
    below the target service level, record one alert for the first such day and notify the
    client's outsourcing managers and the vendor's managers (once per first short day)."""
    plan = selectors.staffing_plan(user=actor_for_reads, project=project, vendor=vendor, horizon_days=horizon_days,
                                   today=today, scenarios=())
    if plan.first_short_day is None:
        return None
    day = next(d for d in plan.days if d.day == plan.first_short_day)
    try:
        with transaction.atomic():
            alert = GapAlert.objects.create(
                vendor=vendor, project=project, first_day=day.day,
                expected_service_level=Decimal(str(round(day.sl_committed or 0, 4))),
                shortfall=max(d.shortfall for d in plan.days))
    except IntegrityError:
        return None  # already announced
    url = reverse("workforce:plan", kwargs={"code": project.code}) + f"?vendor={vendor.code}"
    notify(_recipients(vendor), gettext_noop(
        "Staffing gap: %(vendor)s on %(project)s is expected to reach only %(sl)s service level on %(day)s "
        "with its committed seats (short by up to %(short)s people)"),
        {"vendor": vendor.name, "project": project.name, "sl": f"{(day.sl_committed or 0) * 100:.0f}%",
         "day": day.day.isoformat(), "short": alert.shortfall}, url=url)
    return alert


def gap_check_all(*, today: dt.date | None = None) -> list[GapAlert]:
    """The scheduled job: every vendor with a commitment on an active project."""
    from steward.metrics.management.commands._common import Operator

    reader = Operator()  # the scheduler acts for the client: every vendor's data
    alerts = []
    pairs = Commitment.objects.values_list("project_id", "vendor_id").distinct()
    for project_id, vendor_id in pairs:
        project, vendor = Project.objects.get(pk=project_id), Vendor.objects.get(pk=vendor_id)
        try:
            alert = gap_check(project=project, vendor=vendor, actor_for_reads=reader, today=today)
        except selectors.PlanError:
            continue
        if alert:
            alerts.append(alert)
    return alerts
