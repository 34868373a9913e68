import pytest
from django.core.exceptions import ValidationError

from steward.core import services
from steward.core.models import Organisation, Project, User, Vendor


@pytest.mark.django_db
class TestVendors:
    def test_create(self):
        vendor = services.vendor_create(code="acme", name="Acme 客服")
        assert Vendor.objects.get(code="acme").name == "Acme 客服"
        assert vendor.status == Vendor.Status.ACTIVE

    def test_duplicate_code_is_refused(self):
        services.vendor_create(code="acme", name="Acme")
        with pytest.raises(ValidationError) as error:
            services.vendor_create(code="acme", name="Other")
        assert "code" in error.value.message_dict
        assert Vendor.objects.count() == 1

    @pytest.mark.parametrize("code", ["", "has space", "-leading", "x" * 33, "中文"])
    def test_bad_code_is_refused(self, code):
        with pytest.raises(ValidationError):
            services.vendor_create(code=code, name="Bad")
        assert not Vendor.objects.exists()


@pytest.mark.django_db
class TestProjects:
    def test_create_with_vendors(self, make_vendor):
        a, b = make_vendor("a"), make_vendor("b")
        project = services.project_create(
            code="p1", name="P1", time_zone="Europe/Berlin", channels=["voice", "chat"], vendor_codes=["a", "b"]
        )
        assert set(project.vendors.all()) == {a, b}
        assert project.channels == ["voice", "chat"]

    @pytest.mark.parametrize(
        "kwargs,field",
        [
            ({"time_zone": "Mars/Olympus"}, "time_zone"),
            ({"channels": ["pigeon"]}, "channels"),
            ({"channels": []}, "channels"),
            ({"vendor_codes": ["ghost"]}, "vendors"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_written(self, make_vendor, kwargs, field):
        make_vendor("a")
        values = {"code": "p1", "name": "P1", "time_zone": "Asia/Shanghai", "channels": ["voice"],
                  "vendor_codes": ["a"], **kwargs}
        with pytest.raises(ValidationError) as error:
            services.project_create(**values)
        assert field in error.value.message_dict
        assert not Project.objects.exists()


@pytest.mark.django_db
class TestUsers:
    def test_vendor_role_needs_a_vendor(self):
        with pytest.raises(ValidationError) as error:
            services.user_create(username="x", role="agent")
        assert "vendor" in error.value.message_dict

    def test_client_role_takes_no_vendor(self, make_vendor):
        make_vendor("a")
        with pytest.raises(ValidationError) as error:
            services.user_create(username="x", role="finance", vendor_code="a")
        assert "vendor" in error.value.message_dict

    def test_unknown_role(self):
        with pytest.raises(ValidationError) as error:
            services.user_create(username="x", role="boss")
        assert "role" in error.value.message_dict

    def test_password_is_hashed_and_usable(self, make_vendor):
        make_vendor("a")
        user = services.user_create(username="amy", role="agent", vendor_code="a", password="s3cret-pass")
        assert user.check_password("s3cret-pass") and user.password != "s3cret-pass"

    def test_without_password_the_user_cannot_log_in(self):
        assert not services.user_create(username="nopass", role="auditor").has_usable_password()

    def test_duplicate_username(self):
        services.user_create(username="dup", role="auditor")
        with pytest.raises(ValidationError):
            services.user_create(username="dup", role="finance")
        assert User.objects.filter(username="dup").count() == 1


@pytest.mark.django_db
def test_there_is_one_client_organisation():
    services.organisation_update(name="Lumen", currency="CNY", time_zone="Asia/Shanghai")
    services.organisation_update(name="Lumen Retail")
    assert Organisation.objects.count() == 1
    assert Organisation.current().name == "Lumen Retail"


def test_a_project_cannot_be_set_live_by_editing_it(world, client):
    from django.core.exceptions import ValidationError

    from steward.core.models import Project

    project = world.project_a
    project.status = Project.Status.PLANNING
    project.save()
    with pytest.raises(ValidationError) as refused:
        services.project_update(project=project, name=project.name, time_zone=project.time_zone,
                                channels=project.channels, status="live", vendor_codes=["alpha"])
    assert "status" in refused.value.message_dict
    client.force_login(world.user("client_admin"))
    response = client.post(f"/projects/{project.code}/edit/", {
        "name": project.name, "time_zone": project.time_zone, "channels": project.channels,
        "status": "live", "vendors": ["alpha"]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "go-live readiness" in response.content.decode()
    project.refresh_from_db()
    assert project.status == Project.Status.PLANNING
