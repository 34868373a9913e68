"""The periodic jobs the scheduler runs: what each does for one period. Each is a function
(period start as an aware datetime, now) → a JSON-able summary; it runs inside one
transaction, so a job that fails leaves nothing half-done and is retried whole."""

import dataclasses
import datetime as dt
import importlib
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from steward.core.models import Organisation, Project, User
from steward.core.notifications import notify
from steward.integrations import webhooks


@dataclass(frozen=True)
class Job:
    name: str
    every: str  # "day" or "hour"
    at_hour: int  # for daily jobs: the local hour from which the day's run is due
    catch_up: bool  # run each missed period after a stop (up to a week), or only the newest
    run: Callable[[dt.datetime, dt.datetime], dict]
    description: str


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(Organisation.current().time_zone)


# --------------------------------------------------------------------------- SLA evaluation

def _previous_period(kind: str, day: dt.date) -> dt.date | None:
    """The day inside the period of `kind` that closed when `day` began, or None if none did."""
    if kind == "day":
        return day - dt.timedelta(days=1)
    if kind == "week" and day.weekday() == 0:
        return day - dt.timedelta(days=7)
    if kind == "month" and day.day == 1:
        return (day - dt.timedelta(days=1)).replace(day=1)
    return None


def evaluate_slas(period_start: dt.datetime, now: dt.datetime) -> dict:
    """Each project's current SLA policies for every period (day, week, month) that closed when
    this local day began, per vendor; each missed term emits an `sla.breach` webhook once."""
    from steward.metrics import selectors, sla
    from steward.metrics.services import SYSTEM_READER

    day = period_start.date()
    counts = {"evaluated": 0, "missed": 0}
    for project in Project.objects.filter(status="active").prefetch_related("vendors").order_by("code"):
        for row in selectors.policy_latest(user=SYSTEM_READER, project=project):
            policy = sla.parse_policy(row.yaml_text)
            for kind in selectors.policy_kinds(policy):
                closed = _previous_period(kind, day)
                if closed is None:
                    continue
                for vendor in project.vendors.order_by("code"):
                    ev = selectors.evaluate_period(user=SYSTEM_READER, project=project, policy=policy,
                                                   vendor=vendor.code, kind=kind, day=closed, fee=Decimal(0))
                    counts["evaluated"] += 1
                    for outcome in ev.evaluation.terms:
                        if outcome.status != "missed" or outcome.index in ev.skipped_terms:
                            continue
                        counts["missed"] += 1
                        value = None if outcome.result is None else outcome.result.value
                        webhooks.emit(
                            "sla.breach", vendor_id=vendor.pk, vendor_code=vendor.code,
                            dedupe_key=f"sla.breach:{project.code}:{vendor.code}:{row.name}:{ev.label}:{outcome.index}",
                            data={"project": project.code, "vendor": vendor.code, "policy": row.name,
                                  "version": row.version, "period": ev.label, "term": outcome.label,
                                  "metric": outcome.metric, "target": outcome.target, "value": value},
                        )
    return counts


def evaluate_alerts(period_start: dt.datetime, now: dt.datetime) -> dict:
    from steward.metrics import services

    return dict(services.evaluate_alerts(now))


# --------------------------------------------------------------------------- reminders

def _client_users(*roles: str):
    return User.objects.filter(is_active=True, vendor__isnull=True, role__in=roles)


def _vendor_managers(vendor_id: int):
    return User.objects.filter(is_active=True, vendor_id=vendor_id, role="vendor_manager")


def remind_action_items(today: dt.date, now: dt.datetime) -> int:
    from steward.collaboration import selectors

    by_owner = defaultdict(list)
    for item in selectors.action_reminders(now=now):
        by_owner[item.owner].append(item)
    url = reverse("action-item-list")
    for owner, items in by_owner.items():
        overdue = sum(1 for i in items if i.urgency == "overdue")
        notify([owner], gettext_noop("Action items: %(overdue)s overdue, %(soon)s due soon"),
               {"overdue": overdue, "soon": len(items) - overdue}, url=url)
    return len(by_owner)


def remind_contract_renewals(today: dt.date, now: dt.datetime) -> int:
    from steward.contracts import selectors

    due = selectors.renewal_notices_for_reminders(on=today)
    readers = list(_client_users("client_admin", "outsourcing_manager", "finance"))
    for contract in due:
        notify(readers + list(_vendor_managers(contract.vendor_id)),
               gettext_noop("Contract %(code)s: renewal notice due by %(date)s"),
               {"code": contract.code, "date": contract.notice_deadline.isoformat()},
               url=reverse("contract-detail", kwargs={"code": contract.code}))
    return len(due)


def remind_certifications(today: dt.date, now: dt.datetime) -> int:
    from steward.vendors import selectors

    due = list(selectors.certifications_expiring_for_reminders(within_days=selectors.DEFAULT_REMINDER_DAYS, on=today)
               .select_related("vendor"))
    managers = list(_client_users("client_admin", "outsourcing_manager"))
    for cert in due:
        notify(managers + list(_vendor_managers(cert.vendor_id)),
               gettext_noop("Certification %(name)s of %(vendor)s expires on %(date)s"),
               {"name": str(cert), "vendor": cert.vendor.name, "date": cert.expires_on.isoformat()})
    return len(due)


def remind_overdue_capas(today: dt.date, now: dt.datetime) -> int:
    """Overdue corrective actions: the vendor's managers and the opener are told, and a
    `capa.overdue` webhook goes out once per action and due date."""
    from steward.improvement.models import CorrectiveAction

    overdue = (CorrectiveAction.objects.filter(due_date__lt=today).exclude(status=CorrectiveAction.Status.CLOSED)
               .select_related("vendor", "project", "opened_by").order_by("due_date", "pk"))
    count = 0
    for capa in overdue:
        count += 1
        notify(list(_vendor_managers(capa.vendor_id)) + [capa.opened_by],
               gettext_noop("Corrective action %(ref)s is overdue (due %(date)s)"),
               {"ref": capa.reference, "date": capa.due_date.isoformat()}, url=capa.get_absolute_url())
        webhooks.emit("capa.overdue", vendor_id=capa.vendor_id, vendor_code=capa.vendor.code,
                      dedupe_key=f"capa.overdue:{capa.pk}:{capa.due_date.isoformat()}",
                      data={"id": capa.pk, "reference": capa.reference, "title": capa.title,
                            "project": capa.project.code if capa.project_id else None,
                            "status": capa.status, "due_date": capa.due_date.isoformat()})
    return count


def _optional(module: str, name: str):
    """A reminder service another app may provide (planning, training); None if it does not."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _summary(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    return value


def send_reminders(period_start: dt.datetime, now: dt.datetime) -> dict:
    today = period_start.date()
    summary = {
        "action_items": remind_action_items(today, now),
        "contract_renewals": remind_contract_renewals(today, now),
        "certifications": remind_certifications(today, now),
        "overdue_capas": remind_overdue_capas(today, now),
    }
    for key, module, name in (("planning", "steward.planning.services", "send_overdue_reminders"),
                              ("training", "steward.training.services", "send_training_reminders"),
                              ("coaching", "steward.quality.services", "send_coaching_reminders")):
        function = _optional(module, name)
        if function is not None:
            summary[key] = _summary(function(today))
    return summary


def housekeeping(period_start: dt.datetime, now: dt.datetime) -> dict:
    from steward.api import idempotency
    from steward.interactions import services as interactions
    from steward.interactions import tasks as interaction_tasks

    # Business minutes in an old calendar or an old edition of it (the holiday package gained a
    # year): rebuilt in the background, as after a change of the project's calendar.
    stale = interactions.business_minutes_stale()
    for project_id in stale:
        interaction_tasks.rebuild_business_minutes.enqueue(project_id)
    return {"idempotency_records_purged": idempotency.purge(now), "business_minutes_rebuilds": len(stale)}


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("sla_evaluation", "day", 1, True, evaluate_slas,
            _("Evaluate every project's SLA policies for the periods that closed; webhook per missed term.")),
        Job("alerts", "hour", 0, False, evaluate_alerts, _("Evaluate the KPI alert rules.")),
        Job("reminders", "day", 8, False, send_reminders,
            _("Action items, contract renewals, certifications, overdue corrective actions, plans, trainings, coachings.")),
        Job("housekeeping", "day", 3, False, housekeeping,
            _("Purge stored idempotency answers older than a week; rebuild stale business minutes.")),
    )
}


def period_key(job: Job, start: dt.datetime) -> str:
    return start.strftime("%Y-%m-%d") if job.every == "day" else start.strftime("%Y-%m-%dT%H")


def parse_period(job: Job, key: str, zone) -> dt.datetime:
    fmt = "%Y-%m-%d" if job.every == "day" else "%Y-%m-%dT%H"
    return dt.datetime.strptime(key, fmt).replace(tzinfo=zone)


def due_periods(job: Job, now: dt.datetime, last_key: str | None, zone) -> list[str]:
    """The periods of `job` due at `now` and not yet created: the newest due one, and with
    catch_up the missed ones after `last_key` (at most 7)."""
    local = timezone.localtime(now, zone)
    if job.every == "hour":
        newest = local.replace(minute=0, second=0, microsecond=0)
        step = dt.timedelta(hours=1)
    else:
        if local.hour < job.at_hour:
            local -= dt.timedelta(days=1)
        newest = local.replace(hour=0, minute=0, second=0, microsecond=0)
        step = dt.timedelta(days=1)
    keys = [period_key(job, newest)]
    if job.catch_up and last_key is not None:
        cursor = newest
        for _day in range(6):  # a week back at most
            cursor = (cursor.replace(tzinfo=None) - step).replace(tzinfo=zone)
            key = period_key(job, cursor)
            if key <= last_key:
                break
            keys.append(key)
    return sorted(k for k in keys if last_key is None or k > last_key)
