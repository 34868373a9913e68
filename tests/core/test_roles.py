import pytest
from django.db import IntegrityError

from steward.core.models import User
from steward.core.roles import CLIENT_ROLES, ROLE_CAPABILITIES, VENDOR_ROLES, Role, Side, capabilities


def test_every_role_has_a_capability_set_and_a_side():
    assert set(ROLE_CAPABILITIES) == set(Role)
    assert CLIENT_ROLES | VENDOR_ROLES == set(Role) and not CLIENT_ROLES & VENDOR_ROLES
    assert {r.side for r in VENDOR_ROLES} == {Side.VENDOR}


def test_auditor_sees_everything_and_changes_nothing():
    caps = capabilities(Role.AUDITOR)
    assert "core.view_audit" in caps and "core.view_vendor" in caps
    assert not [c for c in caps if c.split(".")[1].startswith(("add_", "change_", "delete_"))]


def test_vendor_roles_cannot_manage_parties():
    for role in VENDOR_ROLES:
        assert not {"core.add_vendor", "core.change_vendor", "core.view_audit"} & capabilities(role)


def test_unknown_role_has_no_capabilities():
    assert capabilities("janitor") == frozenset()


@pytest.mark.parametrize(
    "username,perm,expected",
    [
        ("client-admin", "core.view_audit", True),
        ("auditor", "core.change_vendor", False),
        ("outsourcing-manager", "core.add_project", True),
        ("finance", "core.add_vendor", False),
        ("a-manager", "core.view_user", True),
        ("a-agent1", "core.view_user", False),
    ],
)
def test_permissions_come_from_the_role(world, username, perm, expected):
    user = User.objects.get(username=username)
    assert user.has_perm(perm) is expected


def test_inactive_user_has_no_permissions(world):
    user = world.user("client_admin")
    user.is_active = False
    assert not user.has_perm("core.view_vendor")


@pytest.mark.django_db
def test_database_refuses_a_vendor_role_without_a_vendor():
    with pytest.raises(IntegrityError):
        User.objects.create(username="orphan", role=Role.AGENT.value)
