import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from steward.core.models import Notification
from steward.core.notifications import mark_read, notify, unread_count

pytestmark = pytest.mark.django_db

# A msgid the catalogue already translates.
MESSAGE = gettext_noop("Token %(name)s revoked.")


def test_notify_skips_inactive_and_duplicate_recipients(world):
    world.user("b-agent1").is_active = False
    world.user("b-agent1").save()
    created = notify([world.user("a-agent1"), world.user("a-agent1"), world.user("b-agent1"), None], MESSAGE, {"name": "t3"}, url="/")
    assert [n.recipient for n in created] == [world.user("a-agent1")]
    assert unread_count(world.user("a-agent1")) == 1
    assert unread_count(world.user("b-agent1")) == 0


def test_text_is_rendered_in_the_readers_language(world):
    (item,) = notify([world.user("a-agent1")], MESSAGE, {"name": "t2"})
    with translation.override("en"):
        assert item.text == "Token t2 revoked."
    with translation.override("zh-hans"):
        assert item.text != "Token t2 revoked."
        assert "t2" in item.text


def test_a_broken_placeholder_shows_the_message_instead_of_failing(world):
    (item,) = notify([world.user("a-agent1")], MESSAGE, {"wrong": 1})
    assert item.text == MESSAGE


def test_everyone_reads_only_their_own_notifications(client, world):
    notify([world.user("b-manager")], "Secret for bravo %(x)s", {"x": "b"})
    notify([world.user("a-manager")], "For alpha %(x)s", {"x": "a"})
    admin = world.users["client_admin"]
    notify([admin], "For the administrator")
    for user, expected, hidden in [
        (world.user("a-manager"), "For alpha a", "Secret for bravo"),
        (admin, "For the administrator", "For alpha"),
    ]:
        client.force_login(user)
        page = client.get(reverse("notification-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert expected in page
        assert hidden not in page


def test_opening_marks_read_and_follows_only_local_links(client, world):
    (local,) = notify([world.user("a-agent1")], "Local", url=reverse("home"))
    (foreign,) = notify([world.user("a-agent1")], "Foreign", url="https://evil.example/steal")
    (other,) = notify([world.user("a-agent2")], "Not yours", url=reverse("home"))
    client.force_login(world.user("a-agent1"))
    response = client.post(reverse("notification-open", kwargs={"notification_pk": local.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    response = client.post(reverse("notification-open", kwargs={"notification_pk": foreign.pk}))
    assert response["Location"] == reverse("notification-list")
    assert client.post(reverse("notification-open", kwargs={"notification_pk": other.pk})).status_code == 404
    assert client.get(reverse("notification-open", kwargs={"notification_pk": local.pk})).status_code == 405
    assert Notification.objects.get(pk=local.pk).read_at is not None
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_read_all_and_the_unread_badge(client, world):
    notify([world.user("a-agent1")], "One")
    notify([world.user("a-agent1")], "Two")
    client.force_login(world.user("a-agent1"))
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 unread" in page
    client.post(reverse("notification-read-all"))
    assert unread_count(world.user("a-agent1")) == 0
    assert mark_read(world.user("a-agent1")) == 0
