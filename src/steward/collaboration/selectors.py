"""Every read of the collaboration app, scoped through visible_to(user)."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from steward.collaboration.deadlines import today_in, urgency
from steward.collaboration.models import ActionItem, Announcement, FeedbackMessage, Meeting, ReadReceipt
from steward.core.models import Organisation, Project, User, Vendor
from steward.core.roles import Role

DUE_SOON_DAYS = 3


def feedback_min_group_size() -> int:
    return settings.STEWARD_FEEDBACK_MIN_GROUP_SIZE


def meeting_list(*, user, project: str = "", kind: str = "", q: str = "") -> QuerySet[Meeting]:
    qs = (Meeting.objects.visible_to(user).select_related("project")
          .prefetch_related(Prefetch("vendors", queryset=Vendor.objects.visible_to(user)))
          .annotate(open_actions=Count("action_items", filter=Q(action_items__status__in=["open", "in_progress"])))
          .order_by("-starts_at", "-pk"))
    if project:
        qs = qs.filter(project__code=project)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(agenda__icontains=q) | Q(minutes__icontains=q))
    return qs


def meeting_get(*, user, pk: int) -> Meeting:
    return Meeting.objects.visible_to(user).select_related("project", "organiser").get(pk=pk)


def meeting_vendors(*, user, meeting: Meeting) -> QuerySet[Vendor]:
    return Vendor.objects.visible_to(user).filter(meetings=meeting)


def meeting_attendees(*, user, meeting: Meeting) -> QuerySet[User]:
    """Client staff are named to everyone invited; vendor staff only to the client and to
    their own company (a vendor does not learn who another vendor sent)."""
    qs = meeting.attendees.select_related("vendor")
    if user.is_client_side or user.is_superuser:
        return qs
    return qs.filter(Q(vendor__isnull=True) | Q(vendor_id=user.vendor_id))


def eligible_participants(*, project: Project, vendor_ids) -> QuerySet[User]:
    """Who may attend or own actions: active client staff and active staff of the vendors."""
    return (User.objects.filter(is_active=True)
            .filter(Q(vendor__isnull=True) | Q(vendor_id__in=list(vendor_ids)))
            .select_related("vendor").order_by("vendor__code", "username"))


def _due_before(prefix: str, now: datetime, *, days: int) -> Q:
    """Due date before (today + days) in each project's own time zone."""
    from datetime import timedelta

    q = Q(pk__in=[])
    for zone in Project.objects.order_by().values_list("time_zone", flat=True).distinct():
        q |= Q(**{f"{prefix}time_zone": zone, "due_date__lt": today_in(zone, now) + timedelta(days=days)})
    return q


def action_items(*, user, status: str = "", due: str = "", mine: bool = False, project: str = "",
                 now: datetime | None = None) -> QuerySet[ActionItem]:
    """`due`: "overdue" (before today) or "attention" (overdue or due within DUE_SOON_DAYS)."""
    now = now or timezone.now()
    qs = ActionItem.objects.visible_to(user).select_related("meeting__project", "owner__vendor")
    if status == "active":
        qs = qs.exclude(status__in=ActionItem.FINISHED)
    elif status:
        qs = qs.filter(status=status)
    if due == "overdue":
        qs = qs.exclude(status__in=ActionItem.FINISHED).filter(_due_before("meeting__project__", now, days=0))
    elif due == "attention":
        qs = qs.exclude(status__in=ActionItem.FINISHED).filter(_due_before("meeting__project__", now, days=DUE_SOON_DAYS + 1))
    if mine:
        qs = qs.filter(owner=user)
    if project:
        qs = qs.filter(meeting__project__code=project)
    return qs


def action_reminders(*, now: datetime | None = None, soon_days: int = DUE_SOON_DAYS) -> list[ActionItem]:
    """Unfinished action items that are overdue or due within `soon_days`, across all vendors
    (for the reminder job, which writes to each owner). Each item carries `urgency` and
    `today` in its project's time zone."""
    now = now or timezone.now()
    items = (ActionItem.objects.exclude(status__in=ActionItem.FINISHED)
             .filter(_due_before("meeting__project__", now, days=soon_days + 1))
             .select_related("meeting__project", "owner__vendor").order_by("due_date", "pk"))
    annotated = []
    for item in items:
        item.today = today_in(item.meeting.project.time_zone, now)
        item.urgency = urgency(due=item.due_date, today=item.today, finished=False, soon_days=soon_days)
        annotated.append(item)
    return annotated


def with_urgency(items, *, now: datetime | None = None):
    now = now or timezone.now()
    for item in items:
        today = today_in(item.meeting.project.time_zone, now)
        item.urgency = urgency(due=item.due_date, today=today, finished=item.is_finished, soon_days=DUE_SOON_DAYS)
    return items


def announcement_list(*, user, kind: str = "", unread: bool = False, q: str = "") -> QuerySet[Announcement]:
    qs = (Announcement.objects.visible_to(user).select_related("project", "author")
          .annotate(read_by_me=Exists(ReadReceipt.objects.filter(announcement=OuterRef("pk"), user=user))))
    if kind:
        qs = qs.filter(kind=kind)
    if unread:
        qs = qs.filter(read_by_me=False)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs


def announcement_get(*, user, pk: int) -> Announcement:
    return Announcement.objects.visible_to(user).select_related("project", "author").get(pk=pk)


def announcement_audience(*, user, announcement: Announcement) -> QuerySet[User]:
    """The active people it is addressed to, as far as `user` may see people."""
    addressed = Q(vendor__in=announcement.vendors.all())
    if announcement.to_client:
        addressed |= Q(vendor__isnull=True)
    return User.objects.visible_to(user).filter(addressed, is_active=True)


@dataclass
class ReadShare:
    audience: int
    read: int

    @property
    def percent(self) -> float | None:
        return None if not self.audience else 100 * self.read / self.audience


def announcement_read_share(*, user, announcement: Announcement) -> ReadShare:
    audience = announcement_audience(user=user, announcement=announcement)
    read = ReadReceipt.objects.visible_to(user).filter(announcement=announcement, user__in=audience)
    return ReadShare(audience=audience.count(), read=read.count())


def announcement_receipts(*, user, announcement: Announcement) -> QuerySet[ReadReceipt]:
    return ReadReceipt.objects.visible_to(user).filter(announcement=announcement).select_related("user__vendor")


def announcement_unread(*, user, announcement: Announcement) -> QuerySet[User]:
    audience = announcement_audience(user=user, announcement=announcement)
    return audience.exclude(read_receipts__announcement=announcement).select_related("vendor")


# --- the anonymous feedback box ---------------------------------------------------------

def vendor_headcount(vendor_id: int) -> int:
    """People who could have written: the vendor's active agent accounts."""
    return User.objects.filter(role=Role.AGENT, is_active=True, vendor_id=vendor_id).count()


def team_headcount(vendor_id: int, project_id: int) -> int:
    """The vendor's active agent accounts whose roster entry puts them on the project."""
    return (User.objects.filter(role=Role.AGENT, is_active=True, vendor_id=vendor_id,
                                agent_profile__projects=project_id).distinct().count())


@dataclass
class FeedbackGroup:
    vendor: Vendor
    project: Project | None  # None: the vendor as a whole
    headcount: int
    count: int | None  # None when the group is too small to show


def feedback_list(*, user, topic: str = "", answered: str = "", q: str = "") -> list[FeedbackMessage]:
    """Messages, each with `shown_vendor` / `shown_project` set only where the group behind it
    is at least the minimum size (naming a three-person team would point at its members)."""
    qs = FeedbackMessage.objects.visible_to(user).select_related("vendor", "project")
    if topic:
        qs = qs.filter(topic=topic)
    if answered == "yes":
        qs = qs.exclude(answer="")
    elif answered == "no":
        qs = qs.filter(answer="")
    if q:
        qs = qs.filter(Q(body__icontains=q) | Q(answer__icontains=q))
    minimum = feedback_min_group_size()
    vendor_sizes, team_sizes = {}, {}
    messages = list(qs)
    for message in messages:
        if message.vendor_id not in vendor_sizes:
            vendor_sizes[message.vendor_id] = vendor_headcount(message.vendor_id)
        key = (message.vendor_id, message.project_id)
        if message.project_id and key not in team_sizes:
            team_sizes[key] = team_headcount(*key)
        message.shown_vendor = message.vendor if vendor_sizes[message.vendor_id] >= minimum else None
        message.shown_project = (message.project if message.project_id and team_sizes[key] >= minimum
                                 and message.shown_vendor else None)
    return messages


def feedback_groups(*, user) -> list[FeedbackGroup]:
    """Message counts per vendor and per (vendor, project) team, with the count withheld for
    any group of fewer people than the minimum."""
    minimum = feedback_min_group_size()
    visible = FeedbackMessage.objects.visible_to(user)
    vendors = {v.pk: v for v in Vendor.objects.visible_to(user)}
    projects = {p.pk: p for p in Project.objects.visible_to(user)}
    groups = []
    for row in visible.order_by().values("vendor").annotate(n=Count("pk")).order_by("vendor"):
        headcount = vendor_headcount(row["vendor"])
        groups.append(FeedbackGroup(vendors[row["vendor"]], None, headcount,
                                    row["n"] if headcount >= minimum else None))
    for row in (visible.filter(project__isnull=False).order_by().values("vendor", "project")
                .annotate(n=Count("pk")).order_by("vendor", "project")):
        headcount = team_headcount(row["vendor"], row["project"])
        groups.append(FeedbackGroup(vendors[row["vendor"]], projects.get(row["project"]), headcount,
                                    row["n"] if headcount >= minimum else None))
    return groups


def projects_of_own_vendor(*, user) -> QuerySet[Project]:
    """The projects an agent may file feedback about: those their vendor serves."""
    return Project.objects.visible_to(user).filter(vendors=user.vendor_id)


def feedback_get(*, user, pk) -> FeedbackMessage:
    return FeedbackMessage.objects.visible_to(user).get(pk=pk)


def client_today(now: datetime | None = None):
    return today_in(Organisation.current().time_zone, now or timezone.now())
