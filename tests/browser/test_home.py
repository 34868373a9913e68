"""Every demo user logs in through the form and gets a clean home page in both languages."""

from django.utils import translation

from steward.core.context_processors import NAVIGATION
from steward.core.demo import VENDORS, demo_logins
from steward.core.models import User, Vendor

from tests.browser_support import LANGUAGES, squash

LOGINS = [(username, role) for username, role, _ in demo_logins()]
# One screenshot per role and language: the first demo user holding the role.
PICTURED = {}
for _username, _role in LOGINS:
    PICTURED.setdefault(_role, _username)


def expected_role_line(user: User, language: str) -> str:
    with translation.override(language):
        sentence = (
            "You are signed in as %(role)s of %(party)s. You see every vendor and project."
            if user.is_client_side
            else "You are signed in as %(role)s of %(party)s. You see only your own company's data."
        )
        line = translation.gettext(sentence) % {"role": user.get_role_display(), "party": user.party_name}
    return squash(line)


def expected_navigation(user: User, language: str) -> list[str]:
    """Top-level entries: Home, then each group's label, or its page when only one is allowed."""
    with translation.override(language):
        entries = [translation.gettext("Home")]
        for group_label, pages in NAVIGATION:
            allowed = [str(label) for label, _, perm in pages if perm is None or user.has_perm(perm)]
            if len(allowed) == 1:
                entries.append(allowed[0])
            elif allowed:
                entries.append(str(group_label))
        return entries


def test_every_demo_user_logs_in_and_sees_home_in_both_languages(open_session, subtests):
    # One test with a subtest per user: each browser test costs a database flush, which is
    # the slow part on PostgreSQL, while each user still passes or fails on their own.
    for index, (username, role) in enumerate(LOGINS):
        with subtests.test(msg=username, role=role):
            check_home(open_session, index, username, role)


def check_home(open_session, index, username, role):
    # Alternate which language the browser asks for, so both Accept-Language defaults are
    # exercised across the users; then the top-bar switch gives the other one.
    first = LANGUAGES[index % 2]
    second = LANGUAGES[(index + 1) % 2]
    session = open_session(first)
    session.goto("/accounts/login/")
    assert session.html_lang() == first
    session.login(username)
    assert session.page.url == session.url("/"), "the login form should land on the home page"

    user = User.objects.select_related("vendor").get(username=username)
    for language in (first, second):
        if language != first:
            session.switch_language(language)
        page = session.page
        assert session.html_lang() == language
        assert session.text("role-line") == expected_role_line(user, language)
        top = page.locator(".mainnav > ul > li > a, .mainnav > ul > li > details > summary")
        nav = [squash(text) for text in top.all_inner_texts()]
        assert nav == expected_navigation(user, language)
        if user.has_perm("core.view_vendor"):
            # The home page lists what the user may see: all vendors, or only their own.
            shown = page.get_by_test_id("vendor-count").inner_text()
            names = page.locator(".card").first.locator("li a").all_inner_texts()
            if user.is_client_side:
                assert shown == str(len(VENDORS))
                assert sorted(names) == sorted(name for _, name, _ in VENDORS)
            else:
                assert (shown, names) == ("1", [user.vendor.name])
                others = Vendor.objects.exclude(pk=user.vendor_id).values_list("name", flat=True)
                assert not any(name in page.content() for name in others)
        if PICTURED[role] == username:
            session.screenshot(f"home-{role}-{language}")
        session.assert_clean()
    session.close()
