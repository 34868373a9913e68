from django.contrib.auth.models import AnonymousUser

from steward.core.models import Project, User, Vendor


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_client_side_sees_everything(world):
    for role in ("client_admin", "auditor", "finance", "qa_analyst"):
        user = world.user(role)
        assert codes(Vendor.objects.visible_to(user)) == ["alpha", "bravo"]
        assert len(Project.objects.visible_to(user)) == 3


def test_vendor_user_sees_own_vendor_and_its_projects_once(world):
    user = world.user("a-manager")
    assert codes(Vendor.objects.visible_to(user)) == ["alpha"]
    # the shared project appears once, not once per vendor
    assert codes(Project.objects.visible_to(user)) == ["alpha-only", "shared-mail"]


def test_vendor_manager_sees_own_people_only(world):
    names = set(User.objects.visible_to(world.user("a-manager")).values_list("username", flat=True))
    assert names == {"a-manager", "a-agent1", "a-agent2"}


def test_agent_sees_only_themselves(world):
    agent = world.user("a-agent1")
    assert list(User.objects.visible_to(agent)) == [agent]


def test_anonymous_and_inactive_see_nothing(world):
    assert not Vendor.objects.visible_to(AnonymousUser()).exists()
    user = world.user("client_admin")
    user.is_active = False
    assert not Vendor.objects.visible_to(user).exists()


def test_visible_to_composes_with_other_filters(world):
    user = world.user("b-manager")
    assert codes(Project.objects.filter(name__icontains="mail").visible_to(user)) == ["shared-mail"]
