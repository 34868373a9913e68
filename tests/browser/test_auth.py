"""Log-in mistakes, lockout, logout, 404s and vendor isolation, as a person meets them."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation

from steward.core.demo import PROJECTS, VENDORS
from steward.core.models import User

from tests.browser_support import CJK, LANGUAGES, squash, tr


def invalid_login_message(language: str) -> str:
    with translation.override(language):
        username_label = User._meta.get_field(User.USERNAME_FIELD).verbose_name
        return squash(
            str(AuthenticationForm.error_messages["invalid_login"]) % {"username": username_label}
        )


def test_wrong_password_is_explained_in_the_users_language(open_session, subtests):
    for language in LANGUAGES:
        with subtests.test(msg=language):
            check_wrong_password(open_session, language)


def check_wrong_password(open_session, language):
    session = open_session(language)
    session.login("admin", password="not-the-password")
    page = session.page
    assert page.url == session.url("/accounts/login/"), "a failed log-in stays on the form"
    assert session.html_lang() == language
    assert page.get_by_test_id("login-error").is_visible()
    message = session.text("login-error")
    assert message == invalid_login_message(language)
    assert bool(CJK.search(message)) == (language == "zh-hans")
    # The username is kept for the next try; the password is not echoed back.
    assert page.input_value("#id_username") == "admin"
    assert page.input_value("#id_password") == ""
    session.assert_clean()


def test_repeated_failures_lock_the_account(open_session):
    # One language is enough here (each attempt is a round trip); Chinese, the default.
    language = "zh-hans"
    limit = settings.AXES_FAILURE_LIMIT
    session = open_session(language)
    page = session.page
    for attempt in range(1, limit):
        session.login("manager", password=f"wrong-{attempt}")
        assert page.get_by_test_id("login-error").is_visible(), (
            f"attempt {attempt} is not locked yet"
        )
    # The limit-th failure locks the account: django-axes answers 429 with its own page.
    session.expected_errors[session.url("/accounts/login/")] = 429
    session.login("manager", password=f"wrong-{limit}")
    assert page.get_by_test_id("locked-out").is_visible()
    assert session.text("locked-out") == squash(
        tr(
            language,
            "This account is locked for a while after repeated failed log-ins. "
            "Try again later, or ask your administrator to unlock it.",
        )
    )
    assert session.html_lang() == language
    session.screenshot(f"locked-out-{language}")
    # Even the right password does not get in while locked.
    session.goto("/accounts/login/")
    session.login("manager")
    assert page.get_by_test_id("locked-out").is_visible()
    session.assert_clean()
    # The lockout is for that username from this address: another user still gets in.
    other = open_session(language)
    other.login("admin")
    assert other.page.url == other.url("/")
    other.assert_clean()


def test_logout_ends_the_session(open_session):
    session = open_session("en")
    session.login("finance")
    page = session.page
    assert page.url == session.url("/")
    with page.expect_navigation():
        page.get_by_test_id("logout").click()
    assert page.url == session.url("/accounts/login/")
    assert page.get_by_test_id("logout").count() == 0
    # The home page now asks for a log-in again instead of showing anything.
    session.goto("/")
    assert page.url == session.url("/accounts/login/?next=/")
    session.assert_clean()


def test_unknown_page_answers_404_in_the_chosen_language(open_session, subtests):
    for language in LANGUAGES:
        with subtests.test(msg=language):
            check_404(open_session, language)


def check_404(open_session, language):
    # Start in the other language and choose this one with the switch: the 404 page must
    # follow the choice, not the browser's Accept-Language.
    other = next(code for code in LANGUAGES if code != language)
    session = open_session(other)
    session.login("lead")
    session.switch_language(language)
    session.goto("/vendors/aurora/no-such-thing/", status=404)
    page = session.page
    assert session.html_lang() == language
    assert squash(page.locator("main h1").inner_text()) == tr(language, "Page not found")
    with page.expect_navigation():
        page.get_by_role("link", name=tr(language, "Back to home")).click()
    assert page.url == session.url("/")
    # Anonymous visitors get the same page in the language their browser asks for.
    anonymous = open_session(language)
    anonymous.goto("/no-such-page/", status=404)
    assert anonymous.html_lang() == language
    assert squash(anonymous.page.locator("main h1").inner_text()) == tr(language, "Page not found")
    session.assert_clean()
    anonymous.assert_clean()


def test_vendor_users_get_404_for_another_vendors_pages(open_session, subtests):
    for username in ("aurora-manager", "aurora-agent1"):
        with subtests.test(msg=username):
            check_no_foreign_pages(open_session, username)


def check_no_foreign_pages(open_session, username):
    session = open_session("en")
    session.login(username)
    page = session.page
    foreign_vendors = [name for code, name, _ in VENDORS if code != "aurora"]
    foreign_projects = [
        (code, name) for code, name, _, vendors in PROJECTS if "aurora" not in vendors
    ]
    assert foreign_projects, "the demo should have a project aurora does not serve"
    paths = [f"/vendors/{code}/" for code, _, _ in VENDORS if code != "aurora"]
    paths += [f"/projects/{code}/" for code, _ in foreign_projects]
    for path in paths:
        session.goto(path, status=404)
        assert squash(page.locator("main h1").inner_text()) == tr("en", "Page not found")
        html = page.content()
        for name in foreign_vendors + [name for _, name in foreign_projects]:
            assert name not in html, f"{path} leaks {name!r}"
    # Their own vendor still opens.
    session.goto("/vendors/aurora/")
    assert {code: name for code, name, _ in VENDORS}["aurora"] in page.locator(
        "main h1"
    ).inner_text()
    session.assert_clean()
