"""Language selection: the browser's Accept-Language, the top-bar switch, and a Chinese shell."""

import re

from steward.core.demo import CLIENT_NAME

from .conftest import CJK, squash, tr

LATIN = re.compile(r"[A-Za-z]")


def test_accept_language_picks_the_first_language(open_session, subtests):
    # Chinese is Steward's default, so a browser asking for neither language gets Chinese.
    for locale, language in [("zh-CN", "zh-hans"), ("en-US", "en"), ("en-GB", "en"), ("fr-FR", "zh-hans")]:
        with subtests.test(msg=locale):
            session = open_session(None, locale=locale)
            session.goto("/accounts/login/")
            assert session.html_lang() == language
            assert squash(session.page.locator("h1").inner_text()) == tr(language, "Log in to Steward")
            session.assert_clean()
            session.close()


def test_language_chosen_before_login_sticks_across_pages(open_session):
    session = open_session("zh-hans")
    session.goto("/accounts/login/")
    session.switch_language("en")
    assert session.page.url == session.url("/accounts/login/"), "the switch returns to the same page"
    session.login("manager")
    page = session.page
    assert session.html_lang() == "en"
    session.goto("/vendors/?q=ced")
    assert session.html_lang() == "en"
    session.switch_language("zh-hans")
    # The switch keeps the page and its query; the choice outlives the browser's preference.
    assert page.url == session.url("/vendors/?q=ced")
    assert page.input_value("#q") == "ced"
    session.goto("/projects/")
    assert session.html_lang() == "zh-hans"
    session.assert_clean()


def test_the_chinese_shell_is_translated(open_session):
    """The strings every page carries come out in Chinese, not the English source text."""
    session = open_session("zh-hans")
    page = session.page
    session.goto("/accounts/login/")
    for text in [page.locator("h1").inner_text(), *page.locator("main label").all_inner_texts(),
                 page.get_by_test_id("login-submit").inner_text()]:
        assert CJK.search(text) and not LATIN.search(text), f"login page: {text!r}"
    session.login("admin")

    role_line = session.text("role-line").replace(CLIENT_NAME, "")
    assert CJK.search(role_line) and not LATIN.search(role_line), role_line
    for label in page.locator(".mainnav a").all_inner_texts():
        assert CJK.search(label) and not LATIN.search(label), f"navigation: {label!r}"
    for path in ("/vendors/", "/projects/", "/people/", "/audit/"):
        session.goto(path)
        heading = page.locator("h1").inner_text()
        assert CJK.search(heading) and not LATIN.search(heading), f"{path}: {heading!r}"
        for header in page.locator("main th").all_inner_texts():
            assert CJK.search(header) and not LATIN.search(header), f"{path} column: {header!r}"
    session.goto("/no-such-page/", status=404)
    for text in page.locator("main p").all_inner_texts() + [page.locator("h1").inner_text()]:
        assert CJK.search(text) and not LATIN.search(text), f"404 page: {text!r}"
    session.assert_clean()
