"""Every read of the vendor registry, scoped through visible_to(user)."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from steward.core.models import Organisation, Vendor
from steward.vendors import lifecycle
from steward.vendors.models import (
    Certification,
    DocumentVersion,
    StatusChange,
    VendorContact,
    VendorDocument,
    VendorProfile,
)

DEFAULT_REMINDER_DAYS = 30


def today() -> dt.date:
    """The client's calendar date: expiries and notice dates are dates in its time zone."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(Organisation.current().time_zone))


def expiry_state(expires_on: dt.date, *, on: dt.date, within_days: int = DEFAULT_REMINDER_DAYS) -> str:
    """'expired' (the expiry date has passed), 'expiring' (within `within_days`) or 'valid'.
    A certificate is valid through its expiry date."""
    if expires_on < on:
        return "expired"
    if expires_on <= on + dt.timedelta(days=within_days):
        return "expiring"
    return "valid"


@dataclass
class Registry:
    """What the vendor page shows of the registry, as far as the user may see it."""

    profile: VendorProfile | None
    certifications: list[Certification]
    documents: list[VendorDocument]
    contacts: list[VendorContact]
    status_changes: list[StatusChange]
    next_statuses: list[str]
    today: dt.date


def registry(*, user, vendor: Vendor) -> Registry:
    on = today()
    certifications = list(Certification.objects.visible_to(user).filter(vendor=vendor))
    for cert in certifications:
        cert.state = expiry_state(cert.expires_on, on=on)
    documents = VendorDocument.objects.visible_to(user).filter(vendor=vendor).prefetch_related(
        Prefetch("versions", queryset=DocumentVersion.objects.visible_to(user).select_related("uploaded_by"))
    )
    return Registry(
        profile=VendorProfile.objects.visible_to(user).filter(vendor=vendor).first(),
        certifications=certifications,
        documents=list(documents),
        contacts=list(VendorContact.objects.visible_to(user).filter(vendor=vendor)),
        status_changes=list(StatusChange.objects.visible_to(user).filter(vendor=vendor).select_related("changed_by")),
        next_statuses=list(lifecycle.allowed_next(vendor.status)),
        today=on,
    )


def profile_get(*, user, vendor: Vendor) -> VendorProfile | None:
    return VendorProfile.objects.visible_to(user).filter(vendor=vendor).first()


def certification_list(*, user, q: str = "", state: str = "", within_days: int = DEFAULT_REMINDER_DAYS,
                       on: dt.date | None = None) -> QuerySet[Certification]:
    """Certifications the user may see, soonest expiry first; `state` filters on
    expired / expiring (within `within_days`, not yet expired) / valid."""
    on = on or today()
    horizon = on + dt.timedelta(days=within_days)
    qs = Certification.objects.visible_to(user).select_related("vendor")
    if q:
        qs = qs.filter(Q(vendor__code__icontains=q) | Q(vendor__name__icontains=q) | Q(title__icontains=q)
                       | Q(certificate_number__icontains=q) | Q(issuer__icontains=q))
    if state == "expired":
        qs = qs.filter(expires_on__lt=on)
    elif state == "expiring":
        qs = qs.filter(expires_on__gte=on, expires_on__lte=horizon)
    elif state == "valid":
        qs = qs.filter(expires_on__gt=horizon)
    return qs.order_by("expires_on", "vendor__code", "pk")


def certification_get(*, user, pk: int) -> Certification:
    return Certification.objects.visible_to(user).select_related("vendor").get(pk=pk)


def _expiring(qs: QuerySet[Certification], *, within_days: int, on: dt.date) -> QuerySet[Certification]:
    # Already expired ones stay in the list: a lapsed certificate needs chasing most of all.
    return qs.filter(expires_on__lte=on + dt.timedelta(days=within_days)).select_related("vendor").order_by(
        "expires_on", "vendor__code", "pk")


def certifications_expiring(*, user, within_days: int, on: dt.date | None = None) -> QuerySet[Certification]:
    """Certifications that have expired or expire within `within_days`, as the user may see them."""
    return _expiring(Certification.objects.visible_to(user), within_days=within_days, on=on or today())


def certifications_expiring_for_reminders(*, within_days: int, on: dt.date | None = None) -> QuerySet[Certification]:
    """The same for the scheduled reminder job, which acts for the client (no signed-in user)
    and addresses each reminder to that vendor's own liaisons, never to another vendor."""
    return _expiring(Certification.objects.all(), within_days=within_days, on=on or today())


def liaisons(*, vendor: Vendor) -> dict[str, VendorContact]:
    """The designated liaison on each side ('vendor', 'client'), for the reminder job."""
    return {c.side: c for c in VendorContact.objects.filter(vendor=vendor, is_liaison=True)}


def contact_list(*, user, vendor: Vendor) -> QuerySet[VendorContact]:
    return VendorContact.objects.visible_to(user).filter(vendor=vendor)


def document_get(*, user, pk: int) -> VendorDocument:
    return VendorDocument.objects.visible_to(user).select_related("vendor").get(pk=pk)


def version_get(*, user, pk: int) -> DocumentVersion:
    return DocumentVersion.objects.visible_to(user).select_related("document__vendor").get(pk=pk)


def contact_get(*, user, pk: int) -> VendorContact:
    return VendorContact.objects.visible_to(user).select_related("vendor").get(pk=pk)
