"""Registry pages as each side meets them."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from steward.vendors import services
from steward.vendors.models import Certification, DocumentVersion, StatusChange

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def registry(world):
    admin = world.user("client_admin")
    today = dt.date.today()
    services.profile_update(actor=admin, vendor=world.vendor_a, legal_name="Alpha Legal Entity", seats=42)
    services.certification_add(actor=admin, vendor=world.vendor_a, standard="copc", title="Alpha COPC",
                               expires_on=today + dt.timedelta(days=5))
    services.certification_add(actor=admin, vendor=world.vendor_b, standard="pci_dss", title="Bravo PCI",
                               expires_on=today + dt.timedelta(days=400))
    services.contact_save(actor=admin, vendor=world.vendor_a, name="Alpha Liaison", email="l@alpha.example",
                          is_liaison=True)
    return world


def test_vendor_page_shows_the_registry_with_expiry_badges_and_history(client, registry):
    services.vendor_transition(actor=registry.user("client_admin"), vendor=registry.vendor_a,
                               to_status="on_notice", reason="Missed SLA three months")
    client.force_login(registry.user("outsourcing_manager"))
    page = client.get("/vendors/alpha/", **EN).content.decode()
    for text in ("Alpha Legal Entity", "Alpha COPC", 'data-testid="expiry-expiring"', "Alpha Liaison", "Liaison",
                 "Missed SLA three months", "Edit profile", "Change status", "Upload a document"):
        assert text in page, text
    assert "Bravo PCI" not in page


def test_vendor_manager_reads_own_registry_but_cannot_edit_it(client, registry):
    client.force_login(registry.user("a-manager"))
    page = client.get("/vendors/alpha/", **EN).content.decode()
    assert "Alpha COPC" in page and "Upload a document" in page and "Edit profile" not in page
    assert client.get("/vendors/alpha/profile/edit/").status_code == 403
    assert client.get("/vendors/alpha/status/").status_code == 403
    assert client.get("/vendors/bravo/documents/upload/").status_code == 404


def test_agents_do_not_see_the_registry(client, registry):
    client.force_login(registry.user("a-agent1"))
    assert "Alpha COPC" not in client.get("/vendors/alpha/").content.decode()
    assert client.get("/certifications/").status_code == 403


def test_profile_form_saves_lists_typed_with_commas(client, registry):
    client.force_login(registry.user("client_admin"))
    response = client.post("/vendors/alpha/profile/edit/", {
        "legal_name": "Alpha Co", "locations": "Shanghai，Chengdu\nXi'an", "languages": "Mandarin, English",
        "channels": ["voice", "chat"], "seats": "150", "industries": "", "reference_clients": "", "reference_cases": "",
    })
    assert response.status_code == 302
    profile = registry.vendor_a.profile
    profile.refresh_from_db()
    assert profile.locations == ["Shanghai", "Chengdu", "Xi'an"] and profile.seats == 150


def test_status_change_through_the_page_and_refusal(client, registry):
    client.force_login(registry.user("client_admin"))
    page = client.get("/vendors/alpha/status/", **EN).content.decode()
    assert 'value="on_notice"' in page and 'value="prospect"' not in page
    response = client.post("/vendors/alpha/status/", {"to_status": "prospect"}, **EN)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = client.post("/vendors/alpha/status/", {"to_status": "on_notice", "reason": "late reports"})
    assert response.status_code == 302
    assert StatusChange.objects.get(vendor=registry.vendor_a).reason == "late reports"


def test_certification_create_edit_delete(client, registry):
    client.force_login(registry.user("client_admin"))
    response = client.post("/vendors/alpha/certifications/new/", {
        "standard": "iso_9001", "title": "", "certificate_number": "Q-1", "issuer": "SGS", "issued_on": "2024-01-01",
        "expires_on": "2027-01-01"})
    assert response.status_code == 302
    cert = Certification.objects.get(certificate_number="Q-1")
    response = client.post(f"/certifications/{cert.pk}/edit/", {
        "standard": "iso_9001", "certificate_number": "Q-1", "issued_on": "2024-01-01", "expires_on": "2023-01-01"},
        **EN)
    assert "must come after the issue date" in response.content.decode()
    assert client.post(f"/certifications/{cert.pk}/delete/").status_code == 302
    assert not Certification.objects.filter(pk=cert.pk).exists()


def test_certification_list_filters_and_export(client, registry):
    client.force_login(registry.user("finance"))
    page = client.get("/certifications/?state=expiring&days=30", **EN).content.decode()
    assert "Alpha COPC" in page and "Bravo PCI" not in page
    rows = client.get("/certifications/export.csv?days=30").content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("vendor,standard") and len(rows) == 3
    assert client.get("/certifications/?days=abc").status_code == 200
    client.force_login(registry.user("a-manager"))
    exported = client.get("/certifications/export.csv").content.decode("utf-8-sig")
    assert "Alpha COPC" in exported and "Bravo PCI" not in exported


def test_vendor_manager_uploads_and_downloads_own_document(client, registry):
    client.force_login(registry.user("a-manager"))
    upload = SimpleUploadedFile("保单.pdf", b"%PDF-1.4 policy", content_type="application/pdf")
    response = client.post("/vendors/alpha/documents/upload/",
                           {"title": "Insurance", "category": "insurance", "upload": upload})
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    download = client.get(f"/documents/versions/{version.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 policy"
    assert "attachment" in download["Content-Disposition"]
    client.force_login(registry.user("b-manager"))
    assert client.get(f"/documents/versions/{version.pk}/download/").status_code == 404


def test_bad_upload_is_explained_on_the_form(client, registry):
    client.force_login(registry.user("a-manager"))
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/pdf")
    response = client.post("/vendors/alpha/documents/upload/", {"title": "X", "category": "other", "upload": upload},
                           **EN)
    assert response.status_code == 200 and "cannot be uploaded" in response.content.decode()
    assert not DocumentVersion.objects.exists()


def test_api_profile_certifications_contacts_are_scoped(client, registry):
    client.force_login(registry.user("a-manager"))
    assert client.get("/api/vendors/alpha/profile").json()["legal_name"] == "Alpha Legal Entity"
    assert client.get("/api/vendors/bravo/profile").status_code == 404
    assert [c["title"] for c in client.get("/api/certifications").json()] == ["Alpha COPC"]
    assert client.get("/api/vendors/alpha/contacts").json()[0]["name"] == "Alpha Liaison"


def test_reminders_command_prints_what_is_due(registry):
    out = io.StringIO()
    call_command("vendor_reminders", "--days", "30", stdout=out)
    text = out.getvalue()
    assert "alpha\tCOPC — Alpha COPC" in text and "expires in 5 days" in text and "l@alpha.example" in text
    assert "Bravo PCI" not in text
    out = io.StringIO()
    call_command("vendor_reminders", "--days", "500", stdout=out)
    assert "Bravo PCI" in out.getvalue() and "no liaison designated" in out.getvalue()
