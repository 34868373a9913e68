"""The main pages as a client administrator, in both languages, with a screenshot of each."""

from steward.core.demo import PROJECTS, VENDORS, demo_logins

from tests.browser_support import LANGUAGES, squash, tr

VENDOR_NAMES = {code: name for code, name, _ in VENDORS}
PROJECT_NAMES = {code: name for code, name, *_ in PROJECTS}
PROJECT_VENDORS = {code: vendors for code, _, _, vendors in PROJECTS}


def test_main_pages_render_cleanly_for_the_client_admin(open_session, subtests):
    for language in LANGUAGES:
        with subtests.test(msg=language):
            check_main_pages(open_session, language)


def check_main_pages(open_session, language):
    session = open_session(language)
    page = session.page
    session.goto("/accounts/login/")
    assert squash(page.locator("main h1").inner_text()) == tr(language, "Log in to Steward")
    session.screenshot(f"login-{language}")
    session.login("admin")

    session.goto("/vendors/")
    assert squash(page.locator("main h1").inner_text()) == tr(language, "Vendors")
    assert page.locator("#results tbody tr").count() == len(VENDORS)
    assert page.locator(".mainnav a[aria-current=page]").text_content().strip() == tr(language, "Vendors")
    session.screenshot(f"vendors-{language}")

    page.get_by_role("link", name="aurora", exact=True).click()
    page.wait_for_url(session.url("/vendors/aurora/"))
    assert VENDOR_NAMES["aurora"] in page.locator("main h1").inner_text()
    # It links the projects it serves, and no other.
    for code, vendors in PROJECT_VENDORS.items():
        link = page.locator("main").get_by_role("link", name=PROJECT_NAMES[code], exact=True)
        assert (link.count() > 0) == ("aurora" in vendors), f"vendor page and project {code}"
    session.screenshot(f"vendor-detail-{language}")

    session.goto("/projects/")
    assert squash(page.locator("main h1").inner_text()) == tr(language, "Projects")
    assert page.locator("#results tbody tr").count() == len(PROJECTS)
    session.screenshot(f"projects-{language}")

    session.goto("/projects/presales-chat/")
    assert PROJECT_NAMES["presales-chat"] in page.locator("main h1").inner_text()
    for code, name in VENDOR_NAMES.items():
        link = page.locator("main").get_by_role("link", name=name, exact=True)
        assert (link.count() > 0) == (code in PROJECT_VENDORS["presales-chat"]), code
    session.screenshot(f"project-detail-{language}")

    # A cn-* calendar links the holiday years it is built from (read here: entering one would
    # change the calendars the other browser tests read).
    page.get_by_test_id("holidays-link").click()
    page.wait_for_url(session.url("/metrics/holidays/"))
    assert squash(page.locator("main h1").inner_text()) == tr(language, "Holiday calendar")
    assert page.get_by_test_id("covered-years").inner_text().startswith("2004")
    assert page.get_by_test_id("holiday-form").count() == 1
    session.screenshot(f"holidays-{language}")

    session.goto("/people/")
    assert squash(page.locator("main h1").inner_text()) == tr(language, "People")
    assert page.locator("#results tbody tr").count() == len(demo_logins())
    session.screenshot(f"people-{language}")

    session.goto("/audit/")
    assert squash(page.locator("main h1").inner_text()) == tr(language, "Audit trail")
    # The demo itself created the vendors, projects and people, so the trail is not empty.
    assert page.get_by_test_id("audit-table").locator("tbody tr td.empty").count() == 0
    assert page.get_by_test_id("audit-table").locator("tbody tr").count() > 0
    session.screenshot(f"audit-{language}")

    session.goto("/no-such-page/", status=404)
    assert squash(page.locator("main h1").inner_text()) == tr(language, "Page not found")
    session.screenshot(f"404-{language}")
    session.assert_clean()

    # The client admin may open every page above, so the 403 page is a QA analyst's view
    # of the people list (a capability only admins, auditors and vendor managers hold).
    analyst = open_session(language)
    analyst.login("qa")
    analyst.goto("/people/", status=403)
    assert squash(analyst.page.locator("main h1").inner_text()) == tr(
        language, "You may not open this page"
    )
    analyst.screenshot(f"403-{language}")
    analyst.assert_clean()
    session.close()
    analyst.close()
