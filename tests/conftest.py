"""Fixtures shared by every app's tests. Objects are built through the real services."""

from dataclasses import dataclass, field

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import HealthCheck, settings

from steward.core import services
from steward.core.models import Project, User, Vendor
from steward.core.roles import CLIENT_ROLES, Role
from tests.browser_support import browser, demo, open_session, warm_server  # noqa: F401 (one Chromium per session)

# CI shares two cores with other work: a slow example is not a failure, and strategies that
# filter (assume) are checked for correctness, not for generation speed.
settings.register_profile(
    "steward", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
settings.load_profile("steward")


@pytest.fixture(autouse=True)
def product_language():
    """Every test starts in the product's default language (zh-hans), whatever an earlier test
    or request in the same process left active (a request activates its own and keeps it)."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def english():
    """For tests that assert messages in English (the catalogue's Chinese is checked by
    tests/core/test_translations.py)."""
    with translation.override("en"):
        yield


def new_vendor(code: str, name: str | None = None, **kwargs) -> Vendor:
    return services.vendor_create(code=code, name=name or f"Vendor {code}", **kwargs)


def new_project(code: str, vendors: list[Vendor], channels=("voice",), name: str | None = None,
                time_zone: str = "Asia/Shanghai") -> Project:
    return services.project_create(
        code=code, name=name or f"Project {code}", time_zone=time_zone,
        channels=list(channels), vendor_codes=[v.code for v in vendors],
    )


def new_user(username: str, role: Role | str, vendor: Vendor | None = None, **kwargs) -> User:
    return services.user_create(
        username=username, role=str(role), vendor_code=vendor.code if vendor else None,
        password=kwargs.pop("password", "correct horse battery"), **kwargs,
    )


@pytest.fixture
def make_vendor(db):
    return new_vendor


@pytest.fixture
def make_project(db):
    return new_project


@pytest.fixture
def make_user(db):
    return new_user


@dataclass
class World:
    """Two vendors with their own projects, one project they share, and a user of every role."""

    vendor_a: Vendor
    vendor_b: Vendor
    project_a: Project
    project_b: Project
    shared: Project
    users: dict[str, User] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.users[name]


def build_world() -> World:
    """The world below, built outside a fixture (a module-scoped fixture builds it once)."""
    a = new_vendor("alpha", "Alpha Callcenter")
    b = new_vendor("bravo", "Bravo Secretcorp")
    w = World(
        vendor_a=a,
        vendor_b=b,
        project_a=new_project("alpha-only", [a], name="Alpha Hotline"),
        project_b=new_project("bravo-only", [b], channels=("chat",), name="Bravo Hiddenchat"),
        shared=new_project("shared-mail", [a, b], channels=("email", "ticket"), name="Shared Mailbox"),
    )
    for role in sorted(CLIENT_ROLES):
        w.users[role.value] = new_user(role.value.replace("_", "-"), role)
    w.users["a-manager"] = new_user("a-manager", Role.VENDOR_MANAGER, a, first_name="Anna")
    w.users["a-agent1"] = new_user("a-agent1", Role.AGENT, a, first_name="Amy")
    w.users["a-agent2"] = new_user("a-agent2", Role.AGENT, a, first_name="Arlo Twosecret")
    w.users["b-manager"] = new_user("b-manager", Role.VENDOR_MANAGER, b, first_name="Boris Bsecret")
    w.users["b-agent1"] = new_user("b-agent1", Role.AGENT, b, first_name="Bella Bsecret")
    return w


@pytest.fixture
def world(db) -> World:
    return build_world()
