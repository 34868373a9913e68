"""Real-browser test support: Debian's Chromium, driven by Playwright, against a live Steward.
Its fixtures are registered once, in tests/conftest.py, so every app's browser tests share
one Chromium per session.

One Chromium per test session; every test opens fresh browser contexts (no shared cookies).
Each context watches for console errors, uncaught page errors, failed or error-status
requests, CSP violations and any request that leaves this machine (aborted: Steward must
render fully offline). A test fails if any of these happened.
"""

import io
import os
import re
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# Playwright's sync API runs an asyncio loop in this thread; without this Django refuses
# ORM calls from the test body (demo data, expected values) as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.utils import translation
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("STEWARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
# Every http(s)/ws(s) URL whose host is not this machine. Only these are routed through the
# test (a regex route is matched inside the browser driver), so local pages stay fast.
NOT_LOCAL = re.compile(
    r"^(?!(?:https?|wss?)://(?:localhost|127\.0\.0\.1|\[::1\])(?:[:/]|$))[a-z]+://"
)
# Browser locale (sent as Accept-Language) that should select each Steward language.
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
LANGUAGES = tuple(LOCALES)
# Generous on purpose: CI runs this on two busy cores, and a wait is not what is under test.
TIMEOUT_MS = 30_000
CJK = re.compile(r"[\u4e00-\u9fff]")

# Runs before any page script: forwards CSP violations to the test (console messages
# already carry most of them, this catches the ones Chromium reports silently).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__stewardCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
    + `at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
});
"""


def tr(language: str, message: str, **params) -> str:
    """`message` as Steward's catalogue renders it in `language` (what the page must show)."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % params if params else text


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests use Debian's Chromium "
            "(`make browsers`, or apt-get install chromium fonts-wqy-microhei)."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo(transactional_db):
    """The demo parties, projects and people, in the live server's (test) database."""
    from steward.core import demo as demo_data

    demo_data.load(io.StringIO())


@dataclass
class Session:
    """One browser context (one visitor) and everything that went wrong in it."""

    context: object
    page: object
    base_url: str
    language: str | None = None
    problems: list[str] = field(default_factory=list)
    # Document URLs that are meant to answer with this error status (403/404/429 pages).
    expected_errors: dict[str, int] = field(default_factory=dict)

    # --- watching -------------------------------------------------------------------------
    def _on_console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url", "")
        status = re.search(r"status of (\d{3})", message.text)
        if status and self.expected_errors.get(url) == int(status.group(1)):
            return  # Chromium logs the intended 404/403 document itself as a failed load
        self.problems.append(f"console error: {message.text} ({url})")

    def _on_response(self, response):
        if response.status >= 400 and self.expected_errors.get(response.url) != response.status:
            self.problems.append(
                f"HTTP {response.status} for {response.request.method} {response.url}"
            )

    def _on_request_failed(self, request):
        if request.failure == "net::ERR_ABORTED":
            # Cancelled by the browser itself: the page navigated on before a late request
            # (typically the favicon) finished. Missing files show up as 404 responses.
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def _block_external(self, route):
        self.problems.append(f"external request (blocked): {route.request.url}")
        route.abort("blockedbyclient")

    def _on_request(self, request):
        # Belt and braces for anything the route cannot see (e.g. a service worker's fetch).
        url = request.url
        if not url.startswith(("data:", "blob:", "about:")) and (
            (urlsplit(url).hostname or "") not in LOCAL_HOSTS
        ):
            self.problems.append(f"external request: {url}")

    def watch(self):
        self.context.route(NOT_LOCAL, self._block_external)
        self.context.expose_function(
            "__stewardCspViolation", lambda text: self.problems.append(f"CSP: {text}")
        )
        self.context.add_init_script(CSP_LISTENER)
        # On the context, not the page, so a popup or second tab is watched as well.
        self.context.on("console", self._on_console)
        self.context.on(
            "weberror", lambda error: self.problems.append(f"page error: {error.error}")
        )
        self.context.on("request", self._on_request)
        self.context.on("response", self._on_response)
        self.context.on("requestfailed", self._on_request_failed)
        self.context.on("page", lambda page: page.on("websocket", self._on_request))

    def close(self):
        """Close the context early (frees its renderer); its problems stay on record."""
        try:
            self.context.close()
        except PlaywrightError:
            pass

    def assert_clean(self):
        # Reported once: taken out of the list so the fixture's final check does not repeat it.
        problems, self.problems[:] = list(self.problems), []
        assert not problems, "the browser saw problems:\n" + "\n".join(problems)

    # --- acting ---------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, status: int = 200):
        if status >= 400:
            self.expected_errors[self.url(path)] = status
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, (
            f"{path}: expected HTTP {status}, got {response and response.status}"
        )
        return response

    def login(self, username: str, password: str | None = None):
        from steward.core.demo import DEMO_PASSWORD

        if not self.page.url.startswith(self.url("/accounts/login/")):
            self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", DEMO_PASSWORD if password is None else password)
        with self.page.expect_navigation():
            self.page.get_by_test_id("login-submit").click()

    def switch_language(self, language: str):
        with self.page.expect_navigation():
            self.page.get_by_test_id(f"language-{language}").click()
        assert self.html_lang() == language
        self.language = language

    def html_lang(self) -> str:
        return self.page.get_attribute("html", "lang")

    def text(self, test_id: str) -> str:
        return squash(self.page.get_by_test_id(test_id).inner_text())

    def screenshot(self, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Web fonts and htmx settle before the picture: wait for every font face to load.
        self.page.evaluate("document.fonts.ready.then(() => true)")
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def warm_server(live_server):
    """The first request builds the middleware chain and imports every app; do it once, with
    no browser timing it, so the first test is not the one that pays."""
    with urllib.request.urlopen(live_server.url + "/accounts/login/", timeout=120) as response:
        assert response.status == 200
    return live_server


@pytest.fixture
def open_session(browser, live_server, warm_server, demo):
    """open_session(language=..., viewport=...) -> a fresh, watched browser context.

    `language` picks the browser locale (and so Accept-Language); Steward must answer in it.
    """
    sessions: list[Session] = []

    def _open(language: str | None = "en", *, locale: str | None = None, viewport=None) -> Session:
        options = {"locale": locale or LOCALES.get(language, "en-US")}
        if viewport:
            options["viewport"] = viewport
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        session = Session(context=context, page=None, base_url=live_server.url, language=language)
        session.watch()  # before the first page opens, so it is watched from its first request
        session.page = context.new_page()
        sessions.append(session)
        return session

    yield _open
    for session in sessions:
        session.close()
    problems = [problem for session in sessions for problem in session.problems]
    assert not problems, "the browser saw problems:\n" + "\n".join(problems)
