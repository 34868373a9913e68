"""Language selection: the browser's Accept-Language, the top-bar switch, and a Chinese shell."""

import re

from steward.core.demo import CLIENT_NAME

from tests.browser_support import CJK, squash, tr

LATIN = re.compile(r"[A-Za-z]")


def test_accept_language_picks_the_first_language(open_session, subtests):
    # Chinese is Steward's default, so a browser asking for neither language gets Chinese.
    for locale, language in [
        ("zh-CN", "zh-hans"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr-FR", "zh-hans"),
    ]:
        with subtests.test(msg=locale):
            session = open_session(None, locale=locale)
            session.goto("/accounts/login/")
            assert session.html_lang() == language
            assert squash(session.page.locator("main h1").inner_text()) == tr(
                language, "Log in to Steward"
            )
            session.assert_clean()
            session.close()


def test_language_chosen_before_login_sticks_across_pages(open_session):
    session = open_session("zh-hans")
    session.goto("/accounts/login/")
    session.switch_language("en")
    assert session.page.url == session.url("/accounts/login/"), (
        "the switch returns to the same page"
    )
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


# Latin words a Chinese interface keeps as they are.
KEPT_AS_IS = re.compile(r"\b(?:CSV|API|SLA|QA|KPI|ID|URL|Excel|YAML|JSON|Webhook)\b")
# Interface text (not data) on every page: the top bar, headings, labels, buttons, columns.
CHROME = (
    ".mainnav a, .topbar-tools a, .topbar-tools button:not([name=language]), main h1, main h2,"
    " main label, main button, main .button, main th, .skip-link, .footer"
)


def test_the_chinese_shell_is_translated(open_session):
    """In Chinese, the interface's own words are Chinese: none of the English source text is
    left (an untranslated or unmarked string). Lists every leftover at once."""
    session = open_session("zh-hans")
    page = session.page
    leftovers: dict[str, str] = {}  # text -> first page it shows on

    def check(where: str, *, skip_h1: bool = False):
        for element in page.locator(CHROME).all():
            if skip_h1 and element.evaluate("e => e.tagName") == "H1":
                continue  # a detail page's heading is the object's (data) name
            text = squash(element.text_content() or "").replace(CLIENT_NAME, "")
            if LATIN.search(KEPT_AS_IS.sub("", text)):
                leftovers.setdefault(text, where)

    session.goto("/accounts/login/")
    check("login")
    session.login("admin")
    role_line = session.text("role-line").replace(CLIENT_NAME, "")
    if not CJK.search(role_line) or LATIN.search(role_line):
        leftovers.setdefault(role_line, "home role line")
    check("home")
    for path in ("/vendors/", "/vendors/aurora/", "/projects/", "/people/", "/audit/"):
        session.goto(path)
        check(path, skip_h1=path.count("/") > 2)
    session.goto("/no-such-page/", status=404)
    check("404")
    session.assert_clean()
    assert not leftovers, "English left in the Chinese interface (text, first page):\n" + "\n".join(
        f"{text!r} on {where}" for text, where in leftovers.items()
    )
