"""Scorecards: versions, immutability once published, the YAML editor and its pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from steward.quality import services
from steward.quality.definition import parse
from steward.quality.forms import EXAMPLE_SCORECARD
from steward.quality.models import Criterion, ScorecardVersion

pytestmark = pytest.mark.django_db


def test_create_stores_sections_and_criteria(world):
    scorecard = services.scorecard_create(actor=world.user("qa_analyst"), project=world.project_a,
                                          code="voice", source=EXAMPLE_SCORECARD)
    version = scorecard.versions.get()
    assert version.number == 1 and version.is_draft and scorecard.current is None
    assert [c.key for c in version.ordered_criteria()] == ["greeting", "accuracy", "privacy"]
    assert parse(services.version_yaml(version)) == parse(EXAMPLE_SCORECARD)


def test_a_published_version_is_immutable(world, published_scorecard):
    analyst = world.user("qa_analyst")
    v1 = published_scorecard.versions.get()
    assert published_scorecard.current == v1
    with pytest.raises(ValidationError):
        services.version_update(actor=analyst, version=v1, source=EXAMPLE_SCORECARD.replace("80", "90"))
    with pytest.raises(ValidationError):
        services.version_publish(actor=analyst, version=v1)
    v1.refresh_from_db()
    assert v1.pass_mark == 80 and Criterion.objects.filter(section__version=v1).count() == 3


def test_new_version_retires_the_old_one(world, published_scorecard):
    analyst = world.user("qa_analyst")
    v2 = services.version_new_draft(actor=analyst, scorecard=published_scorecard)
    assert v2.number == 2 and v2.is_draft
    with pytest.raises(ValidationError):  # one draft at a time
        services.version_new_draft(actor=analyst, scorecard=published_scorecard)
    services.version_update(actor=analyst, version=v2, source=EXAMPLE_SCORECARD.replace("pass_mark: 80", "pass_mark: 85"))
    services.version_publish(actor=analyst, version=v2)
    statuses = dict(published_scorecard.versions.values_list("number", "status"))
    assert statuses == {1: ScorecardVersion.Status.RETIRED, 2: ScorecardVersion.Status.PUBLISHED}
    assert published_scorecard.current.pass_mark == 85
    # v1's criteria are still there for the evaluations that used them
    assert Criterion.objects.filter(section__version__number=1, section__version__scorecard=published_scorecard).count() == 3


def test_bad_yaml_writes_nothing(world):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.scorecard_create(actor=world.user("qa_analyst"), project=world.project_a, code="bad",
                                  source="name: x\npass_mark: 200\nsections: []\n")
    assert "line 2" in " ".join(info.value.message_dict["source"])
    assert not world.project_a.scorecards.exists()


def test_vendor_users_may_not_write_scorecards(world):
    with pytest.raises(ValidationError):
        services.scorecard_create(actor=world.user("a-manager"), project=world.shared, code="x",
                                  source=EXAMPLE_SCORECARD)


def test_yaml_editor_page_shows_line_numbered_errors(client, world):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(world.user("qa_analyst"))
    url = reverse("quality:scorecard-create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"project": "alpha-only", "code": "voice",
                                 "source": "name: x\npass_mark: 80\nsections:\n  - title: t\n    criteria:\n      - key: a\n        weight: 0\n"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "line 6" in text and "line 7" in text  # label missing; weight not > 0
    response = client.post(url, {"project": "alpha-only", "code": "voice", "source": EXAMPLE_SCORECARD})
    assert response.status_code == 302
    version = ScorecardVersion.objects.get(scorecard__code="voice")
    assert client.post(reverse("quality:version-publish", kwargs={"pk": version.pk})).status_code == 302
    version.refresh_from_db()
    assert version.status == ScorecardVersion.Status.PUBLISHED
    # the editor refuses a published version
    assert client.get(reverse("quality:version-edit", kwargs={"pk": version.pk})).status_code == 302
    for name in ("quality:scorecard-list",):
        assert client.get(reverse(name)).status_code == 200
    for name in ("quality:scorecard-detail",):
        assert client.get(reverse(name, kwargs={"pk": version.scorecard_id})).status_code == 200
    assert "Uses the brand greeting" in client.get(reverse("quality:version-detail", kwargs={"pk": version.pk})).content.decode()
    yaml_response = client.get(reverse("quality:version-yaml", kwargs={"pk": version.pk}))
    assert parse(yaml_response.content.decode()) == parse(EXAMPLE_SCORECARD)


def test_new_draft_and_edit_through_the_pages(client, world, published_scorecard):
    client.force_login(world.user("qa_analyst"))
    response = client.post(reverse("quality:scorecard-new-draft", kwargs={"pk": published_scorecard.pk}))
    draft = published_scorecard.versions.get(status="draft")
    assert response.status_code == 302 and response.url == reverse("quality:version-edit", kwargs={"pk": draft.pk})
    edit = reverse("quality:version-edit", kwargs={"pk": draft.pk})
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"source": "pass_mark: [\n"}).status_code == 200
    assert client.post(edit, {"source": EXAMPLE_SCORECARD.replace("weight: 10", "weight: 15")}).status_code == 302
    assert draft.ordered_criteria()[0].weight == 15


def test_scorecard_pages_respect_roles_and_vendors(client, world, published_scorecard):
    client.force_login(world.user("a-manager"))
    assert client.get(reverse("quality:scorecard-create")).status_code == 403
    assert client.get(reverse("quality:scorecard-detail", kwargs={"pk": published_scorecard.pk})).status_code == 200
    client.force_login(world.user("b-manager"))
    other = services.scorecard_create(actor=world.user("qa_analyst"), project=world.project_a, code="alpha-only-card",
                                      source=EXAMPLE_SCORECARD)
    assert client.get(reverse("quality:scorecard-detail", kwargs={"pk": other.pk})).status_code == 404
    client.force_login(world.user("a-agent1"))
    assert client.get(reverse("quality:scorecard-list")).status_code == 403


def test_duplicate_code_and_foreign_project_are_form_errors(client, world, published_scorecard):
    client.force_login(world.user("qa_analyst"))
    url = reverse("quality:scorecard-create")
    response = client.post(url, {"project": "shared-mail", "code": "chat-std", "source": EXAMPLE_SCORECARD})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert client.post(url, {"project": "no-such", "code": "x", "source": EXAMPLE_SCORECARD}).status_code == 200
    assert published_scorecard.versions.count() == 1
    version = published_scorecard.versions.get()
    edit = reverse("quality:version-edit", kwargs={"pk": version.pk})
    assert client.post(edit, {"source": EXAMPLE_SCORECARD}).status_code == 302  # refused: published
    assert client.post(reverse("quality:scorecard-new-draft", kwargs={"pk": published_scorecard.pk})).status_code == 302
    # a second "new draft" while one exists is refused with a message, not an error page
    assert client.post(reverse("quality:scorecard-new-draft", kwargs={"pk": published_scorecard.pk})).status_code == 302
    assert published_scorecard.versions.count() == 2
