"""Pages and API: upload with progress and rejects, explorer, export, and vendor isolation on
every route (a vendor-A user never sees vendor-B contacts, imports or rejects)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from steward.interactions import services
from steward.interactions.models import Agent, ImportBatch, Interaction

HEADER = "external_id,channel,queue,agent_code,arrived_at,talk_seconds,csat,transcript,customer_ref\n"


@pytest.fixture
def data(world, media):
    """Vendor A's and vendor B's contacts in the shared project, one of A's with a rejected row."""
    a_rows = [
        {"external_id": "A-1", "channel": "email", "queue": "mail", "agent_code": "amy",
         "arrived_at": "2024-02-01T09:00:00+08:00", "talk_seconds": 60, "csat": 5,
         "transcript": "customer: 我的订单呢？\nagent: 马上为您查询。", "customer_ref": "=HYPERLINK(\"x\")"},
        {"external_id": "A-2", "channel": "email", "queue": "mail", "agent_code": "arlo",
         "arrived_at": "2024-02-02T09:00:00+08:00", "csat": 1},
        {"external_id": "A-bad", "channel": "email", "arrived_at": "2024-02-02T09:00:00+08:00", "csat": 9},
    ]
    b_rows = [{"external_id": "B-SECRET-1", "channel": "ticket", "queue": "bravo-q", "agent_code": "bella",
               "arrived_at": "2024-02-01T10:00:00+08:00", "transcript": "agent: bravo secret"}]
    services.import_records(actor=None, project=world.shared, vendor=world.vendor_a, records=a_rows,
                            idempotency_key="a")
    services.import_records(actor=None, project=world.shared, vendor=world.vendor_b, records=b_rows,
                            idempotency_key="b")
    Agent.objects.filter(vendor=world.vendor_a, code="amy").update(user=world.user("a-agent1"))
    return world


def ids(response) -> set[str]:
    return {i.external_id for i in response.context["page"]}


def test_upload_runs_the_import_and_reports_rejects(client, data):
    client.force_login(data.user("a-manager"))
    upload = SimpleUploadedFile("calls.csv", (HEADER + "U-1,email,mail,amy,2024-03-01 10:00:00,30,4,,\n"
                                              "U-2,email,mail,amy,not a date,30,4,,\n").encode())
    response = client.post(reverse("interactions:upload"), {
        "file": upload, "profile": "generic", "project": "shared-mail", "vendor": "alpha",
        "allow_rejects": "on",
    })
    batch = ImportBatch.objects.get(file_name="calls.csv")
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert batch.status == ImportBatch.Status.DONE and (batch.inserted, batch.rejected) == (1, 1)
    page = client.get(batch.get_absolute_url())
    assert "无法把 &#x27;not a date&#x27; 读作日期时间".encode() in page.content  # in the uploader's language
    rejects = client.get(reverse("interactions:rejects", args=[batch.pk]))
    body = b"".join(rejects.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "line,column,reason,raw" and body.splitlines()[1].startswith("3,arrived_at,")


def test_vendor_user_cannot_import_for_another_vendor(client, data):
    client.force_login(data.user("a-manager"))
    upload = SimpleUploadedFile("x.csv", (HEADER + "X,email,,,2024-03-01 10:00:00,,,,\n").encode())
    response = client.post(reverse("interactions:upload"), {
        "file": upload, "profile": "generic", "project": "shared-mail", "vendor": "bravo"})
    assert response.status_code == 200 and not Interaction.objects.filter(external_id="X").exists()


def test_progress_fragment_polls_until_finished(client, data):
    client.force_login(data.user("client_admin"))
    batch = services.batch_create(actor=None, project=data.shared, vendor=data.vendor_a, profile="generic",
                                  file_name="big.csv")
    response = client.get(batch.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in response.content and b"<progress" in response.content
    batch.status = ImportBatch.Status.DONE
    batch.save()
    assert client.get(batch.get_absolute_url(), HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_explorer_filters_and_detail_conversation(client, data):
    client.force_login(data.user("outsourcing_manager"))
    url = reverse("interactions:list")
    assert ids(client.get(url)) == {"A-1", "A-2", "B-SECRET-1"}
    assert ids(client.get(url, {"vendor": "alpha"})) == {"A-1", "A-2"}
    assert ids(client.get(url, {"low_csat": "on"})) == {"A-2"}
    assert ids(client.get(url, {"date_from": "2024-02-02", "project": "shared-mail"})) == {"A-2"}
    assert ids(client.get(url, {"queue": "bravo-q"})) == {"B-SECRET-1"}
    detail = client.get(Interaction.objects.get(external_id="A-1").get_absolute_url())
    assert b"turn-customer" in detail.content and "马上为您查询".encode() in detail.content


@pytest.mark.parametrize("bad", [{"date_from": "2024-02-30"}, {"hour": "99"}, {"date_to": "9999-12-31"},
                                 {"date_from": "0001-01-01"}])
def test_an_invalid_filter_shows_nothing_and_says_why(client, data, bad):
    """Never the whole set in place of a narrowed one, and never a 500 for a date at the edge."""
    client.force_login(data.user("outsourcing_manager"))
    response = client.get(reverse("interactions:list"), {"vendor": "bravo", **bad})
    assert response.status_code == 200 and ids(response) == set()
    assert b'data-testid="filter-errors"' in response.content
    assert client.get(reverse("interactions:export"), {"vendor": "bravo", **bad}).status_code == 400
    if "date_from" in bad or "date_to" in bad:
        assert client.get("/api/interactions", bad).status_code == 422


def test_the_latest_and_earliest_dates_a_filter_takes(client, data):
    client.force_login(data.user("outsourcing_manager"))
    assert ids(client.get(reverse("interactions:list"), {"date_from": "1900-01-01", "date_to": "9999-12-30"})) == {
        "A-1", "A-2", "B-SECRET-1"}


def test_times_show_in_the_projects_time_zone(client, data):
    type(data.shared).objects.filter(pk=data.shared.pk).update(time_zone="Europe/Berlin")
    client.force_login(data.user("outsourcing_manager"))
    berlin = b"2024-02-01 02:00:00"  # A-1 arrived 09:00 in Shanghai (+08:00): 02:00 in Berlin (+01:00)
    assert berlin in client.get(reverse("interactions:list"), {"vendor": "alpha"}).content
    assert berlin in client.get(Interaction.objects.get(external_id="A-1").get_absolute_url()).content


def test_search_by_id_prefix_or_customer_reference(client, data):
    """The search box finds a contact by its id or the id's beginning, or a customer by its
    exact reference — lookups an index answers — and never another vendor's contact."""
    url = reverse("interactions:list")
    client.force_login(data.user("outsourcing_manager"))
    assert ids(client.get(url, {"q": "A-"})) == {"A-1", "A-2"}  # A-bad was rejected
    assert ids(client.get(url, {"q": "A-2"})) == {"A-2"}
    assert ids(client.get(url, {"q": '=HYPERLINK("x")'})) == {"A-1"}
    assert ids(client.get(url, {"q": "SECRET"})) == set()  # not a substring search
    assert ids(client.get(url, {"q": "a-"})) == set()  # ids are case-sensitive, on every database
    assert ids(client.get(url, {"q": "B-SEC"})) == {"B-SECRET-1"}
    client.force_login(data.user("a-manager"))
    assert ids(client.get(url, {"q": "B-SEC"})) == set()


def test_export_neutralises_formulas(client, data):
    client.force_login(data.user("client_admin"))
    response = client.get(reverse("interactions:export"), {"vendor": "alpha"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert len(body.strip().splitlines()) == 3


@pytest.mark.parametrize("username", ["a-manager", "a-agent1"])
def test_vendor_isolation_on_every_route(client, data, username):
    client.force_login(data.user(username))
    b_contact = Interaction.objects.get(external_id="B-SECRET-1")
    b_batch = ImportBatch.objects.get(idempotency_key="b")
    listing = client.get(reverse("interactions:list"))
    assert "B-SECRET-1" not in ids(listing) and b"bravo-q" not in listing.content
    assert client.get(reverse("interactions:list"), {"vendor": "bravo"}).context["page"].paginator.count == 0
    export = b"".join(client.get(reverse("interactions:export")).streaming_content)
    assert b"B-SECRET" not in export
    assert client.get(b_contact.get_absolute_url()).status_code == 404
    api_list = client.get("/api/interactions")
    assert api_list.status_code == 200 and "B-SECRET" not in api_list.content.decode()
    assert client.get(f"/api/interactions/{b_contact.pk}").status_code == 404
    if username == "a-agent1":
        # an agent sees only their own contacts
        assert ids(listing) == {"A-1"}
        assert client.get(reverse("interactions:batches")).status_code == 403
        return
    assert ids(listing) == {"A-1", "A-2"}
    assert client.get(b_batch.get_absolute_url()).status_code == 404
    assert client.get(reverse("interactions:rejects", args=[b_batch.pk])).status_code == 404
    assert client.get(f"/api/interactions/batches/{b_batch.pk}").status_code == 404
    history = client.get(reverse("interactions:batches"))
    assert {b.pk for b in history.context["page"]} == {ImportBatch.objects.get(idempotency_key="a").pk}
    assert client.post(reverse("interactions:undo", args=[b_batch.pk]), {"confirm": "yes"}).status_code == 404


def test_api_batch_is_idempotent(client, data):
    client.force_login(data.user("a-manager"))
    payload = {"project": "shared-mail", "vendor": "alpha", "records": [
        {"external_id": "API-1", "channel": "chat", "arrived_at": "2024-02-03T10:00:00+08:00"},
        {"external_id": "API-2", "channel": "chat", "arrived_at": "2024-02-03T10:00:00+08:00", "nps": 11},
    ]}
    first = client.post("/api/interactions/batches", json.dumps(payload), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="key-1")
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["inserted"], body["rejected"]) == (1, 1) and body["rejects"][0]["line"] == 2
    again = client.post("/api/interactions/batches", json.dumps(payload), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="key-1")
    assert again.json()["id"] == body["id"] and Interaction.objects.filter(external_id="API-1").count() == 1
    reused = client.post("/api/interactions/batches", json.dumps({**payload, "records": payload["records"][:1]}),
                         content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert reused.status_code == 422 and f"#{body['id']}" in reused.json()["detail"]
    other_vendor = client.post("/api/interactions/batches", json.dumps({**payload, "vendor": "bravo"}),
                               content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert other_vendor.status_code == 404
    missing_key = client.post("/api/interactions/batches", json.dumps(payload), content_type="application/json")
    assert missing_key.status_code in (400, 422)
    too_many = client.post("/api/interactions/batches", json.dumps({**payload, "records": [{}] * 10_001}),
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-3")
    assert too_many.status_code in (400, 422) and not ImportBatch.objects.filter(idempotency_key="key-3").exists()


def test_profiles_page_and_yaml_round_trip(client, data):
    client.force_login(data.user("client_admin"))
    assert b"bank-calls" in client.get(reverse("interactions:profiles")).content
    text = client.get(reverse("interactions:profile-yaml", args=["acd-calls"])).content.decode()
    upload = SimpleUploadedFile("mine.yaml", text.replace("name: acd-calls", "name: my-acd").encode())
    client.post(reverse("interactions:profiles"), {"yaml_file": upload})
    assert services.profile_get("my-acd").columns["external_id"] == "Call ID"
    bad = SimpleUploadedFile("bad.yaml", b"name: broken\ncolumns: {colour: x}\n")
    response = client.post(reverse("interactions:profiles"), {"yaml_file": bad})
    assert response.status_code == 200 and "不是标准字段：colour".encode() in response.content


def test_profile_editor_copies_a_builtin_and_reports_errors_with_their_line(client, data):
    client.force_login(data.user("client_admin"))
    page = client.get(reverse("interactions:profile-create") + "?from=acd-calls").content.decode()
    assert "name: acd-calls-copy" in page and "Call ID" in page
    text = services.profile_export_yaml("acd-calls", rename_to="acd-eu")
    edited = text.replace("Call ID", "Call Ref")
    response = client.post(reverse("interactions:profile-create"), {"definition": edited})
    assert response.status_code == 302
    assert services.profile_get("acd-eu").columns["external_id"] == "Call Ref"

    # Editing keeps the name; a YAML syntax error names its line and changes nothing.
    page = client.get(reverse("interactions:profile-edit", args=["acd-eu"])).content.decode()
    assert "Call Ref" in page
    broken = edited.replace("Call Ref", "Call Ref2", 1) + "extra: [unclosed\n"
    last_line = broken.count("\n")
    response = client.post(reverse("interactions:profile-edit", args=["acd-eu"]), {"definition": broken},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and f"line {last_line}, column 8" in response.content.decode()
    assert services.profile_get("acd-eu").columns["external_id"] == "Call Ref"


def test_builtin_profiles_cannot_be_overwritten(client, data):
    client.force_login(data.user("client_admin"))
    text = services.profile_export_yaml("generic")
    response = client.post(reverse("interactions:profile-create"), {"definition": text}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "built-in profile" in response.content.decode()


def test_profile_editor_needs_the_right_to_change_profiles(client, data):
    client.force_login(data.user("qa_analyst"))
    assert client.get(reverse("interactions:profile-create")).status_code == 403
    client.force_login(data.user("a-manager"))
    assert client.post(reverse("interactions:profile-create"), {"definition": "name: x"}).status_code == 403


def test_explorer_counts_up_to_a_cap_and_offers_its_queues(client, data, monkeypatch):
    from steward.interactions import views

    client.force_login(data.user("outsourcing_manager"))
    url = reverse("interactions:list")
    full = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert full.context["queues"] == ["bravo-q", "mail"] and b"3 contacts" in full.content
    monkeypatch.setattr(views, "EXPLORER_COUNT_CAP", 2)
    capped = client.get(url, {"page": "9"}, HTTP_ACCEPT_LANGUAGE="en")
    page = capped.context["page"]
    assert page.paginator.capped and page.paginator.num_pages == 1 and len(page) == 2
    assert b"More than 2 contacts" in capped.content
    # An agent's choices come from their own contacts.
    client.force_login(data.user("a-agent1"))
    assert client.get(url).context["queues"] == ["mail"]
