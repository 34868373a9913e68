"""Every read of the improvement app, scoped through visible_to(user)."""

from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from steward.collaboration.deadlines import today_in, urgency
from steward.core.models import Organisation, Project, User, Vendor
from steward.core.pages import SMALLINT_MAX, whole_number
from steward.improvement import scoring, workflow
from steward.improvement.models import CapaAction, CorrectiveAction, Risk

DUE_SOON_DAYS = 7


def _zone(project: Project | None) -> str:
    return project.time_zone if project else Organisation.current().time_zone


def _due_before(prefix: str, field: str, now: datetime, days: int) -> Q:
    """`field` before (today + days), today taken in each project's time zone (the client's
    for rows without a project)."""
    q = Q(**{f"{prefix}isnull": True, f"{field}__lt": today_in(Organisation.current().time_zone, now) + timedelta(days=days)})
    for zone in Project.objects.order_by().values_list("time_zone", flat=True).distinct():
        q |= Q(**{f"{prefix}time_zone": zone, f"{field}__lt": today_in(zone, now) + timedelta(days=days)})
    return q


def capa_list(*, user, status: str = "", vendor: str = "", project: str = "", source: str = "", due: str = "",
              q: str = "", now: datetime | None = None) -> QuerySet[CorrectiveAction]:
    now = now or timezone.now()
    qs = (CorrectiveAction.objects.visible_to(user).select_related("vendor", "project")
          .annotate(open_steps=Count("actions", filter=Q(actions__status__in=["open", "in_progress"])))
          .order_by("-opened_at", "-pk"))
    if status == "active":
        qs = qs.exclude(status=CorrectiveAction.Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if vendor:
        qs = qs.filter(vendor__code=vendor)
    if project:
        qs = qs.filter(project__code=project)
    if source:
        qs = qs.filter(source=source)
    if due == "overdue":
        qs = qs.exclude(status=CorrectiveAction.Status.CLOSED).filter(_due_before("project__", "due_date", now, 0))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(problem__icontains=q) | Q(root_cause__icontains=q)
                       | Q(lessons__icontains=q) | Q(source_reference__icontains=q))
    return qs


def with_urgency(rows, *, finished, soon_days: int = DUE_SOON_DAYS, project_of=lambda r: r.project,
                 now: datetime | None = None):
    now = now or timezone.now()
    for row in rows:
        today = today_in(_zone(project_of(row)), now)
        row.urgency = urgency(due=row.due_date, today=today, finished=finished(row), soon_days=soon_days)
    return rows


def capa_board(*, user, vendor: str = "", project: str = "", now: datetime | None = None) -> list[dict]:
    """Columns of the status board in workflow order, closed cases last (the latest 20)."""
    cases = list(capa_list(user=user, vendor=vendor, project=project, now=now).exclude(status="closed"))
    closed = list(capa_list(user=user, vendor=vendor, project=project, status="closed").order_by("-closed_at")[:20])
    with_urgency(cases + closed, finished=lambda c: c.status == "closed", now=now)
    columns = []
    for value, label in CorrectiveAction.Status.choices:
        rows = closed if value == "closed" else [c for c in cases if c.status == value]
        columns.append({"status": value, "label": label, "cases": rows})
    return columns


def capa_get(*, user, pk: int) -> CorrectiveAction:
    return CorrectiveAction.objects.visible_to(user).select_related("vendor", "project", "opened_by",
                                                                    "verified_by").get(pk=pk)


def capa_actions(*, user, capa: CorrectiveAction, now: datetime | None = None) -> list[CapaAction]:
    rows = list(CapaAction.objects.visible_to(user).filter(capa=capa).select_related("owner__vendor"))
    return with_urgency(rows, finished=lambda a: a.is_finished, project_of=lambda a: capa.project, now=now)


def capa_action_get(*, user, pk: int) -> CapaAction:
    return CapaAction.objects.visible_to(user).select_related("capa").get(pk=pk)


def capa_owner_choices(*, capa: CorrectiveAction) -> QuerySet[User]:
    return (User.objects.filter(is_active=True).filter(Q(vendor__isnull=True) | Q(vendor_id=capa.vendor_id))
            .select_related("vendor").order_by("vendor__code", "username"))


def capa_steps(*, user, capa: CorrectiveAction) -> list[str]:
    if not user.is_client_side and user.vendor_id != capa.vendor_id:
        return []
    side = workflow.Side.CLIENT if user.is_client_side else workflow.Side.VENDOR
    return [step.value for step in workflow.allowed_steps(workflow.Status(capa.status), side)]


def capa_overdue(*, now: datetime | None = None) -> list[CorrectiveAction]:
    """Unclosed cases past their due date and cases with overdue steps, across all vendors
    (for the reminder command)."""
    now = now or timezone.now()
    late_steps = (CapaAction.objects.exclude(status__in=CapaAction.FINISHED)
                  .filter(_due_before("capa__project__", "due_date", now, 0)).values("capa"))
    cases = (CorrectiveAction.objects.exclude(status=CorrectiveAction.Status.CLOSED)
             .filter(_due_before("project__", "due_date", now, 0) | Q(pk__in=late_steps))
             .select_related("vendor", "project").order_by("due_date", "pk"))
    return with_urgency(list(cases), finished=lambda c: False, now=now)


def case_library(*, user, q: str = "", source: str = "") -> QuerySet[CorrectiveAction]:
    return capa_list(user=user, status="closed", q=q, source=source).order_by("-closed_at")


# --- risks -------------------------------------------------------------------------------

def risk_list(*, user, project: str = "", status: str = "", category: str = "", likelihood: str = "",
              impact: str = "", band: str = "", review: str = "", q: str = "",
              now: datetime | None = None) -> QuerySet[Risk]:
    qs = (Risk.objects.visible_to(user).select_related("project", "owner__vendor")
          .prefetch_related(Prefetch("vendors", queryset=Vendor.objects.visible_to(user))))
    if project:
        qs = qs.filter(project__code=project)
    if status == "active":
        qs = qs.exclude(status=Risk.Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if (level := whole_number(likelihood, limit=SMALLINT_MAX)) is not None:
        qs = qs.filter(likelihood=level)
    if (level := whole_number(impact, limit=SMALLINT_MAX)) is not None:
        qs = qs.filter(impact=level)
    if band:
        bounds = [floor for floor, name in scoring.BANDS]
        names = [name for floor, name in scoring.BANDS]
        if band in names:
            i = names.index(band)
            qs = qs.filter(score__gte=bounds[i])
            if i > 0:
                qs = qs.filter(score__lt=bounds[i - 1])
    if review == "due":
        qs = qs.exclude(status=Risk.Status.CLOSED).filter(_due_before("project__", "review_date", now or timezone.now(), 1))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(mitigation__icontains=q))
    return qs


def risk_heatmap(*, user, project: str = "", status: str = "active") -> list[list[dict]]:
    counts = {}
    for row in (risk_list(user=user, project=project, status=status).order_by()
                .values("likelihood", "impact").annotate(n=Count("pk"))):
        counts[(row["likelihood"], row["impact"])] = row["n"]
    return scoring.heat_grid(counts)


def risk_get(*, user, pk: int) -> Risk:
    return Risk.objects.visible_to(user).select_related("project", "owner__vendor", "created_by").get(pk=pk)


def risk_owner_choices(*, project: Project) -> QuerySet[User]:
    return (User.objects.filter(is_active=True)
            .filter(Q(vendor__isnull=True) | Q(vendor__in=project.vendors.all()))
            .select_related("vendor").order_by("vendor__code", "username"))


def review_overdue(risk: Risk, now: datetime | None = None) -> bool:
    today = today_in(risk.project.time_zone, now or timezone.now())
    return risk.status != Risk.Status.CLOSED and risk.review_date < today
