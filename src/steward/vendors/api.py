"""Registry API: read-only views of profiles, certifications and contacts, scoped to the user."""

import datetime as dt

from django.http import Http404
from ninja import Router, Schema

from steward.api.permissions import require_perm
from steward.core import selectors as core_selectors
from steward.core.models import Vendor
from steward.vendors import selectors

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


@router.get("/vendors/{code}/profile", response=ProfileOut)
def profile(request, code: str):
    require_perm(request, "vendors.view_registry")
    try:
        vendor = core_selectors.vendor_get(user=request.user, code=code)
    except Vendor.DoesNotExist:
        raise Http404 from None
    p = selectors.profile_get(user=request.user, vendor=vendor)
    data = {"vendor": vendor.code, "status": vendor.status}
    if p is not None:
        data.update({f: getattr(p, f) for f in ProfileOut.model_fields if f not in data})
    return data


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
    try:
        vendor = core_selectors.vendor_get(user=request.user, code=code)
    except Vendor.DoesNotExist:
        raise Http404 from None
    return list(selectors.contact_list(user=request.user, vendor=vendor))
