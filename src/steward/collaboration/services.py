"""Every write of the collaboration app: one function per use case, keyword-only, transactional,
validated before anything is saved, so the UI, the API and the CLI reject the same input with
the same message."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.collaboration.models import ActionItem, Announcement, Decision, FeedbackMessage, Meeting, ReadReceipt
from steward.core.models import Project, User, Vendor
from steward.core.roles import Role


def _clean_vendors(project: Project, vendors) -> list[Vendor]:
    vendors = list(vendors)
    serving = set(project.vendors.values_list("pk", flat=True))
    strangers = [v.code for v in vendors if v.pk not in serving]
    if strangers:
        raise ValidationError({"vendors": _("%(codes)s do not serve project %(project)s.")
                               % {"codes": ", ".join(strangers), "project": project.code}})
    return vendors


def may_take_part(user: User, vendor_ids: set[int]) -> bool:
    """Client staff, and the staff of the vendors a meeting involves."""
    return user.is_active and (user.is_client_side or user.vendor_id in vendor_ids)


def _clean_attendees(attendees, vendor_ids: set[int]) -> list[User]:
    attendees = list(attendees)
    outsiders = [u.username for u in attendees if not may_take_part(u, vendor_ids)]
    if outsiders:
        raise ValidationError({"attendees": _(
            "%(names)s cannot attend: attendees are client staff or staff of the vendors taking part."
        ) % {"names": ", ".join(outsiders)}})
    return attendees


def _require_client(actor: User) -> None:
    if not actor.is_client_side:
        raise ValidationError(_("Only the client's staff can do this."))


@transaction.atomic
def meeting_create(
    *, actor: User, project: Project, kind: str, title: str, starts_at: datetime, vendors,
    attendees=(), duration_minutes: int = 60, location: str = "", agenda: str = "",
) -> Meeting:
    _require_client(actor)
    vendors = _clean_vendors(project, vendors)
    attendees = _clean_attendees(attendees, {v.pk for v in vendors})
    meeting = Meeting(project=project, kind=kind, title=title, starts_at=starts_at,
                      duration_minutes=duration_minutes, location=location, agenda=agenda, organiser=actor)
    meeting.full_clean()
    meeting.save()
    meeting.vendors.set(vendors)
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def meeting_update(
    *, actor: User, meeting: Meeting, kind: str, title: str, starts_at: datetime, vendors, attendees,
    duration_minutes: int, location: str, agenda: str, minutes: str, status: str,
) -> Meeting:
    _require_client(actor)
    vendors = _clean_vendors(meeting.project, vendors)
    vendor_ids = {v.pk for v in vendors}
    attendees = _clean_attendees(attendees, vendor_ids)
    # An action item may not be left with an owner whose company no longer takes part.
    stranded = [i.title for i in meeting.action_items.select_related("owner")
                if not i.is_finished and not may_take_part(i.owner, vendor_ids)]
    if stranded:
        raise ValidationError({"vendors": _(
            "Open action items are owned by staff of a vendor you removed: %(items)s. Reassign them first."
        ) % {"items": "; ".join(stranded)}})
    meeting.kind, meeting.title, meeting.starts_at = kind, title, starts_at
    meeting.duration_minutes, meeting.location, meeting.agenda = duration_minutes, location, agenda
    meeting.minutes, meeting.status = minutes, status
    meeting.full_clean()
    meeting.save()
    meeting.vendors.set(vendors)
    meeting.attendees.set(attendees)
    return meeting


@transaction.atomic
def decision_add(*, actor: User, meeting: Meeting, text: str) -> Decision:
    _require_client(actor)
    decision = Decision(meeting=meeting, text=text.strip(), recorded_by=actor)
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def action_item_create(
    *, actor: User, meeting: Meeting, title: str, owner: User, due_date: date, notes: str = "",
) -> ActionItem:
    _require_client(actor)
    if not may_take_part(owner, set(meeting.vendors.values_list("pk", flat=True))):
        raise ValidationError({"owner": _(
            "The owner must be client staff or staff of a vendor taking part in the meeting."
        )})
    item = ActionItem(meeting=meeting, title=title.strip(), owner=owner, due_date=due_date, notes=notes,
                      created_by=actor)
    item.full_clean()
    item.save()
    return item


def may_update_action_item(actor: User, item: ActionItem) -> bool:
    """The client's staff, the owner, and the manager of the owner's company."""
    if actor.is_client_side:
        return True
    if actor.pk == item.owner_id:
        return True
    return actor.role == Role.VENDOR_MANAGER and actor.vendor_id is not None and actor.vendor_id == item.owner.vendor_id


@transaction.atomic
def action_item_set_status(*, actor: User, item: ActionItem, status: str, now: datetime | None = None) -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": _("Unknown status %(status)s.") % {"status": status}})
    if not may_update_action_item(actor, item):
        raise ValidationError(_("Only the client's staff, the owner or the owner's manager can update this action."))
    if item.status == status:
        return item
    item.status = status
    item.completed_at = (now or timezone.now()) if status == ActionItem.Status.DONE else None
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def announcement_publish(
    *, actor: User, kind: str, title: str, body: str, to_client: bool = True, all_vendors: bool = False,
    vendors=(), project: Project | None = None,
) -> Announcement:
    _require_client(actor)
    if all_vendors:
        vendors = list(project.vendors.all() if project else Vendor.objects.exclude(status=Vendor.Status.OFFBOARDED))
    else:
        vendors = list(vendors)
        if project is not None:
            vendors = _clean_vendors(project, vendors)
    if not to_client and not vendors:
        raise ValidationError(_("Choose who receives this: the client's staff, all vendors or some vendors."))
    announcement = Announcement(kind=kind, title=title, body=body, to_client=to_client, project=project, author=actor)
    announcement.full_clean()
    announcement.save()
    announcement.vendors.set(vendors)
    return announcement


def is_addressed_to(user: User, announcement: Announcement) -> bool:
    if user.is_client_side:
        return announcement.to_client
    return announcement.vendors.filter(pk=user.vendor_id).exists()


@transaction.atomic
def announcement_mark_read(*, user: User, announcement: Announcement, now: datetime | None = None) -> ReadReceipt | None:
    """Record the first reading by someone the announcement is addressed to; others (an
    auditor browsing a vendor-only notice) leave no receipt."""
    if not is_addressed_to(user, announcement):
        return None
    receipt, _created = ReadReceipt.objects.get_or_create(
        announcement=announcement, user=user, defaults={"read_at": now or timezone.now()}
    )
    return receipt


@transaction.atomic
def feedback_submit(*, vendor: Vendor, project: Project | None, topic: str, body: str, today: date) -> FeedbackMessage:
    """Takes no user on purpose: the caller passes the sender's vendor only, so the sender
    cannot end up stored by accident. `today` is the date in the client's time zone."""
    body = body.strip()
    if project is not None and not project.vendors.filter(pk=vendor.pk).exists():
        raise ValidationError({"project": _("Your company does not serve this project.")})
    message = FeedbackMessage(vendor=vendor, project=project, topic=topic, body=body, received_on=today)
    message.full_clean()
    message.save()
    return message


@transaction.atomic
def feedback_answer(*, actor: User, message: FeedbackMessage, answer: str, now: datetime | None = None) -> FeedbackMessage:
    _require_client(actor)
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write an answer.")})
    message.answer, message.answered_by, message.answered_at = answer, actor, now or timezone.now()
    message.full_clean()
    message.save()
    return message
