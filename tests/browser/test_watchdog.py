"""The browser watchdog itself: it must notice what the other tests claim did not happen."""

import pytest
from playwright.sync_api import Error as PlaywrightError


def test_watchdog_reports_external_requests_csp_violations_and_errors(open_session):
    session = open_session("en")
    session.goto("/accounts/login/")
    page = session.page
    page.evaluate(
        """() => {
          const image = document.createElement("img");
          image.src = "https://cdn.example.com/pixel.png";
          document.body.append(image);
          const script = document.createElement("script");
          script.textContent = "window.inlineScriptRan = true";  // CSP must refuse this
          document.body.append(script);
          console.error("deliberate console error");
          setTimeout(() => { throw new Error("deliberate page error"); });
        }"""
    )
    # The CSP already stops that image; a top-level navigation is not the CSP's business, so
    # a second tab opening an outside page shows the route blocking it.
    with pytest.raises(PlaywrightError):
        session.context.new_page().goto("https://cdn.example.com/")
    expected = [
        "request failed: GET https://cdn.example.com/pixel.png (csp)",
        "external request (blocked): https://cdn.example.com/",
        "CSP: script-src",
        "console error: deliberate console error",
        "page error: deliberate page error",
    ]
    # Events reach Python while Playwright is waiting; poll (bounded) until all have arrived.
    for _ in range(50):
        if all(any(problem.startswith(e) for problem in session.problems) for e in expected):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.inlineScriptRan === undefined"), "the CSP let an inline script run"
    with pytest.raises(AssertionError) as report:
        session.assert_clean()
    for problem in expected:
        assert problem in str(report.value)
    assert session.problems == [], "a reported problem is not reported twice"
