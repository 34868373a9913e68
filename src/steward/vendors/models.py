"""The vendor registry: what the client knows about each vendor beyond core.Vendor's code,
name and status — profile, certifications, documents with versions, contacts with a liaison
on each side, and the history of status changes with who made them and why.

core.Vendor stays as it is; everything here hangs off it, and every row reaches its vendor
through a declared `visibility` path so a vendor user reads only its own rows.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.core.models import Channel, Vendor
from steward.core.visibility import Visibility, VisibleManager


def validate_text_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(_("Expected a list of non-empty texts."))


def validate_channel_list(value) -> None:
    validate_text_list(value)
    unknown = sorted(set(value) - set(Channel.values))
    if unknown:
        raise ValidationError(
            _("Unknown channel(s): %(unknown)s. Known: %(known)s."),
            params={"unknown": ", ".join(unknown), "known": ", ".join(Channel.values)},
        )


class VendorProfile(models.Model):
    vendor = models.OneToOneField(Vendor, on_delete=models.CASCADE, related_name="profile",
                                  verbose_name=_("vendor"))
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=64, blank=True)
    website = models.URLField(_("website"), blank=True)
    locations = models.JSONField(_("delivery locations"), default=list, blank=True,
                                 validators=[validate_text_list])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_text_list])
    channels = models.JSONField(_("channels"), default=list, blank=True, validators=[validate_channel_list])
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True, validators=[validate_text_list])
    reference_clients = models.TextField(_("reference clients"), blank=True)
    reference_cases = models.TextField(_("reference cases"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        verbose_name = _("vendor profile")
        verbose_name_plural = _("vendor profiles")

    def __str__(self) -> str:
        return self.legal_name or str(self.vendor)

    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]


class Certification(models.Model):
    class Standard(models.TextChoices):
        ISO_9001 = "iso_9001", "ISO 9001"
        ISO_27001 = "iso_27001", "ISO/IEC 27001"
        ISO_27701 = "iso_27701", "ISO/IEC 27701"
        ISO_18295 = "iso_18295", "ISO 18295"
        COPC = "copc", "COPC"
        PCI_DSS = "pci_dss", "PCI DSS"
        MLPS = "mlps", _("MLPS (等保)")
        OTHER = "other", _("Other")

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="certifications",
                               verbose_name=_("vendor"))
    standard = models.CharField(_("standard"), max_length=16, choices=Standard.choices)
    title = models.CharField(_("title"), max_length=200, blank=True,
                             help_text=_("Required for 'Other'; e.g. the scope or level."))
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["expires_on", "pk"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.standard == self.Standard.OTHER or not self.title:
            return self.title or str(self.get_standard_display())
        return f"{self.get_standard_display()} — {self.title}"

    def clean(self):
        if self.standard == self.Standard.OTHER and not self.title.strip():
            raise ValidationError({"title": _("Name the certification when the standard is 'Other'.")})
        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            raise ValidationError({"expires_on": _("The expiry date must come after the issue date.")})


class VendorDocument(models.Model):
    """A document kept for a vendor (contract scan, insurance, audit report, ...); its file
    content lives in versions, the newest being current."""

    class Category(models.TextChoices):
        LEGAL = "legal", _("Legal and registration")
        CERTIFICATE = "certificate", _("Certificate")
        INSURANCE = "insurance", _("Insurance")
        SECURITY = "security", _("Security and audit")
        PROPOSAL = "proposal", _("Proposal")
        OTHER = "other", _("Other")

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="documents",
                               verbose_name=_("vendor"))
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices,
                                default=Category.OTHER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("vendor document")
        verbose_name_plural = _("vendor documents")
        constraints = [models.UniqueConstraint(fields=["vendor", "title"], name="vendor_document_title_unique",
                                               violation_error_message=_("This vendor already has a document "
                                                                         "with that title; upload a new version "
                                                                         "of it instead."))]

    def __str__(self) -> str:
        return self.title

    @property
    def current(self):
        return self.versions.order_by("-number").first()


def _version_path(version: "DocumentVersion", filename: str) -> str:
    # A random folder: stored paths are never guessable, and two uploads never collide.
    suffix = PurePath(filename).suffix.lower()
    return f"vendors/{version.document.vendor_id}/{uuid.uuid4().hex}{suffix}"


class DocumentVersion(models.Model):
    document = models.ForeignKey(VendorDocument, on_delete=models.CASCADE, related_name="versions",
                                 verbose_name=_("document"))
    number = models.PositiveIntegerField(_("version"), validators=[MinValueValidator(1)])
    file = models.FileField(_("file"), upload_to=_version_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    note = models.CharField(_("note"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="document__vendor")

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class VendorContact(models.Model):
    """A person to call about this vendor's engagement, on the vendor's side or the client's;
    at most one per side is the designated liaison."""

    class Side(models.TextChoices):
        VENDOR = "vendor", _("Vendor side")
        CLIENT = "client", _("Client side")

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts",
                               verbose_name=_("vendor"))
    side = models.CharField(_("side"), max_length=8, choices=Side.choices, default=Side.VENDOR)
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_liaison = models.BooleanField(_("designated liaison"), default=False)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["side", "-is_liaison", "name"]
        verbose_name = _("vendor contact")
        verbose_name_plural = _("vendor contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "side"], condition=Q(is_liaison=True), name="one_liaison_per_side",
                violation_error_message=_("There is already a designated liaison on this side."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class StatusChange(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="status_changes",
                               verbose_name=_("vendor"))
    from_status = models.CharField(_("from"), max_length=16, choices=Vendor.Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Vendor.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+", verbose_name=_("changed by"))
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("vendor status change")
        verbose_name_plural = _("vendor status changes")

    def __str__(self) -> str:
        return f"{self.vendor}: {self.from_status} → {self.to_status}"
