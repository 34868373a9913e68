"""Every write to the vendor registry: keyword-only, transactional, validated by the models'
own rules. A vendor-side actor may only write to its own vendor (documents); the views check
capabilities, and these functions check the vendor boundary again so no caller can cross it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from steward.core import services as core_services
from steward.core.models import Vendor
from steward.vendors import lifecycle, uploads
from steward.vendors.models import (
    Certification,
    DocumentVersion,
    StatusChange,
    VendorContact,
    VendorDocument,
    VendorProfile,
)


def _check_vendor_boundary(actor, vendor: Vendor) -> None:
    if actor is not None and not actor.is_client_side and not actor.is_superuser and actor.vendor_id != vendor.pk:
        raise PermissionDenied


PROFILE_FIELDS = ("legal_name", "registration_number", "website", "locations", "languages", "channels",
                  "seats", "industries", "reference_clients", "reference_cases")


@transaction.atomic
def profile_update(*, actor, vendor: Vendor, **fields) -> VendorProfile:
    _check_vendor_boundary(actor, vendor)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    profile, _created = VendorProfile.objects.get_or_create(vendor=vendor)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def certification_add(*, actor, vendor: Vendor, standard: str, expires_on, title: str = "",
                      certificate_number: str = "", issuer: str = "", issued_on=None) -> Certification:
    _check_vendor_boundary(actor, vendor)
    cert = Certification(vendor=vendor, standard=standard, title=title, certificate_number=certificate_number,
                         issuer=issuer, issued_on=issued_on, expires_on=expires_on)
    cert.full_clean()
    cert.save()
    return cert


@transaction.atomic
def certification_update(*, actor, certification: Certification, standard: str, expires_on, title: str = "",
                         certificate_number: str = "", issuer: str = "", issued_on=None) -> Certification:
    _check_vendor_boundary(actor, certification.vendor)
    certification.standard, certification.title = standard, title
    certification.certificate_number, certification.issuer = certificate_number, issuer
    certification.issued_on, certification.expires_on = issued_on, expires_on
    certification.full_clean()
    certification.save()
    return certification


@transaction.atomic
def certification_delete(*, actor, certification: Certification) -> None:
    _check_vendor_boundary(actor, certification.vendor)
    certification.delete()


@transaction.atomic
def document_upload(*, actor, vendor: Vendor, title: str, upload, category: str = VendorDocument.Category.OTHER,
                    note: str = "") -> DocumentVersion:
    """Add a file as the next version of the vendor's document called `title` (created on its
    first upload). The file is checked for size and type before anything is written."""
    _check_vendor_boundary(actor, vendor)
    content_type = uploads.check(upload)
    document = VendorDocument.objects.select_for_update().filter(vendor=vendor, title=title.strip()).first()
    if document is None:
        document = VendorDocument(vendor=vendor, title=title.strip(), category=category)
        document.full_clean()
        document.save()
    last = document.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = DocumentVersion(
        document=document, number=last + 1, file=upload, original_name=uploads.safe_name(upload.name),
        size=upload.size, content_type=content_type, note=note, uploaded_by=actor,
    )
    version.full_clean(exclude=["file"])  # the file is validated above; it is stored on save
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:  # two uploads raced for the same number
        version.file.delete(save=False)
        raise ValidationError(_("Another version was uploaded at the same moment; try again.")) from None
    return version


@transaction.atomic
def contact_save(*, actor, vendor: Vendor, name: str, side: str = VendorContact.Side.VENDOR, job_title: str = "",
                 email: str = "", phone: str = "", is_liaison: bool = False,
                 contact: VendorContact | None = None) -> VendorContact:
    """Create a contact, or update `contact`. Designating a liaison takes the role from the
    side's previous liaison, so each side always has at most one."""
    _check_vendor_boundary(actor, vendor)
    if contact is not None and contact.vendor_id != vendor.pk:
        raise PermissionDenied
    contact = contact or VendorContact(vendor=vendor)
    contact.side, contact.name, contact.job_title = side, name, job_title
    contact.email, contact.phone, contact.is_liaison = email, phone, is_liaison
    if is_liaison:
        previous = VendorContact.objects.filter(vendor=vendor, side=side, is_liaison=True)
        if contact.pk:
            previous = previous.exclude(pk=contact.pk)
        for other in previous:
            other.is_liaison = False
            other.save(update_fields=["is_liaison"])
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: VendorContact) -> None:
    _check_vendor_boundary(actor, contact.vendor)
    contact.delete()


@transaction.atomic
def vendor_transition(*, actor, vendor: Vendor, to_status: str, reason: str = "") -> StatusChange:
    """Move a vendor along its lifecycle; only the transitions in lifecycle.TRANSITIONS are
    allowed. The status itself is written through core's vendor_update."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    current = vendor.status
    if to_status not in Vendor.Status.values:
        raise ValidationError({"to_status": _("Unknown status %(status)s.") % {"status": to_status}})
    if not lifecycle.can_move(current, to_status):
        allowed = ", ".join(str(Vendor.Status(s).label) for s in lifecycle.allowed_next(current))
        raise ValidationError({"to_status": _(
            "A vendor cannot move from %(current)s to %(target)s. From %(current)s it can move to: %(allowed)s."
        ) % {"current": Vendor.Status(current).label, "target": Vendor.Status(to_status).label,
             "allowed": allowed or "—"}})
    core_services.vendor_update(vendor=vendor, name=vendor.name, status=to_status)
    change = StatusChange(vendor=vendor, from_status=current, to_status=to_status, reason=reason.strip(),
                          changed_by=actor)
    change.full_clean()
    change.save()
    return change
