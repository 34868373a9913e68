"""Reads of the integrations app, scoped through visible_to(user)."""

from django.db.models import QuerySet

from steward.integrations.models import JobRun, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, user) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.visible_to(user).select_related("vendor")


def endpoint_get(*, user, pk: int) -> WebhookEndpoint:
    return endpoint_list(user=user).get(pk=pk)


def delivery_list(*, user, endpoint: WebhookEndpoint | None = None, status: str = "") -> QuerySet[WebhookDelivery]:
    rows = WebhookDelivery.objects.visible_to(user).select_related("endpoint")
    if endpoint is not None:
        rows = rows.filter(endpoint=endpoint)
    if status:
        rows = rows.filter(status=status)
    return rows


def delivery_get(*, user, pk: int) -> WebhookDelivery:
    return delivery_list(user=user).get(pk=pk)


def undelivered_count(*, user) -> int:
    """Deliveries still retrying or given up, of the endpoints the user may see."""
    return delivery_list(user=user).filter(status__in=[WebhookDelivery.Status.RETRYING,
                                                      WebhookDelivery.Status.DEAD]).count()


def job_run_get(*, pk: int) -> JobRun:
    return JobRun.objects.get(pk=pk)


def job_runs(*, status: str = "", job: str = "") -> QuerySet[JobRun]:
    """Job runs are the client's own operations: only client roles hold the permission."""
    rows = JobRun.objects.all()
    if status:
        rows = rows.filter(status=status)
    if job:
        rows = rows.filter(job=job)
    return rows


def failed_tasks(limit: int = 50):
    """The task queue's own failures (imports, scans, deliveries), newest first."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="FAILED").order_by("-finished_at")[:limit]


def task_counts() -> dict[str, int]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    return dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
