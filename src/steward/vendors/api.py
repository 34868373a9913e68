"""Registry API: profiles, certifications, contacts and documents, scoped to the user. Writes
go through the pages' forms and services (steward.api.writes) with the pages' capabilities;
another vendor's vendor, certification or contact is a 404."""

import datetime as dt

from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, apply_form, visible
from steward.core import selectors as core_selectors
from steward.core.api import ErrorOut
from steward.core.models import Vendor
from steward.vendors import forms, selectors, services
from steward.vendors.models import Certification, VendorDocument

router = Router(tags=["vendors"])



class ProfileOut(Schema):
    vendor: str
    status: str
    legal_name: str = ""
    registration_number: str = ""
    website: str = ""
    locations: list[str] = []
    languages: list[str] = []
    channels: list[str] = []
    seats: int | None = None
    industries: list[str] = []
    reference_clients: str = ""
    reference_cases: str = ""


class CertificationOut(Schema):
    id: int
    vendor: str
    standard: str
    title: str
    certificate_number: str
    issuer: str
    issued_on: dt.date | None
    expires_on: dt.date
    state: str


class ContactOut(Schema):
    id: int
    side: str
    name: str
    job_title: str
    email: str
    phone: str
    is_liaison: bool


def _vendor(request, code: str) -> Vendor:
    return visible(core_selectors.vendor_get, request, code=code)


def _profile(request, vendor: Vendor) -> dict:
    p = selectors.profile_get(user=request.user, vendor=vendor)
    data = {"vendor": vendor.code, "status": vendor.status}
    if p is not None:
        data.update({f: getattr(p, f) for f in ProfileOut.model_fields if f not in data})
    return data


@router.get("/vendors/{code}/profile", response=ProfileOut)
def profile(request, code: str):
    require_perm(request, "vendors.view_registry")
    return _profile(request, _vendor(request, code))


@router.get("/certifications", response=list[CertificationOut])
def certifications(request, q: str = "", state: str = "", days: int = selectors.DEFAULT_REMINDER_DAYS):
    require_perm(request, "vendors.view_registry")
    on = selectors.today()
    days = max(0, min(days, 3650))
    return [
        {"id": c.pk, "vendor": c.vendor.code, "standard": c.standard, "title": c.title,
         "certificate_number": c.certificate_number, "issuer": c.issuer, "issued_on": c.issued_on,
         "expires_on": c.expires_on, "state": selectors.expiry_state(c.expires_on, on=on, within_days=days)}
        for c in selectors.certification_list(user=request.user, q=q, state=state, within_days=days, on=on)
    ]


@router.get("/vendors/{code}/contacts", response=list[ContactOut])
def contacts(request, code: str):
    require_perm(request, "vendors.view_registry")
    return list(selectors.contact_list(user=request.user, vendor=_vendor(request, code)))


# --- writes -------------------------------------------------------------------------------

class ProfilePatch(Payload):
    legal_name: str | None = Field(None, max_length=200)
    registration_number: str | None = Field(None, max_length=64)
    website: str | None = Field(None, max_length=200)
    locations: list[str] | None = Field(None, max_length=100)
    languages: list[str] | None = Field(None, max_length=100)
    channels: list[str] | None = Field(None, max_length=10)
    seats: int | None = Field(None, ge=0, le=1_000_000)
    industries: list[str] | None = Field(None, max_length=100)
    reference_clients: str | None = Field(None, max_length=10000)
    reference_cases: str | None = Field(None, max_length=10000)


class TransitionIn(Payload):
    to_status: str = Field(max_length=32)
    reason: str = Field("", max_length=2000)


class StatusChangeOut(Schema):
    vendor: str
    from_status: str
    to_status: str
    reason: str
    changed_at: dt.datetime


class CertificationIn(Payload):
    standard: str = Field(max_length=32)
    expires_on: dt.date
    title: str = Field("", max_length=200)
    certificate_number: str = Field("", max_length=100)
    issuer: str = Field("", max_length=200)
    issued_on: dt.date | None = None


class ContactIn(Payload):
    side: str = Field(max_length=16)
    name: str = Field(min_length=1, max_length=200)
    job_title: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=50)
    is_liaison: bool = False


class DocumentVersionOut(Schema):
    id: int
    document: str
    category: str
    number: int
    original_name: str
    size: int
    content_type: str
    note: str


_LIST_FIELDS = ("locations", "languages", "industries")


def _certification_out(cert: Certification) -> dict:
    return {"id": cert.pk, "vendor": cert.vendor.code, "standard": cert.standard, "title": cert.title,
            "certificate_number": cert.certificate_number, "issuer": cert.issuer, "issued_on": cert.issued_on,
            "expires_on": cert.expires_on,
            "state": selectors.expiry_state(cert.expires_on, on=selectors.today())}


@router.patch("/vendors/{code}/profile", response={200: ProfileOut, 400: ErrorOut})
def profile_edit(request, code: str, payload: ProfilePatch):
    """Change the vendor's profile; only the fields sent change (lists replace the stored list)."""
    require_perm(request, "vendors.change_registry")
    vendor = _vendor(request, code)
    current = selectors.profile_get(user=request.user, vendor=vendor)
    data = {name: getattr(current, name) for name in services.PROFILE_FIELDS} if current else {}
    data.update(payload.dict(exclude_unset=True))
    for name in _LIST_FIELDS:  # the page's one-per-line text fields
        if isinstance(data.get(name), list):
            data[name] = "\n".join(data[name])
    data = {k: v for k, v in data.items() if v is not None}
    apply_form(forms.ProfileForm(data), services.profile_update, actor=request.user, vendor=vendor)
    return 200, _profile(request, vendor)


@router.post("/vendors/{code}/status", response={200: StatusChangeOut, 400: ErrorOut})
def vendor_status(request, code: str, payload: TransitionIn):
    """Move the vendor along its lifecycle (only the transitions the page offers)."""
    require_perm(request, "vendors.change_status")
    vendor = _vendor(request, code)
    allowed = list(selectors.registry(user=request.user, vendor=vendor).next_statuses)
    form = forms.TransitionForm(payload.dict(), allowed=allowed)
    change = apply_form(form, services.vendor_transition, actor=request.user, vendor=vendor)
    return 200, {"vendor": vendor.code, "from_status": change.from_status, "to_status": change.to_status,
                 "reason": change.reason, "changed_at": change.changed_at}


@router.post("/vendors/{code}/certifications", response={201: CertificationOut, 400: ErrorOut})
@idempotent
def certification_create(request, code: str, payload: CertificationIn):
    """Add a certification. Honours an Idempotency-Key header."""
    require_perm(request, "vendors.change_registry")
    vendor = _vendor(request, code)
    form = forms.CertificationForm({k: v for k, v in payload.dict().items() if v is not None})
    cert = apply_form(form, services.certification_add, actor=request.user, vendor=vendor)
    return 201, _certification_out(cert)


@router.put("/certifications/{pk}", response={200: CertificationOut, 400: ErrorOut})
def certification_edit(request, pk: int, payload: CertificationIn):
    """Replace a certification's fields (as the page's edit form)."""
    require_perm(request, "vendors.change_registry")
    cert = visible(selectors.certification_get, request, pk=pk)
    form = forms.CertificationForm({k: v for k, v in payload.dict().items() if v is not None})
    cert = apply_form(form, services.certification_update, actor=request.user, certification=cert)
    return 200, _certification_out(cert)


@router.delete("/certifications/{pk}", response={204: None})
def certification_delete(request, pk: int):
    require_perm(request, "vendors.change_registry")
    cert = visible(selectors.certification_get, request, pk=pk)
    services.certification_delete(actor=request.user, certification=cert)
    return 204, None


@router.post("/vendors/{code}/contacts", response={201: ContactOut, 400: ErrorOut})
@idempotent
def contact_create(request, code: str, payload: ContactIn):
    """Add a contact; a new liaison takes the role from the side's previous one. Honours an
    Idempotency-Key header."""
    require_perm(request, "vendors.change_registry")
    vendor = _vendor(request, code)
    contact = apply_form(forms.ContactForm(payload.dict()), services.contact_save, actor=request.user,
                         vendor=vendor)
    return 201, contact


@router.put("/contacts/{pk}", response={200: ContactOut, 400: ErrorOut})
def contact_edit(request, pk: int, payload: ContactIn):
    require_perm(request, "vendors.change_registry")
    contact = visible(selectors.contact_get, request, pk=pk)
    saved = apply_form(forms.ContactForm(payload.dict()), services.contact_save, actor=request.user,
                       vendor=contact.vendor, contact=contact)
    return 200, saved


@router.delete("/contacts/{pk}", response={204: None})
def contact_delete(request, pk: int):
    require_perm(request, "vendors.change_registry")
    contact = visible(selectors.contact_get, request, pk=pk)
    services.contact_delete(actor=request.user, contact=contact)
    return 204, None


@router.post("/vendors/{code}/documents", response={201: DocumentVersionOut, 400: ErrorOut})
@idempotent
def document_upload(request, code: str, title: Form[str], upload: File[UploadedFile],
                    category: Form[str] = VendorDocument.Category.OTHER, note: Form[str] = ""):
    """Upload a file (multipart) as the next version of the vendor's document `title`; the same
    checks of size and type as the page. With an Idempotency-Key a retried upload (same fields,
    same file) adds no second version."""
    require_perm(request, "vendors.add_document")
    vendor = _vendor(request, code)
    form = forms.DocumentUploadForm({"title": title, "category": category, "note": note}, {"upload": upload})
    version = apply_form(form, lambda **d: services.document_upload(
        actor=request.user, vendor=vendor, title=d["title"], upload=d["upload"], category=d["category"],
        note=d["note"]))
    return 201, {"id": version.pk, "document": version.document.title, "category": version.document.category,
                 "number": version.number, "original_name": version.original_name, "size": version.size,
                 "content_type": version.content_type, "note": version.note}
