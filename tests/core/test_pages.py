"""Pages as each kind of user meets them: log-in, home, lists, errors, languages."""

import pytest
from django.test import Client
from django.urls import reverse

from steward.core.roles import Role

ALL_USERS = [r.value for r in Role if r not in (Role.VENDOR_MANAGER, Role.AGENT)] + ["a-manager", "a-agent1"]


@pytest.mark.parametrize("username", ALL_USERS)
def test_every_role_gets_a_home_page_listing_what_it_may_see(client, world, username):
    user = world.user(username)
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert user.get_role_display() in page
    if user.is_client_side:
        assert "Bravo Secretcorp" in page and "Alpha Callcenter" in page
    else:
        assert "Alpha Callcenter" in page and "Bravo" not in page


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/vendors/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_forbidden_page_is_a_403_in_the_users_language(client, world):
    client.force_login(world.user("a-agent1"))
    response = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()
    response = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 403 and "您无权打开此页面" in response.content.decode()


@pytest.mark.parametrize("language,text", [("en", "Page not found"), ("zh-CN", "页面不存在")])
def test_unknown_page_is_a_404_in_the_users_language(client, world, language, text):
    client.force_login(world.user("client_admin"))
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404 and text in response.content.decode()


def test_another_vendors_detail_is_a_404_not_a_403(client, world):
    """A 403 would confirm that the vendor exists."""
    client.force_login(world.user("a-manager"))
    assert client.get("/vendors/bravo/").status_code == 404
    assert client.get("/projects/bravo-only/").status_code == 404
    assert client.get("/api/vendors/bravo").status_code == 404


@pytest.mark.parametrize("language,text", [("en", "Please enter a correct username"), ("zh-CN", "请输入一个正确的")])
def test_wrong_password_is_explained_in_the_users_language(world, language, text):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(reverse("login"), {"username": "auditor", "password": "wrong"})
    assert response.status_code == 200 and text in response.content.decode()


def test_language_switch_is_remembered(client, world):
    client.force_login(world.user("client_admin"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Welcome" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "欢迎" in client.get("/").content.decode()


def test_htmx_search_returns_only_the_table(client, world):
    client.force_login(world.user("client_admin"))
    response = client.get("/vendors/?q=brav", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    page = response.content.decode()
    assert "<html" not in page and "Bravo Secretcorp" in page and "Alpha Callcenter" not in page


def test_csv_export_follows_the_search(client, world):
    client.force_login(world.user("client_admin"))
    response = client.get("/projects/export.csv?q=shared")
    rows = response.content.decode("utf-8-sig").strip().splitlines()
    assert rows[0] == "code,name,status,time_zone,channels,vendors"
    assert rows[1:] == ["shared-mail,Shared Mailbox,planning,Asia/Shanghai,email ticket,alpha bravo"]


def test_list_page_query_count_does_not_grow_with_rows(client, world, make_vendor, make_project,
                                                       django_assert_max_num_queries):
    client.force_login(world.user("client_admin"))
    for i in range(20):
        make_project(f"extra-{i}", [make_vendor(f"extra-{i}")])
    with django_assert_max_num_queries(12):
        assert client.get("/projects/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/vendors/").status_code == 200


def test_password_change(client, world):
    user = world.user("finance")
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": "correct horse battery",
        "new_password1": "a-much-longer-passphrase-42",
        "new_password2": "a-much-longer-passphrase-42",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-longer-passphrase-42")
