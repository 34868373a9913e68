"""REST: contacts (read, scoped) and batches of up to 10,000 records with an idempotency key."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Header, Query, Router, Schema

from steward.api.permissions import require_perm
from steward.core.models import Project, Vendor
from steward.interactions import selectors, services
from steward.interactions.models import ImportBatch, Interaction
from steward.interactions.selectors import InteractionFilter

router = Router(tags=["interactions"])



class BatchIn(Schema):
    project: str
    vendor: str
    profile: str = "generic"
    allow_rejects: bool = True
    records: list[dict] = Field(..., max_length=services.API_MAX_RECORDS)


class RejectOut(Schema):
    line: int
    column: str
    reason: str


class BatchOut(Schema):
    id: int
    status: str
    inserted: int
    updated: int
    rejected: int
    duplicates: int
    skipped: int
    error: str
    rejects: list[RejectOut]


class ErrorOut(Schema):
    detail: str


class InteractionOut(Schema):
    id: int
    project: str = Field(..., alias="project.code")
    vendor: str = Field(..., alias="vendor.code")
    external_id: str
    queue: str
    channel: str
    direction: str
    agent_code: str
    customer_ref: str
    contact_reason: str
    priority: str
    arrived_at: dt.datetime
    first_response_at: dt.datetime | None
    ended_at: dt.datetime | None
    resolved_at: dt.datetime | None
    abandoned: bool
    wait_seconds: int | None
    talk_seconds: int
    hold_seconds: int
    wrap_seconds: int
    outcome: str
    csat: int | None
    nps: int | None
    ces: int | None
    complaint: bool
    recording_ref: str


class InteractionDetailOut(InteractionOut):
    transcript: str
    attributes: dict


class Filters(Schema):
    project: str = ""
    vendor: str = ""
    queue: str = ""
    channel: str = ""
    agent: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


def _batch_out(batch: ImportBatch, user) -> BatchOut:
    rejects = selectors.batch_rejects(user=user, batch=batch)[:100]
    return BatchOut(id=batch.pk, status=batch.status, inserted=batch.inserted, updated=batch.updated,
                    rejected=batch.rejected, duplicates=batch.duplicates, skipped=batch.skipped,
                    error=batch.error, rejects=[RejectOut(line=r.line, column=r.column, reason=r.reason) for r in rejects])


@router.post("/interactions/batches", response={200: BatchOut, 400: ErrorOut, 404: ErrorOut})
def post_batch(request, payload: BatchIn, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    """Import up to 10,000 canonical records (or any profile's columns). The same
    Idempotency-Key (per vendor) returns the first batch's result and stores nothing again."""
    require_perm(request, "interactions.add_importbatch")
    project = Project.objects.visible_to(request.user).filter(code=payload.project).first()
    vendor = Vendor.objects.visible_to(request.user).filter(code=payload.vendor).first()
    if project is None or vendor is None:
        raise Http404
    try:
        result = services.import_records(
            actor=request.user, project=project, vendor=vendor, records=payload.records,
            profile=payload.profile, idempotency_key=idempotency_key, allow_rejects=payload.allow_rejects,
        )
    except ValidationError as error:
        return 400, ErrorOut(detail=" ".join(error.messages))
    return 200, _batch_out(result.batch, request.user)


@router.get("/interactions/batches/{importbatch_id}", response=BatchOut)
def get_batch(request, importbatch_id: int):
    require_perm(request, "interactions.view_importbatch")
    try:
        return _batch_out(selectors.batch_get(user=request.user, pk=importbatch_id), request.user)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


@router.get("/interactions", response=list[InteractionOut])
def list_interactions(request, filters: Query[Filters]):
    require_perm(request, "interactions.view_interaction")
    data = filters.dict()
    limit, offset = data.pop("limit"), data.pop("offset")
    qs = selectors.interaction_list(user=request.user, filters=InteractionFilter(**data))
    return list(qs[offset:offset + limit])


@router.get("/interactions/{interaction_id}", response=InteractionDetailOut)
def get_interaction(request, interaction_id: int):
    require_perm(request, "interactions.view_interaction")
    try:
        return selectors.interaction_get(user=request.user, pk=interaction_id)
    except Interaction.DoesNotExist:
        raise Http404 from None
