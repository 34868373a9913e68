"""Collaboration API: meetings, action items, announcements and the feedback box. Every route
starts from a scoped selector, so another vendor's object is a 404."""

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Moment, Payload, apply_form, call_service, project_named, visible
from steward.collaboration import forms, selectors, services
from steward.collaboration.models import ActionItem, FeedbackMessage, Meeting
from steward.collaboration.people import label_for
from steward.core import selectors as core_selectors
from steward.core.models import User, Vendor

router = Router(tags=["collaboration"])



class ActionItemOut(Schema):
    id: int
    meeting: int
    project: str
    title: str
    owner: str
    due_date: date
    status: str
    urgency: str

    @staticmethod
    def resolve_meeting(item) -> int:
        return item.meeting_id

    @staticmethod
    def resolve_project(item) -> str:
        return item.meeting.project.code

    @staticmethod
    def resolve_owner(item, context) -> str:
        return label_for(item.owner, context["request"].user)


class MeetingOut(Schema):
    id: int
    project: str
    kind: str
    title: str
    starts_at: datetime
    status: str
    agenda: str
    minutes: str

    @staticmethod
    def resolve_project(meeting) -> str:
        return meeting.project.code


class MeetingDetailOut(Schema):
    id: int
    project: str
    kind: str
    title: str
    starts_at: datetime
    status: str
    agenda: str
    minutes: str
    vendors: list[str]
    decisions: list[str]
    action_items: list[ActionItemOut]


class StatusIn(Payload):
    status: str


class AnnouncementOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    project: str | None
    published_at: datetime
    read_by_me: bool

    @staticmethod
    def resolve_project(a) -> str | None:
        return a.project.code if a.project_id else None


class FeedbackOut(Schema):
    id: UUID
    received_on: date
    topic: str
    body: str
    vendor: str | None
    project: str | None
    answer: str

    @staticmethod
    def resolve_vendor(m) -> str | None:
        return m.shown_vendor.code if m.shown_vendor else None

    @staticmethod
    def resolve_project(m) -> str | None:
        return m.shown_project.code if m.shown_project else None


class FeedbackIn(Payload):
    topic: str = FeedbackMessage.Topic.OTHER
    body: str
    project: str | None = None


class ErrorOut(Schema):
    detail: str


@router.get("/meetings", response=list[MeetingOut])
def meetings(request, project: str = "", kind: str = "", q: str = ""):
    require_perm(request, "collaboration.view_meeting")
    return list(selectors.meeting_list(user=request.user, project=project, kind=kind, q=q)[:500])


@router.get("/meetings/{pk}", response=MeetingDetailOut)
def meeting(request, pk: int):
    require_perm(request, "collaboration.view_meeting")
    m = visible(selectors.meeting_get, request, pk=pk)
    items = selectors.with_urgency(list(selectors.action_items(user=request.user).filter(meeting=m)))
    return {
        "id": m.pk, "project": m.project.code, "kind": m.kind, "title": m.title, "starts_at": m.starts_at,
        "status": m.status, "agenda": m.agenda, "minutes": m.minutes,
        "vendors": [v.code for v in selectors.meeting_vendors(user=request.user, meeting=m)],
        "decisions": [d.text for d in m.decisions.all()],
        "action_items": items,
    }


@router.get("/action-items", response=list[ActionItemOut])
def action_items(request, status: str = "", due: str = "", project: str = "", mine: bool = False):
    """`due=overdue` or `due=attention` (overdue or due within three days)."""
    require_perm(request, "collaboration.view_actionitem")
    items = selectors.action_items(user=request.user, status=status, due=due, project=project, mine=mine)
    return selectors.with_urgency(list(items[:1000]))


@router.post("/action-items/{pk}/status", response={200: ActionItemOut, 400: ErrorOut})
def action_item_status(request, pk: int, payload: StatusIn):
    require_perm(request, "collaboration.change_actionitem")
    try:
        item = selectors.action_items(user=request.user).get(pk=pk)
    except ActionItem.DoesNotExist:
        raise Http404 from None
    call_service(services.action_item_set_status, actor=request.user, item=item, status=payload.status)
    return 200, selectors.with_urgency([item])[0]


@router.get("/announcements", response=list[AnnouncementOut])
def announcements(request, kind: str = "", unread: bool = False):
    require_perm(request, "collaboration.view_announcement")
    return list(selectors.announcement_list(user=request.user, kind=kind, unread=unread)[:500])


@router.post("/announcements/{pk}/read", response=AnnouncementOut)
def announcement_read(request, pk: int):
    require_perm(request, "collaboration.view_announcement")
    a = visible(selectors.announcement_get, request, pk=pk)
    services.announcement_mark_read(user=request.user, announcement=a)
    return selectors.announcement_list(user=request.user).get(pk=pk)


@router.get("/feedback", response=list[FeedbackOut])
def feedback(request, topic: str = ""):
    require_perm(request, "collaboration.view_feedbackmessage")
    return selectors.feedback_list(user=request.user, topic=topic)[:1000]


@router.post("/feedback", response={201: ErrorOut, 400: ErrorOut})
def feedback_send(request, payload: FeedbackIn):
    """An agent's anonymous message. The answer echoes no id, so the sender holds no receipt
    that could be matched to the message later."""
    require_perm(request, "collaboration.add_feedbackmessage")
    user = request.user
    if user.vendor_id is None:
        raise PermissionDenied
    project = None
    if payload.project:
        project = selectors.projects_of_own_vendor(user=user).filter(code=payload.project).first()
        if project is None:
            return 400, {"detail": _("Your company does not serve this project.")}
    call_service(services.feedback_submit, vendor=user.vendor, project=project, topic=payload.topic, body=payload.body,
                 today=selectors.client_today())
    return 201, {"detail": _("Thank you. Your message was delivered without your name.")}


# --- writes (client staff, as on the pages) ------------------------------------------------

class MeetingIn(Payload):
    project: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    title: str = Field(min_length=1, max_length=200)
    starts_at: Moment = Field(description="Local time in the project's time zone; an offset, if sent, is "
                                          "converted to it.")
    duration_minutes: int = Field(60, ge=5, le=24 * 60)
    location: str = Field("", max_length=300)
    vendors: list[str] = Field(default=[], max_length=100, description="Vendor codes taking part.")
    attendees: list[str] = Field(default=[], max_length=500, description="Usernames.")
    agenda: str = Field("", max_length=20000)


class MeetingPatch(Payload):
    kind: str | None = Field(None, max_length=32)
    title: str | None = Field(None, min_length=1, max_length=200)
    starts_at: Moment | None = None
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60)
    location: str | None = Field(None, max_length=300)
    vendors: list[str] | None = Field(None, max_length=100)
    attendees: list[str] | None = Field(None, max_length=500)
    agenda: str | None = Field(None, max_length=20000)
    minutes: str | None = Field(None, max_length=50000)
    status: str | None = Field(None, max_length=32)


class MeetingDecisionIn(Payload):
    text: str = Field(min_length=1, max_length=5000)


class MeetingDecisionOut(Schema):
    id: int
    meeting: int
    text: str


class ActionItemIn(Payload):
    title: str = Field(min_length=1, max_length=300)
    owner: str = Field(max_length=150, description="Username of client staff or of a vendor taking part.")
    due_date: date
    notes: str = Field("", max_length=5000)


class AnnouncementIn(Payload):
    kind: str = Field(max_length=32)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=50000)
    project: str | None = Field(None, max_length=32)
    to_client: bool = True
    audience: str = Field("none", description="none, all (every vendor, of the project if one is given) or chosen")
    vendors: list[str] = Field(default=[], max_length=200, description="Vendor codes when audience is chosen.")


class FeedbackAnswerIn(Payload):
    answer: str = Field(min_length=1, max_length=5000)


def _meeting(request, pk: int) -> Meeting:
    return visible(selectors.meeting_get, request, pk=pk)


def _wall_clock(moment: datetime, zone: str) -> datetime:
    """An aware time as the wall-clock time in `zone` (naive), as the page's form takes it."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if timezone.is_aware(moment) else moment


def _in_zone(moment: datetime, zone: str) -> datetime:
    """The form's wall-clock time read in the project's zone (as the page does)."""
    naive = timezone.make_naive(moment) if timezone.is_aware(moment) else moment
    return naive.replace(tzinfo=ZoneInfo(zone))


def _usernames_to_ids(names, people) -> list[str] | str:
    by_name = {u.username: str(u.pk) for u in people}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        return _("attendees: %(names)s cannot take part.") % {"names": ", ".join(unknown)}
    return [by_name[n] for n in names]


def _meeting_write(request, form, zone: str, write, **kwargs):
    return apply_form(form, lambda **d: write(
        actor=request.user, kind=d["kind"], title=d["title"], starts_at=_in_zone(d["starts_at"], zone),
        vendors=Vendor.objects.filter(code__in=d["vendors"]), attendees=User.objects.filter(pk__in=d["attendees"]),
        duration_minutes=d["duration_minutes"], location=d["location"], agenda=d["agenda"],
        **{k: d[k] for k in ("minutes", "status") if k in d}, **kwargs))


@router.post("/meetings", response={201: MeetingDetailOut, 400: ErrorOut})
@idempotent
def meeting_create(request, payload: MeetingIn):
    """Plan a meeting. Honours an Idempotency-Key header."""
    require_perm(request, "collaboration.add_meeting")
    projects = core_selectors.project_list(user=request.user)
    project = project_named(request, payload.project)
    vendors = core_selectors.project_vendors(user=request.user, project=project)
    people = selectors.eligible_participants(project=project, vendor_ids=[v.pk for v in vendors])
    data = payload.dict()
    data["starts_at"] = _wall_clock(payload.starts_at, project.time_zone)
    data["attendees"] = _usernames_to_ids(payload.attendees, people)
    if isinstance(data["attendees"], str):
        return 400, {"detail": data["attendees"]}
    form = forms.MeetingForm(data, projects=projects, vendors=vendors, people=people)
    created = _meeting_write(request, form, project.time_zone, services.meeting_create, project=project)
    return 201, meeting(request, created.pk)


@router.patch("/meetings/{pk}", response={200: MeetingDetailOut, 400: ErrorOut})
def meeting_edit(request, pk: int, payload: MeetingPatch):
    """Change a meeting (minutes, status, participants...); only the fields sent change."""
    require_perm(request, "collaboration.change_meeting")
    m = _meeting(request, pk)
    zone = m.project.time_zone
    vendors = core_selectors.project_vendors(user=request.user, project=m.project)
    people = selectors.eligible_participants(project=m.project, vendor_ids=[v.pk for v in vendors])
    data = {"kind": m.kind, "title": m.title, "starts_at": _wall_clock(m.starts_at, zone),
            "duration_minutes": m.duration_minutes, "location": m.location, "agenda": m.agenda,
            "minutes": m.minutes, "status": m.status, "vendors": [v.code for v in m.vendors.all()],
            "attendees": [str(pk) for pk in m.attendees.values_list("pk", flat=True)]}
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if "starts_at" in changes:
        changes["starts_at"] = _wall_clock(changes["starts_at"], zone)
    if "attendees" in changes:
        changes["attendees"] = _usernames_to_ids(changes["attendees"], people)
        if isinstance(changes["attendees"], str):
            return 400, {"detail": changes["attendees"]}
    data.update(changes)
    form = forms.MeetingEditForm(data, projects=[], vendors=vendors, people=people)
    _meeting_write(request, form, zone, services.meeting_update, meeting=m)
    return 200, meeting(request, pk)


@router.post("/meetings/{pk}/decisions", response={201: MeetingDecisionOut, 400: ErrorOut})
@idempotent
def decision_add(request, pk: int, payload: MeetingDecisionIn):
    """Record a decision of the meeting. Honours an Idempotency-Key header."""
    require_perm(request, "collaboration.change_meeting")
    m = _meeting(request, pk)
    decision = apply_form(forms.DecisionForm(payload.dict()), services.decision_add, actor=request.user,
                          meeting=m)
    return 201, {"id": decision.pk, "meeting": m.pk, "text": decision.text}


@router.post("/meetings/{pk}/action-items", response={201: ActionItemOut, 400: ErrorOut})
@idempotent
def action_item_add(request, pk: int, payload: ActionItemIn):
    """Add an action item; the owner is client staff or staff of a vendor taking part. Honours an
    Idempotency-Key header."""
    require_perm(request, "collaboration.change_meeting")
    m = _meeting(request, pk)
    people = selectors.eligible_participants(project=m.project, vendor_ids=m.vendors.values_list("pk", flat=True))
    owner = people.filter(username=payload.owner).first()
    if owner is None:
        return 400, {"detail": _("The owner must be client staff or staff of a vendor taking part in the meeting.")}
    form = forms.ActionItemForm({**payload.dict(), "owner": str(owner.pk)}, people=people)
    item = apply_form(form, lambda **d: services.action_item_create(
        actor=request.user, meeting=m, title=d["title"], owner=owner, due_date=d["due_date"], notes=d["notes"]))
    return 201, selectors.with_urgency([selectors.action_items(user=request.user).get(pk=item.pk)])[0]


@router.post("/announcements", response={201: AnnouncementOut, 400: ErrorOut})
@idempotent
def announcement_create(request, payload: AnnouncementIn):
    """Publish an announcement to the client's staff and/or vendors. Honours an Idempotency-Key header."""
    require_perm(request, "collaboration.add_announcement")
    projects = core_selectors.project_list(user=request.user)
    vendors = core_selectors.vendor_list(user=request.user)
    form = forms.AnnouncementForm({k: v for k, v in payload.dict().items() if v is not None}, projects=projects,
                                  vendors=vendors)
    Form = forms.AnnouncementForm
    created = apply_form(form, lambda **d: services.announcement_publish(
        actor=request.user, kind=d["kind"], title=d["title"], body=d["body"],
        project=projects.filter(code=d["project"]).first() if d["project"] else None, to_client=d["to_client"],
        all_vendors=d["audience"] == Form.AUDIENCE_ALL,
        vendors=vendors.filter(code__in=d["vendors"]) if d["audience"] == Form.AUDIENCE_CHOSEN else []))
    return 201, selectors.announcement_list(user=request.user).get(pk=created.pk)


@router.post("/feedback/{pk}/answer", response={200: FeedbackOut, 400: ErrorOut})
def feedback_answer(request, pk: UUID, payload: FeedbackAnswerIn):
    """Publish the client's answer to an anonymous message (everyone who sees it reads the answer)."""
    require_perm(request, "collaboration.change_feedbackmessage")
    message = visible(selectors.feedback_get, request, pk=pk)
    apply_form(forms.FeedbackAnswerForm(payload.dict()), services.feedback_answer, actor=request.user,
               message=message)
    return 200, next(m for m in selectors.feedback_list(user=request.user) if m.pk == message.pk)
