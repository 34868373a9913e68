"""Explorer and import pages, as a reviewer found them: the filter form keeps the sort, the export
follows the filters the table shows, times are the project's, an import's counts drill down to
its contacts, every transcript speaker is translated, and a profile the database would refuse
is a form error (PostgreSQL refused it with a 500)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from steward.interactions import services
from steward.interactions.models import ImportBatch, Interaction, MappingProfile
from tests.interactions.test_views import data  # noqa: F401 (fixture)


def test_the_filter_form_keeps_the_sort(client, data):  # noqa: F811
    client.force_login(data.user("client_admin"))
    page = client.get(reverse("interactions:list"), {"sort": "csat"}).content.decode()
    assert '<input type="hidden" name="sort" value="csat"' in page


def test_the_export_link_follows_a_filter_changed_in_place(client, data):  # noqa: F811
    client.force_login(data.user("client_admin"))
    fragment = client.get(reverse("interactions:list"), {"vendor": "alpha"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="results").content.decode()
    assert 'export.csv?vendor=alpha"' in fragment


def test_the_export_writes_times_in_the_projects_zone(client, data):  # noqa: F811
    client.force_login(data.user("client_admin"))
    assert "2024-02-01 09:00:00" in client.get(reverse("interactions:list"), {"q": "A-1"}).content.decode()
    export = client.get(reverse("interactions:export"), {"q": "A-1"})
    row = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()[1].split(",")
    assert row[10] == "2024-02-01T09:00:00+08:00"  # arrived_at, as the page shows it, with its offset


def test_import_times_are_the_projects(client, world, media, make_project):
    new_york = make_project("ny", [world.vendor_a], name="NY", time_zone="America/New_York")
    batch = services.batch_create(actor=None, project=new_york, vendor=world.vendor_a, profile="generic",
                                  file_name="f.csv")
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC),
                                                   status=ImportBatch.Status.DONE)
    client.force_login(world.user("client_admin"))
    assert "2024-03-01 07:00 EST" in client.get(reverse("interactions:batches")).content.decode()
    assert "2024-03-01 07:00:00 EST" in client.get(batch.get_absolute_url()).content.decode()


def test_an_imports_counts_drill_down_to_its_contacts(client, data):  # noqa: F811
    client.force_login(data.user("client_admin"))
    batch = ImportBatch.objects.get(idempotency_key="a")  # vendor A's: stored, A-bad rejected
    report = client.get(batch.get_absolute_url()).content.decode()
    link = f'{reverse("interactions:list")}?batch={batch.pk}'
    assert link in report
    page = client.get(link)
    assert {i.external_id for i in page.context["page"]} == {"A-1", "A-2"}
    assert f'name="batch" value="{batch.pk}"' in page.content.decode()  # kept when other filters change
    api = client.get("/api/interactions", {"batch": batch.pk})
    assert {row["external_id"] for row in api.json()} == {"A-1", "A-2"}
    assert client.get(reverse("interactions:list"), {"batch": "x"}).status_code == 200  # a form error, no 500


def test_the_b_vendor_cannot_drill_into_a_vendor_as_import(client, data):  # noqa: F811
    client.force_login(data.user("b-manager"))
    batch = ImportBatch.objects.get(idempotency_key="a")
    page = client.get(reverse("interactions:list"), {"batch": batch.pk})
    assert list(page.context["page"]) == []


def test_every_transcript_speaker_is_translated(client, data):  # noqa: F811
    contact = Interaction.objects.get(external_id="A-1")
    contact.transcript = "system: 已转接\nbot: 您好\ncustomer: hi"
    contact.save()
    client.force_login(data.user("client_admin"))
    page = client.get(contact.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<strong>system</strong>" not in page and "<strong>bot</strong>" not in page
    assert "<strong>系统</strong>" in page and "<strong>机器人</strong>" in page


@pytest.mark.parametrize("text", [
    "name: " + "a" * 80 + "\ncolumns: {external_id: id, arrived_at: t}\n",
    'name: nul-description\ndescription: "bad\\0nul"\ncolumns: {external_id: id, arrived_at: t}\n',
    'name: nul-column\ncolumns: {external_id: "i\\0d", arrived_at: t}\n',
    'name: surrogate\ndescription: "bad\\ud800"\ncolumns: {external_id: id, arrived_at: t}\n',
])
def test_a_profile_the_database_would_refuse_is_a_form_error(client, world, text):
    client.force_login(world.user("client_admin"))
    edited = client.post(reverse("interactions:profile-create"), {"definition": text}, HTTP_ACCEPT_LANGUAGE="en")
    assert edited.status_code == 200 and edited.context["form"].errors
    uploaded = client.post(reverse("interactions:profiles"), {"yaml_file": SimpleUploadedFile("p.yaml", text.encode())})
    assert uploaded.status_code in (200, 302)
    assert not MappingProfile.objects.filter(builtin=False).exists()
    errors = str(edited.context["form"].errors)
    assert "NUL character" in errors or "name: Ensure this value has at most 64 characters" in errors
