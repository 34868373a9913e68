"""API of mapping profiles: listed and exported as YAML by importers, saved from YAML (JSON body
or a file, as the page's editor and upload) by those who may change profiles; built-in profiles
stay read-only, and invalid YAML is refused with the page's message."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from steward.core import services as core_services
from steward.interactions import services
from steward.interactions.models import MappingProfile
from tests.api.test_core_writes import api_client, call


def _acd_copy(name: str = "acd-eu", external_id: str = "Call Ref") -> str:
    return services.profile_export_yaml("acd-calls", rename_to=name).replace("Call ID", external_id)


def test_list_and_export_the_builtin_profiles(world):
    client = api_client(world.user("a-manager"))  # a vendor importer reads the shared profiles
    listed = client.get("/api/interactions/profiles")
    assert listed.status_code == 200
    by_name = {p["name"]: p for p in listed.json()}
    assert by_name["acd-calls"]["builtin"] is True and "generic" in by_name
    detail = client.get("/api/interactions/profiles/acd-calls").json()
    assert detail["builtin"] is True and "Call ID" in detail["yaml"]
    exported = client.get("/api/interactions/profiles/acd-calls.yaml")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/x-yaml")
    assert exported.content.decode() == services.profile_export_yaml("acd-calls")
    assert client.get("/api/interactions/profiles/nosuch").status_code == 404
    assert client.get("/api/interactions/profiles/nosuch.yaml").status_code == 404


def test_save_a_profile_from_yaml_once_with_an_idempotency_key(world):
    client = api_client(world.user("outsourcing_manager"))
    body = {"definition": _acd_copy()}
    saved = call(client, "post", "/api/interactions/profiles", body, key="p-1")
    assert saved.status_code == 201, saved.content
    assert saved.json()["name"] == "acd-eu" and saved.json()["builtin"] is False
    assert "Call Ref" in saved.json()["yaml"]
    assert services.profile_get("acd-eu").columns["external_id"] == "Call Ref"
    again = call(client, "post", "/api/interactions/profiles", body, key="p-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert MappingProfile.objects.filter(name="acd-eu").count() == 1
    # The exported YAML round-trips: what GET …/acd-eu.yaml gives can be saved again.
    exported = client.get("/api/interactions/profiles/acd-eu.yaml").content.decode()
    assert call(client, "post", "/api/interactions/profiles", {"definition": exported}).status_code == 201


def test_edit_a_profile_keeps_its_name(world):
    services.profile_import_yaml(text=_acd_copy())
    client = api_client(world.user("client_admin"))
    edited = call(client, "put", "/api/interactions/profiles/acd-eu", {"definition": _acd_copy(external_id="Ref 2")})
    assert edited.status_code == 200, edited.content
    assert services.profile_get("acd-eu").columns["external_id"] == "Ref 2"
    renamed = call(client, "put", "/api/interactions/profiles/acd-eu", {"definition": _acd_copy("other")})
    assert renamed.status_code == 400 and "names the profile other" in renamed.json()["detail"]
    assert not MappingProfile.objects.filter(name="other").exists()
    assert call(client, "put", "/api/interactions/profiles/nosuch",
                {"definition": _acd_copy("nosuch")}).status_code == 404


def test_invalid_yaml_is_a_400_with_the_pages_message_and_changes_nothing(world):
    services.profile_import_yaml(text=_acd_copy())
    client = api_client(world.user("client_admin"))
    broken = _acd_copy(external_id="Ref 3") + "extra: [unclosed\n"
    last_line = broken.count("\n")
    for method, url in (("post", "/api/interactions/profiles"), ("put", "/api/interactions/profiles/acd-eu")):
        answer = call(client, method, url, {"definition": broken})
        assert answer.status_code == 400, answer.content
        assert answer.json()["detail"].startswith("definition: Not valid YAML")
        assert f"line {last_line}, column 8" in answer.json()["detail"]
    not_canonical = call(client, "post", "/api/interactions/profiles",
                         {"definition": "name: broken\ncolumns: {colour: x}\n"})
    assert not_canonical.status_code == 400 and "Not canonical" in not_canonical.json()["detail"]
    not_a_mapping = call(client, "post", "/api/interactions/profiles", {"definition": "- just\n- a list\n"})
    assert not_a_mapping.status_code == 400 and "YAML mapping" in not_a_mapping.json()["detail"]
    odd_offset = call(client, "post", "/api/interactions/profiles",
                      {"definition": "name: odd\noffsets: {first_response_at: 5}\n"})
    assert odd_offset.status_code == 400 and "offsets.first_response_at" in odd_offset.json()["detail"]
    empty = call(client, "post", "/api/interactions/profiles", {"definition": ""})
    assert empty.status_code == 400 and empty.json()["detail"].startswith("definition:")
    assert services.profile_get("acd-eu").columns["external_id"] == "Call Ref"
    assert not MappingProfile.objects.filter(name="broken").exists()


def test_builtin_profiles_stay_read_only(world):
    client = api_client(world.user("client_admin"))
    generic = services.profile_export_yaml("generic")
    for method, url in (("post", "/api/interactions/profiles"), ("put", "/api/interactions/profiles/generic")):
        answer = call(client, method, url, {"definition": generic.replace("ISO 8601", "changed")})
        assert answer.status_code == 400 and "built-in profile" in answer.json()["detail"]
    assert "changed" not in services.profile_export_yaml("generic")


def test_upload_a_yaml_file_as_on_the_page(world):
    client = api_client(world.user("outsourcing_manager"))

    def upload(content: bytes, key: str | None = None):
        extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return client.post("/api/interactions/profiles.yaml",
                           {"yaml_file": SimpleUploadedFile("mine.yaml", content)}, **extra)

    text = services.profile_export_yaml("acd-calls", rename_to="my-acd")
    first = upload(("\ufeff" + text).encode("utf-8"), key="u-1")  # a BOM, as Windows editors save it
    assert first.status_code == 201, first.content
    assert services.profile_get("my-acd").columns["external_id"] == "Call ID"
    again = upload(("\ufeff" + text).encode("utf-8"), key="u-1")
    assert again["Idempotent-Replayed"] == "true" and MappingProfile.objects.filter(name="my-acd").count() == 1
    latin = upload("name: café\ncolumns: {}\n".encode("latin-1"))
    assert latin.status_code == 400 and latin.json()["detail"] == "yaml_file: Save the YAML as UTF-8."
    bad = upload(b"name: broken\ncolumns: {colour: x}\n")
    assert bad.status_code == 400 and bad.json()["detail"].startswith("yaml_file:") and "Not canonical" in bad.json()["detail"]
    empty = client.post("/api/interactions/profiles.yaml", {"yaml_file": SimpleUploadedFile("e.yaml", b"")})
    assert empty.status_code == 400 and empty.json()["detail"].startswith("yaml_file:")
    assert not MappingProfile.objects.filter(name="broken").exists()


def test_who_may_read_and_who_may_change(world):
    body = {"definition": _acd_copy()}
    for role in ("a-manager", "b-manager", "qa_analyst", "finance", "project_lead", "a-agent1"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/interactions/profiles", body).status_code == 403
        assert call(client, "put", "/api/interactions/profiles/generic", body).status_code == 403
        assert client.post("/api/interactions/profiles.yaml",
                           {"yaml_file": SimpleUploadedFile("m.yaml", body["definition"].encode())}).status_code == 403
    # Reading the profiles needs the right to import: an agent or a QA analyst has none.
    for role in ("qa_analyst", "a-agent1"):
        assert api_client(world.user(role)).get("/api/interactions/profiles").status_code == 403
    # A read-only token of someone who may change profiles cannot write either.
    _, key = core_services.api_token_create(user=world.user("client_admin"), name="ro", scopes=["read"])
    read_only = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert call(read_only, "post", "/api/interactions/profiles", body).status_code == 403
    assert not MappingProfile.objects.filter(name="acd-eu").exists()
