"""Registry services and selectors: profile, certifications and expiry, documents with
versions and upload checks, contacts with one liaison per side, and the vendor boundary."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from steward.vendors import selectors, services, uploads
from steward.vendors.models import DocumentVersion, VendorContact, VendorDocument, VendorProfile

TODAY = dt.date(2025, 3, 10)


def pdf(name="scan.pdf", body=b"report"):
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + body, content_type="application/pdf")


def test_profile_is_created_then_updated(world):
    admin = world.user("client_admin")
    services.profile_update(actor=admin, vendor=world.vendor_a, legal_name="Alpha Ltd", seats=80,
                            channels=["voice"], languages=["Mandarin", "English"])
    profile = services.profile_update(actor=admin, vendor=world.vendor_a, seats=95)
    assert VendorProfile.objects.count() == 1
    assert (profile.legal_name, profile.seats, profile.languages) == ("Alpha Ltd", 95, ["Mandarin", "English"])


def test_profile_rejects_unknown_channels_and_writes_nothing(world):
    with pytest.raises(ValidationError) as error:
        services.profile_update(actor=world.user("client_admin"), vendor=world.vendor_a, channels=["fax"])
    assert "fax" in str(error.value)
    assert not VendorProfile.objects.exists()


@pytest.mark.parametrize("expires,state", [
    (TODAY - dt.timedelta(days=1), "expired"),
    (TODAY, "expiring"),  # valid through its last day, and that day is within any window
    (TODAY + dt.timedelta(days=30), "expiring"),
    (TODAY + dt.timedelta(days=31), "valid"),
])
def test_expiry_state_boundaries(expires, state):
    assert selectors.expiry_state(expires, on=TODAY, within_days=30) == state


def test_expiring_selector_includes_lapsed_and_soon_but_not_later_and_is_scoped(world):
    admin = world.user("client_admin")
    add = lambda vendor, days, title: services.certification_add(  # noqa: E731
        actor=admin, vendor=vendor, standard="other", title=title, expires_on=TODAY + dt.timedelta(days=days))
    add(world.vendor_a, -5, "lapsed")
    add(world.vendor_a, 30, "edge")
    add(world.vendor_a, 31, "later")
    add(world.vendor_b, 3, "bravo soon")
    due = selectors.certifications_expiring(user=admin, within_days=30, on=TODAY)
    assert [c.title for c in due] == ["lapsed", "bravo soon", "edge"]
    mine = selectors.certifications_expiring(user=world.user("a-manager"), within_days=30, on=TODAY)
    assert [c.title for c in mine] == ["lapsed", "edge"]
    listed = selectors.certification_list(user=admin, state="valid", within_days=30, on=TODAY)
    assert [c.title for c in listed] == ["later"]


def test_certification_rules(world):
    admin = world.user("client_admin")
    with pytest.raises(ValidationError) as error:
        services.certification_add(actor=admin, vendor=world.vendor_a, standard="other", expires_on=TODAY)
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.certification_add(actor=admin, vendor=world.vendor_a, standard="copc", expires_on=TODAY,
                                   issued_on=TODAY)
    assert "expires_on" in error.value.message_dict


def test_documents_keep_every_version(world):
    manager = world.user("a-manager")
    first = services.document_upload(actor=manager, vendor=world.vendor_a, title="Insurance", upload=pdf("v1.pdf"))
    second = services.document_upload(actor=manager, vendor=world.vendor_a, title="Insurance ",
                                      upload=pdf("../../etc/v2.pdf", b"second"), note="renewed")
    assert (first.number, second.number) == (1, 2)
    assert VendorDocument.objects.count() == 1 and second.document.current == second
    assert second.original_name == "v2.pdf" and second.uploaded_by == manager
    assert second.file.read().endswith(b"second")
    assert "/" not in second.file.name.removeprefix(f"vendors/{world.vendor_a.pk}/")


def test_a_vendor_user_may_upload_only_to_its_own_vendor(world):
    with pytest.raises(PermissionDenied):
        services.document_upload(actor=world.user("a-manager"), vendor=world.vendor_b, title="x", upload=pdf())
    assert not DocumentVersion.objects.exists()


@pytest.mark.parametrize("name,content,message", [
    ("a.exe", b"MZ\x90\x00", "cannot be uploaded"),
    ("a.pdf", b"<html>not a pdf", "does not match"),
    ("a.png", b"%PDF-1.4", "does not match"),
    ("a.txt", b"\xff\xfe\x00bin", "does not match"),
    ("a.pdf", b"", "empty"),
    ("noext", b"%PDF-", "no extension"),
])
def test_uploads_are_checked_by_type_and_content(world, name, content, message):
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.document_upload(actor=world.user("client_admin"), vendor=world.vendor_a, title="Doc",
                                 upload=SimpleUploadedFile(name, content))
    assert message in str(error.value)
    assert not VendorDocument.objects.exists()


def test_upload_size_limit(world, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_BYTES", 10)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.document_upload(actor=world.user("client_admin"), vendor=world.vendor_a, title="Doc",
                                 upload=pdf(body=b"more than ten bytes"))
    assert "limit" in str(error.value)


def test_text_and_office_files_are_accepted(world):
    admin = world.user("client_admin")
    csv_version = services.document_upload(actor=admin, vendor=world.vendor_a, title="Roster",
                                           upload=SimpleUploadedFile("r.csv", "姓名,座席\n张三,1\n".encode()))
    xlsx_version = services.document_upload(actor=admin, vendor=world.vendor_a, title="Prices",
                                            upload=SimpleUploadedFile("p.xlsx", b"PK\x03\x04rest"))
    assert csv_version.content_type == "text/csv"
    assert xlsx_version.content_type.endswith("spreadsheetml.sheet")


def test_one_liaison_per_side(world):
    admin = world.user("client_admin")
    first = services.contact_save(actor=admin, vendor=world.vendor_a, name="Li", is_liaison=True)
    second = services.contact_save(actor=admin, vendor=world.vendor_a, name="Wang", is_liaison=True)
    client_side = services.contact_save(actor=admin, vendor=world.vendor_a, name="Zhao", side="client",
                                        is_liaison=True)
    first.refresh_from_db()
    assert not first.is_liaison and second.is_liaison and client_side.is_liaison
    assert set(selectors.liaisons(vendor=world.vendor_a)) == {"vendor", "client"}
    assert VendorContact.objects.filter(vendor=world.vendor_a, is_liaison=True).count() == 2


def test_contact_of_another_vendor_cannot_be_rewritten_through_this_vendor(world):
    admin = world.user("client_admin")
    contact = services.contact_save(actor=admin, vendor=world.vendor_b, name="Bo")
    with pytest.raises(PermissionDenied):
        services.contact_save(actor=admin, vendor=world.vendor_a, contact=contact, name="Hijack")
