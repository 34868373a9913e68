"""API writes of the vendor registry: the pages' capabilities, forms and services; another
vendor's objects are a 404."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from steward.vendors import services
from steward.vendors.models import Certification, DocumentVersion, VendorContact
from tests.api.test_core_writes import api_client, call

CERT = {"standard": "iso_27001", "expires_on": "2031-06-30", "certificate_number": "C-1"}


def test_profile_patch_changes_only_the_fields_sent(world):
    client = api_client(world.user("outsourcing_manager"))
    first = call(client, "patch", "/api/vendors/alpha/profile", {"legal_name": "Alpha Ltd", "languages": ["zh", "en"]})
    assert first.status_code == 200, first.content
    second = call(client, "patch", "/api/vendors/alpha/profile", {"seats": 120})
    assert second.json()["legal_name"] == "Alpha Ltd" and second.json()["languages"] == ["zh", "en"]
    assert second.json()["seats"] == 120
    bad = call(client, "patch", "/api/vendors/alpha/profile", {"website": "not a url at all"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("website:")


def test_status_moves_only_along_the_lifecycle(world):
    client = api_client(world.user("outsourcing_manager"))
    skipped = call(client, "post", "/api/vendors/alpha/status", {"to_status": "offboarded"})
    assert skipped.status_code == 400
    moved = call(client, "post", "/api/vendors/alpha/status", {"to_status": "on_notice", "reason": "Renewal"})
    assert moved.status_code == 200 and moved.json()["from_status"] == "active"
    world.vendor_a.refresh_from_db()
    assert world.vendor_a.status == "on_notice"


def test_certification_create_edit_delete_with_replay(world):
    client = api_client(world.user("client_admin"))
    created = call(client, "post", "/api/vendors/alpha/certifications", CERT, key="c-1")
    assert created.status_code == 201, created.content
    replay = call(client, "post", "/api/vendors/alpha/certifications", CERT, key="c-1")
    assert replay.json() == created.json() and replay["Idempotent-Replayed"] == "true"
    assert Certification.objects.count() == 1
    pk = created.json()["id"]
    edited = call(client, "put", f"/api/certifications/{pk}", {**CERT, "issuer": "BSI"})
    assert edited.status_code == 200 and edited.json()["issuer"] == "BSI"
    other = call(client, "post", "/api/vendors/alpha/certifications", {"standard": "other", "expires_on": "2031-01-01"})
    assert other.status_code == 400  # 'Other' needs a title, as on the page
    assert call(client, "delete", f"/api/certifications/{pk}").status_code == 204
    assert not Certification.objects.exists()


def test_contacts_and_liaison(world):
    client = api_client(world.user("outsourcing_manager"))
    one = call(client, "post", "/api/vendors/alpha/contacts", {"side": "vendor", "name": "Li", "is_liaison": True})
    two = call(client, "post", "/api/vendors/alpha/contacts", {"side": "vendor", "name": "Wang", "is_liaison": True})
    assert one.status_code == two.status_code == 201
    assert not VendorContact.objects.get(pk=one.json()["id"]).is_liaison
    edited = call(client, "put", f"/api/contacts/{two.json()['id']}", {"side": "vendor", "name": "Wang Wei",
                                                                      "email": "wang@example.com"})
    assert edited.status_code == 200 and edited.json()["email"] == "wang@example.com"
    assert call(client, "put", f"/api/contacts/{one.json()['id']}",
                {"side": "vendor", "name": "Li", "email": "nope"}).status_code == 400
    assert call(client, "delete", f"/api/contacts/{one.json()['id']}").status_code == 204


def test_roles_without_the_capability_are_refused(world):
    services.certification_add(actor=None, vendor=world.vendor_a, standard="copc", expires_on=dt.date(2031, 1, 1))
    cert = Certification.objects.get()
    for role in ("qa_analyst", "a-manager"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/vendors/alpha/certifications", CERT).status_code == 403
        assert call(client, "delete", f"/api/certifications/{cert.pk}").status_code == 403
        assert call(client, "post", "/api/vendors/alpha/status", {"to_status": "on_notice"}).status_code == 403
    assert Certification.objects.count() == 1


def test_a_vendor_cannot_reach_another_vendors_registry(world):
    theirs = services.contact_save(actor=None, vendor=world.vendor_b, name="Bsecret Person")
    client = api_client(world.user("a-manager"))
    upload = SimpleUploadedFile("plan.txt", b"our plan", content_type="text/plain")
    with translation.override("en"):
        other = client.post("/api/vendors/bravo/documents", {"title": "Plan", "upload": upload})
    assert other.status_code == 404
    assert call(client, "delete", f"/api/contacts/{theirs.pk}").status_code in (403, 404)
    assert VendorContact.objects.filter(pk=theirs.pk).exists()
    # Its own vendor: the upload goes through the page's checks.
    own = client.post("/api/vendors/alpha/documents",
                      {"title": "Plan", "upload": SimpleUploadedFile("plan.txt", b"our plan", content_type="text/plain")})
    assert own.status_code == 201, own.content
    assert own.json()["number"] == 1 and DocumentVersion.objects.count() == 1
    refused = client.post("/api/vendors/alpha/documents",
                          {"title": "Plan", "upload": SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/x-msdownload")})
    assert refused.status_code == 400


def test_a_client_editor_cannot_reach_a_missing_object(world):
    client = api_client(world.user("client_admin"))
    assert call(client, "put", "/api/contacts/999999", {"side": "vendor", "name": "X"}).status_code == 404
    assert call(client, "patch", "/api/vendors/nosuch/profile", {"seats": 1}).status_code == 404
