"""REST: contacts (read, scoped), batches of up to 10,000 records with an idempotency key, and
the mapping profiles of imports (listed, exported as YAML, saved from YAML as on the profiles
page; built-in profiles stay read-only)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Query, Router, Schema
from ninja.files import UploadedFile

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, LookupText, clean_form, form_detail, visible
from steward.core.models import Project, Vendor
from steward.interactions import selectors, services
from steward.interactions.forms import ProfileEditForm, ProfileYamlForm
from steward.interactions.models import ImportBatch
from steward.interactions.selectors import InteractionFilter

router = Router(tags=["interactions"])



class BatchIn(Schema):
    project: LookupText
    vendor: LookupText
    profile: LookupText = "generic"
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
    date_from: dt.date | None = Field(None, ge=selectors.EARLIEST_DATE, le=selectors.LATEST_DATE)
    date_to: dt.date | None = Field(None, ge=selectors.EARLIEST_DATE, le=selectors.LATEST_DATE)
    batch: int | None = Field(None, ge=1, le=selectors.MAX_ID, description="the import that wrote the contacts last")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)


def _batch_out(batch: ImportBatch, user) -> BatchOut:
    rejects = selectors.batch_rejects(user=user, batch=batch)[:100]
    return BatchOut(id=batch.pk, status=batch.status, inserted=batch.inserted, updated=batch.updated,
                    rejected=batch.rejected, duplicates=batch.duplicates, skipped=batch.skipped,
                    error=batch.shown_error,
                    rejects=[RejectOut(line=r.line, column=r.column, reason=r.shown_reason) for r in rejects])


@router.post("/interactions/batches", response={200: BatchOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def post_batch(request, payload: BatchIn, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    """Import up to 10,000 canonical records (or any profile's columns). The same
    Idempotency-Key (per vendor) with the same body returns the first batch's result and stores
    nothing again; with a different body it is refused with 422."""
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
    except services.IdempotencyMismatch as error:
        # 422 as steward.api.idempotency answers a reused key (not declared: the schema's 422 is
        # the validation error's)
        return JsonResponse({"detail": " ".join(error.messages)}, status=422)
    except services.IdempotencyInFlight as error:
        return 409, ErrorOut(detail=" ".join(error.messages))
    except ValidationError as error:
        return 400, ErrorOut(detail=" ".join(error.messages))
    return 200, _batch_out(result.batch, request.user)


@router.get("/interactions/batches/{importbatch_id}", response=BatchOut)
def get_batch(request, importbatch_id: int):
    require_perm(request, "interactions.view_importbatch")
    try:
        batch = selectors.batch_get(user=request.user, pk=importbatch_id)
    except ImportBatch.DoesNotExist:
        raise Http404 from None
    services.batch_reap_if_dead(batch)
    return _batch_out(batch, request.user)


# ------------------------------------------------------------------ mapping profiles
#
# As the profiles page: reading needs the right to import (interactions.add_importbatch), saving
# the right to change profiles (interactions.change_mappingprofile). Profiles are shared
# configuration, no vendor's data. The name inside the YAML decides which profile is saved;
# built-in profiles cannot be changed (the service refuses them with the page's message).
# These routes come before /interactions/{interaction_id}, which would otherwise take them.

MAX_PROFILE_CHARS = 1_000_000


class MappingProfileOut(Schema):
    name: str
    description: str
    builtin: bool
    updated_at: dt.datetime


class MappingProfileDetailOut(MappingProfileOut):
    yaml: str


class MappingProfileIn(Payload):
    definition: str = Field(max_length=MAX_PROFILE_CHARS, description="The profile as YAML (as the page's editor).")


def _profile_out(name: str) -> dict:
    stored = selectors.profile_list().filter(name=name).first()
    if stored is None:
        raise Http404
    try:
        text = services.profile_export_yaml(name)
    except ValidationError:
        raise Http404 from None
    return {"name": stored.name, "description": stored.description, "builtin": stored.builtin,
            "updated_at": stored.updated_at, "yaml": text}


def _save_profile(form, expected_name: str | None = None):
    """Validate the editor form and save through the page's service: (profile, None) or (None,
    detail). With `expected_name`, the YAML must name that profile (an edit is not a copy)."""
    def save(definition: str):
        if expected_name is not None:
            try:
                data = services.read_profile_yaml(definition)
            except ValidationError:
                data = None  # the service reports the syntax error with its line
            named = data.get("name") if isinstance(data, dict) else None
            if named is not None and named != expected_name:
                raise ValidationError({"definition": _(
                    "The YAML names the profile %(named)s, not %(name)s: save a copy with POST "
                    "/api/interactions/profiles.") % {"named": named, "name": expected_name}})
        return services.profile_import_yaml(text=definition)

    if not form.is_valid():
        return None, form_detail(form)
    try:
        return save(form.cleaned_data["definition"]), None
    except ValidationError as error:  # on the field, as the page shows it
        messages = error.message_dict.get("definition", error.messages) if hasattr(error, "error_dict") \
            else error.messages
        for message in messages:
            form.add_error("definition", message)
        return None, form_detail(form)


@router.get("/interactions/profiles", response=list[MappingProfileOut])
def mapping_profile_list(request):
    require_perm(request, "interactions.add_importbatch")
    services.ensure_builtin_profiles()  # as the page: the built-in profiles are always listed
    return list(selectors.profile_list())


@router.post("/interactions/profiles", response={201: MappingProfileDetailOut, 400: ErrorOut})
@idempotent
def mapping_profile_save(request, payload: MappingProfileIn):
    """Save a profile from YAML (as the page's editor): a new one, or a replacement of one of
    yours with the same name. Honours an Idempotency-Key header."""
    require_perm(request, "interactions.change_mappingprofile")
    profile, error = _save_profile(ProfileEditForm({"definition": payload.definition}))
    if error:
        return 400, {"detail": error}
    return 201, _profile_out(profile.name)


@router.post("/interactions/profiles.yaml", response={201: MappingProfileDetailOut, 400: ErrorOut})
@idempotent
def mapping_profile_upload(request, yaml_file: File[UploadedFile]):
    """Import a profile from a YAML file (multipart field `yaml_file`, as the page's upload).
    Honours an Idempotency-Key header."""
    require_perm(request, "interactions.change_mappingprofile")
    form = ProfileYamlForm({}, {"yaml_file": yaml_file})
    clean_form(form)
    try:
        text = form.cleaned_data["yaml_file"].read().decode("utf-8-sig")
        profile = services.profile_import_yaml(text=text)
    except (UnicodeDecodeError, ValidationError) as error:
        form.add_error("yaml_file", getattr(error, "messages", [_("Save the YAML as UTF-8.")])[0])
        return 400, {"detail": form_detail(form)}
    return 201, _profile_out(profile.name)


@router.get("/interactions/profiles/{name}.yaml")
def mapping_profile_yaml(request, name: str):
    """The profile as a YAML file (as the page's download)."""
    require_perm(request, "interactions.add_importbatch")
    try:
        text = services.profile_export_yaml(name)
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.yaml"'
    return response


@router.get("/interactions/profiles/{name}", response=MappingProfileDetailOut)
def mapping_profile_detail(request, name: str):
    require_perm(request, "interactions.add_importbatch")
    services.ensure_builtin_profiles()
    return _profile_out(name)


@router.put("/interactions/profiles/{name}", response={200: MappingProfileDetailOut, 400: ErrorOut})
def mapping_profile_edit(request, name: str, payload: MappingProfileIn):
    """Replace the profile `name` with the YAML sent, which must keep that name (as the page's
    *Edit profile*; built-in profiles are refused)."""
    require_perm(request, "interactions.change_mappingprofile")
    services.ensure_builtin_profiles()
    if not selectors.profile_list().filter(name=name).exists():
        raise Http404
    profile, error = _save_profile(ProfileEditForm({"definition": payload.definition}), expected_name=name)
    if error:
        return 400, {"detail": error}
    return 200, _profile_out(profile.name)


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
    return visible(selectors.interaction_get, request, pk=interaction_id)
