"""Integrations API: webhook endpoints with their delivery log, and the background job runs
(client administrators manage them, auditors read them, as on the pages). The signing secret
is answered only when it is made (create, rotate), never in reads."""

from datetime import datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, call_service, clean_form, visible
from steward.core.api import ErrorOut
from steward.core.models import Vendor
from steward.integrations import jobs, scheduler, selectors, webhooks
from steward.integrations.forms import EndpointForm
from steward.integrations.models import JobRun, WebhookDelivery

router = Router(tags=["integrations"])

MAX_ROWS = 500


class EndpointOut(Schema):
    id: int
    name: str
    url: str
    vendor: str | None
    events: list[str]
    active: bool
    created_at: datetime

    @staticmethod
    def resolve_vendor(endpoint) -> str | None:
        return endpoint.vendor.code if endpoint.vendor_id else None


class EndpointSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret: shown once; configure it at the receiver.")


class EndpointIn(Payload):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500)
    events: list[str] = Field(min_length=1, max_length=50)
    vendor: str | None = Field(None, max_length=32, description="A vendor's endpoint receives only its events.")
    active: bool = True


class EndpointPatch(Payload):
    name: str | None = Field(None, min_length=1, max_length=100)
    url: str | None = Field(None, min_length=1, max_length=500)
    events: list[str] | None = Field(None, min_length=1, max_length=50)
    vendor: str | None = Field(None, max_length=32, description="An empty string: the whole organisation.")
    active: bool | None = None


class DeliveryOut(Schema):
    id: int
    endpoint: int
    event: str
    event_id: UUID
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    replay_of: int | None

    @staticmethod
    def resolve_endpoint(d) -> int:
        return d.endpoint_id

    @staticmethod
    def resolve_replay_of(d) -> int | None:
        return d.replay_of_id


class JobRunOut(Schema):
    id: int
    job: str
    period: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _form(values: dict) -> EndpointForm | str:
    """The page's form, with the vendor given by code."""
    data = {k: v for k, v in values.items() if v is not None}
    code = data.pop("vendor", "")
    if code:
        vendor = Vendor.objects.filter(code=code).first()  # the page's form offers every vendor
        if vendor is None:
            return _("Unknown vendor %(code)s.") % {"code": code}
        data["vendor"] = str(vendor.pk)
    return EndpointForm(data)


@router.get("/webhooks", response=list[EndpointOut])
def endpoints(request):
    require_perm(request, "integrations.view_webhookendpoint")
    return list(selectors.endpoint_list(user=request.user)[:MAX_ROWS])


@router.get("/webhooks/{pk}", response=EndpointOut)
def endpoint(request, pk: int):
    require_perm(request, "integrations.view_webhookendpoint")
    return visible(selectors.endpoint_get, request, pk=pk)


@router.post("/webhooks", response={201: EndpointSecretOut, 400: ErrorOut})
@idempotent
def endpoint_create(request, payload: EndpointIn):
    """Add an endpoint; the answer carries its signing secret. Honours an Idempotency-Key header."""
    require_perm(request, "integrations.change_webhookendpoint")
    form = _form(payload.dict())
    if isinstance(form, str):
        return 400, {"detail": form}
    data = clean_form(form)
    created = call_service(webhooks.endpoint_create, actor=request.user, name=data["name"], url=data["url"],
                           events=data["events"], vendor=data["vendor"])
    return 201, created


@router.patch("/webhooks/{pk}", response={200: EndpointOut, 400: ErrorOut})
def endpoint_edit(request, pk: int, payload: EndpointPatch):
    """Change an endpoint; only the fields sent change."""
    require_perm(request, "integrations.change_webhookendpoint")
    current = visible(selectors.endpoint_get, request, pk=pk)
    values = {"name": current.name, "url": current.url, "events": current.events, "active": current.active,
              "vendor": current.vendor.code if current.vendor_id else ""}
    values.update(payload.dict(exclude_unset=True))
    form = _form(values)
    if isinstance(form, str):
        return 400, {"detail": form}
    data = clean_form(form)
    call_service(webhooks.endpoint_update, endpoint=current, name=data["name"], url=data["url"], events=data["events"],
                 active=data["active"], vendor=data["vendor"])
    return 200, visible(selectors.endpoint_get, request, pk=pk)


@router.post("/webhooks/{pk}/rotate", response=EndpointSecretOut)
def endpoint_rotate(request, pk: int):
    """Put a new signing secret in force at once (the answer carries it); update the receiver."""
    require_perm(request, "integrations.change_webhookendpoint")
    current = visible(selectors.endpoint_get, request, pk=pk)
    return webhooks.endpoint_rotate_secret(endpoint=current)


@router.get("/webhooks/{pk}/deliveries", response=list[DeliveryOut])
def deliveries(request, pk: int, status: str = ""):
    require_perm(request, "integrations.view_webhookendpoint")
    current = visible(selectors.endpoint_get, request, pk=pk)
    status = status if status in WebhookDelivery.Status.values else ""
    return list(selectors.delivery_list(user=request.user, endpoint=current, status=status)[:MAX_ROWS])


@router.post("/deliveries/{pk}/replay", response={201: DeliveryOut})
@idempotent
def delivery_replay(request, pk: int):
    """Send a delivery's event again (same event id and payload, a new delivery). Honours an
    Idempotency-Key header."""
    require_perm(request, "integrations.change_webhookendpoint")
    delivery = visible(selectors.delivery_get, request, pk=pk)
    return 201, webhooks.replay(delivery=delivery)


@router.get("/jobs", response=list[JobRunOut])
def job_runs(request, status: str = "", job: str = ""):
    require_perm(request, "integrations.view_jobrun")
    status = status if status in JobRun.Status.values else ""
    job = job if job in jobs.JOBS else ""
    return list(selectors.job_runs(status=status, job=job)[:MAX_ROWS])


@router.post("/jobs/{pk}/retry", response=JobRunOut)
def job_retry(request, pk: int):
    """Retry a failed or given-up run at the scheduler's next pass (other runs are left as they are)."""
    require_perm(request, "integrations.change_jobrun")
    run = visible(lambda user, pk: selectors.job_run_get(pk=pk), request, pk=pk)
    return scheduler.retry_now(run=run)
