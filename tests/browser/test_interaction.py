"""htmx search, keyboard use, small screens and Chinese fonts in a real browser."""

from playwright.sync_api import expect

from steward.core.demo import DEMO_PASSWORD, VENDORS

from tests.browser_support import CJK, LANGUAGES, tr

# Font families that carry Chinese glyphs; anything else means tofu or a wrong fallback.
CJK_FONTS = (
    "WenQuanYi",
    "文泉",
    "Noto Sans CJK",
    "Noto Serif CJK",
    "Source Han",
    "PingFang",
    "Microsoft YaHei",
    "Droid Sans Fallback",
)


def test_vendor_search_filters_as_you_type_without_reloading(open_session):
    session = open_session("en")
    session.login("manager")
    session.goto("/vendors/")
    page = session.page
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(len(VENDORS))
    # A marker on window survives htmx swaps but not a full page load.
    page.evaluate("window.__sameDocument = true")

    with page.expect_response(lambda r: "q=aur" in r.url) as answer:
        page.locator("#q").press_sequentially("aur", delay=30)
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text({c: n for c, n, _ in VENDORS}["aurora"])
    expect(page).to_have_url(session.url("/vendors/?q=aur"))  # hx-push-url keeps it shareable

    page.locator("#q").fill("no-such-vendor")
    expect(rows.locator("td.empty")).to_have_text(tr("en", "No vendors match."))

    page.locator("#q").fill("")
    expect(rows).to_have_count(len(VENDORS))
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the whole page"
    assert page.locator(".topbar").count() == 1, (
        "the results were swapped in with a second page shell"
    )
    session.assert_clean()


def test_keyboard_only_login_and_skip_link(open_session):
    session = open_session("zh-hans")
    session.goto("/accounts/login/")
    page = session.page
    # The form can be filled and sent without a mouse: autofocus, Tab, Enter.
    assert page.evaluate("document.activeElement.id") == "id_username", (
        "the username field has focus"
    )
    page.keyboard.type("auditor")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == session.url("/")
    assert page.get_by_test_id("role-line").is_visible()

    for path in ("/", "/vendors/"):
        session.goto(path)
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert focused == "skip-link", f"{path}: the first Tab stop is {focused!r}"
        box = page.locator(".skip-link").bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off screen"
        assert page.locator(".skip-link").inner_text() == tr("zh-hans", "Skip to content")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    session.assert_clean()


def test_pages_fit_a_phone_screen(open_session, subtests):
    for language in LANGUAGES:
        with subtests.test(msg=language):
            check_phone(open_session, language)


def check_phone(open_session, language):
    session = open_session(language, viewport={"width": 390, "height": 844})
    # The client admin's pages carry the most: every card, every list, the widest tables.
    session.login("admin")
    page = session.page
    for path in ("/", "/vendors/", "/vendors/aurora/", "/projects/", "/people/", "/audit/"):
        if path != "/":
            session.goto(path)
        width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways at 390px: {width[0]} > {width[1]}"
        if path == "/":
            session.screenshot(f"home-mobile-{language}")
    session.assert_clean()
    session.close()


def test_chinese_text_is_drawn_with_a_cjk_font(open_session):
    session = open_session("zh-hans")
    session.login("admin")
    page = session.page
    role_line = page.get_by_test_id("role-line")
    assert CJK.search(role_line.inner_text())
    # Ask Chromium which platform fonts actually drew the glyphs of the role line.
    cdp = session.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    document = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send(
        "DOM.querySelector",
        {"nodeId": document["root"]["nodeId"], "selector": "[data-testid=role-line]"},
    )
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    families = [font["familyName"] for font in fonts]
    assert any(family.startswith(CJK_FONTS) for family in families), (
        f"role line drawn with {families}"
    )
    session.assert_clean()
