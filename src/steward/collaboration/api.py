"""Collaboration API: meetings, action items, announcements and the feedback box. Every route
starts from a scoped selector, so another vendor's object is a 404."""

from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from steward.api.permissions import require_perm
from steward.collaboration import selectors, services
from steward.collaboration.models import ActionItem, Announcement, FeedbackMessage, Meeting
from steward.collaboration.people import label_for

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


class StatusIn(Schema):
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


class FeedbackIn(Schema):
    topic: str = FeedbackMessage.Topic.OTHER
    body: str
    project: str | None = None


class ErrorOut(Schema):
    detail: str


def _validation_detail(error: ValidationError) -> str:
    return " ".join(error.messages)


@router.get("/meetings", response=list[MeetingOut])
def meetings(request, project: str = "", kind: str = "", q: str = ""):
    require_perm(request, "collaboration.view_meeting")
    return list(selectors.meeting_list(user=request.user, project=project, kind=kind, q=q)[:500])


@router.get("/meetings/{pk}", response=MeetingDetailOut)
def meeting(request, pk: int):
    require_perm(request, "collaboration.view_meeting")
    try:
        m = selectors.meeting_get(user=request.user, pk=pk)
    except Meeting.DoesNotExist:
        raise Http404 from None
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
    try:
        services.action_item_set_status(actor=request.user, item=item, status=payload.status)
    except ValidationError as error:
        return 400, {"detail": _validation_detail(error)}
    return 200, selectors.with_urgency([item])[0]


@router.get("/announcements", response=list[AnnouncementOut])
def announcements(request, kind: str = "", unread: bool = False):
    require_perm(request, "collaboration.view_announcement")
    return list(selectors.announcement_list(user=request.user, kind=kind, unread=unread)[:500])


@router.post("/announcements/{pk}/read", response=AnnouncementOut)
def announcement_read(request, pk: int):
    require_perm(request, "collaboration.view_announcement")
    try:
        a = selectors.announcement_get(user=request.user, pk=pk)
    except Announcement.DoesNotExist:
        raise Http404 from None
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
    try:
        services.feedback_submit(vendor=user.vendor, project=project, topic=payload.topic, body=payload.body,
                                 today=selectors.client_today())
    except ValidationError as error:
        return 400, {"detail": _validation_detail(error)}
    return 201, {"detail": _("Thank you. Your message was delivered without your name.")}
