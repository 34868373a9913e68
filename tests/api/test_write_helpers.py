"""steward.api.writes: the shape the write routes share (form, service, refusal as a 400)."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from steward.api.writes import Refused, apply_form, call_service, clean_form, project_named, visible
from steward.core import selectors as core_selectors
from steward.core.forms import VendorForm
from steward.improvement.models import CorrectiveAction
from steward.integrations.models import IdempotencyRecord
from tests.api.test_core_writes import api_client, call


def _refuse(**_kwargs):
    raise ValidationError({"name": "Taken.", "__all__": "Not today."})


def test_apply_form_passes_the_cleaned_data_and_the_extra_arguments_to_the_service(db):
    seen = {}
    result = apply_form(VendorForm({"code": "c1", "name": "C One", "status": "active"}),
                        lambda **kwargs: seen.update(kwargs) or "done", actor="me")
    assert result == "done"
    assert seen == {"actor": "me", "code": "c1", "name": "C One", "status": "active"}


def test_apply_form_refuses_the_forms_errors_then_the_services_on_its_fields(db):
    with translation.override("en"):
        with pytest.raises(Refused) as invalid:
            apply_form(VendorForm({"code": "", "name": "C", "status": "active"}), lambda **_: pytest.fail("called"))
        with pytest.raises(Refused) as refused:
            apply_form(VendorForm({"code": "c1", "name": "C", "status": "active"}), _refuse)
    assert invalid.value.detail == "code: This field is required."
    # As the page shows them: the field's message prefixed, the form's own without a prefix.
    assert refused.value.detail == "name: Taken. Not today."


def test_clean_form_and_call_service(db):
    assert clean_form(VendorForm({"code": "c1", "name": "C", "status": "active"}))["code"] == "c1"
    assert call_service(lambda a, *, b: a + b, 1, b=2) == 3
    with pytest.raises(Refused) as refused:
        call_service(lambda: (_ for _ in ()).throw(ValidationError(["One.", "Two."])))
    assert refused.value.detail == "One. Two."


def test_visible_is_a_404_outside_the_readers_scope(world):
    manager_b = world.user("b-manager")
    assert visible(core_selectors.vendor_get, _Request(manager_b), code="bravo").code == "bravo"
    with pytest.raises(Http404):
        visible(core_selectors.vendor_get, _Request(manager_b), code="alpha")


def test_project_named_is_a_400_for_a_project_the_user_may_not_see(world):
    manager_b = _Request(world.user("b-manager"))
    assert project_named(manager_b, "bravo-only") == world.project_b
    with translation.override("en"):
        for code in ("alpha-only", "nosuch"):  # another vendor's project reads as unknown
            with pytest.raises(Refused) as refused:
                project_named(manager_b, code)
            assert refused.value.detail == f"Unknown project {code}."


class _Request:
    def __init__(self, user):
        self.user = user


def test_a_services_refusal_under_an_idempotency_key_is_the_apis_400_and_is_not_stored(world):
    client = api_client(world.user("outsourcing_manager"))
    body = {"vendor": "alpha", "project": world.project_b.code, "title": "Late callbacks",
            "problem": "Callbacks missed", "due_date": "2030-01-31"}
    refused = call(client, "post", "/api/improvement/capas", body, key="k-1")
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Alpha Callcenter does not serve this project."}
    assert not IdempotencyRecord.objects.exists() and not CorrectiveAction.objects.exists()
    body["project"] = world.project_a.code
    assert call(client, "post", "/api/improvement/capas", body, key="k-1").status_code == 201
    assert CorrectiveAction.objects.count() == 1
