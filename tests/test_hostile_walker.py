"""The hostile walker: a user's mistake never produces a 500.

For every HTML page (every URL pattern outside /api/, which tests/api/test_schema_fuzz.py
fuzzes), a client administrator opens the page with real keys, finds its forms in the HTML and
sends each form once per hostile value, with every field set to that value (filters by GET with
`page` and `sort` too, writes by POST), and each date input alone at the calendar's ends. Redirects and 4xx answers are fine; a 5xx is a defect.

Nothing is hand-listed: routes come from the URL resolver and their parameters are filled as the
isolation walker fills them (tests/test_isolation_walker.py), from the rows its app seeders
create; the forms are whatever each page renders. The world is built once for the module and
every request runs in a savepoint that is rolled back, so what one request writes (or a database
error it leaves behind on PostgreSQL) never reaches the next.
"""

import time
import traceback
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from tests.conftest import build_world
from tests.test_isolation_walker import app_seeders, concrete_urls, key_attribute, scoped_models, walk_patterns

HOSTILE_VALUES = {
    "superscript-two": "²",  # isdigit() is True, int() refuses it
    "beyond-bigint": "99999999999999999999",
    "minus-one": "-1",
    "zero": "0",
    "float-overflow": "1e309",
    "nan": "NaN",
    "month-13": "2025-13-45",
    "february-30": "2025-02-30",
    "minute-99": "12:99",
    "very-long": "x" * 5000,
    "sql": "'; DROP TABLE x; --",
    "markup": "<script>",
    "blank": " ",
    "arabic-indic-digits": "١٢٣",
    "twice": ["1", "x"],  # the same name given twice
}
# Sent one field at a time to each date input (alone, so no other field's error stops the form
# before the date is used): the calendar's ends overflow date arithmetic (a day or month beyond).
EXTREME_DATES = {
    "date": ("9999-12-31", "0001-01-01"),
    "month": ("9999-12", "0001-01"),
    "datetime-local": ("9999-12-31T23:59", "0001-01-01T00:00"),
}
LIST_PARAMETERS = ("page", "sort")  # added to every GET the walker sends
# Routes not walked: the API (fuzzed against its schema), and what ends the session or serves files.
SKIPPED_PREFIXES = ("api/", "accounts/logout/", "static/", "media/", "admin/")
MAX_CANDIDATE_URLS = 60  # key combinations tried per route before it counts as having no page

ROUTES = {
    (name or route): (route, pattern, name)
    for route, pattern, name in walk_patterns()
    if not route.lstrip("^").startswith(SKIPPED_PREFIXES)
}
# Form kinds already fuzzed in this run, by (method, view, field names): the language switch on
# every page, or the delete button on every row of a list, is sent once, not once per page.
FUZZED: set[tuple] = set()
POOLS: dict[str, list[str]] = {}
TALLY = {"requests": 0, "started": None}


class Forms(HTMLParser):
    """Each form's targets ((method, action) from method/action and hx-get/hx-post) and the names
    of its inputs, selects, textareas and named buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            targets = [((attrs.get("method") or "get").lower(), attrs.get("action") or "")]
            for verb in ("get", "post"):
                if attrs.get(f"hx-{verb}"):
                    targets.append((verb, attrs[f"hx-{verb}"]))
            self._open = {"targets": targets, "fields": [], "dates": []}
            self.forms.append(self._open)
        elif tag in {"input", "select", "textarea", "button"} and self._open is not None:
            if attrs.get("name") and attrs.get("type") != "reset":
                self._open["fields"].append(attrs["name"])
                if tag == "input" and attrs.get("type") in EXTREME_DATES:
                    self._open["dates"].append((attrs["name"], attrs["type"]))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def page_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def ranked_pool(parameter: str, route: str, namespace: str, viewer) -> list[str]:
    """The parameter's keys (as the isolation walker finds them), the likeliest model's first:
    one of the route's app whose name contains the path segment before the parameter."""
    segments = [s for s in route.split("/") if s]
    before = next((segments[i - 1] for i, s in enumerate(segments)
                   if i and f":{parameter}>" in s), "")
    stem = before.rstrip("s").replace("-", "")
    scored = []
    for model in scoped_models():
        attr = key_attribute(model, parameter)
        if attr is None:
            continue
        model_name = model._meta.model_name
        same_app = model._meta.app_label in {namespace, segments[0]}
        score = 2 * bool(stem and stem in model_name) + same_app
        for obj in model.objects.visible_to(viewer).order_by("-pk")[:2]:
            scored.append((-score, str(getattr(obj, attr))))
    scored.sort(key=lambda pair: pair[0])  # stable: the isolation walker's order among equals
    return list(dict.fromkeys(value for _, value in scored))


def send(client, method: str, url: str, data=None):
    """One request in a savepoint rolled back after it: its writes (and a failed statement on
    PostgreSQL) never reach the next request."""
    TALLY["requests"] += 1
    with transaction.atomic():
        response = getattr(client, method)(url, data or {})
        transaction.set_rollback(True)
    return response


def describe(response, method: str, url: str, data) -> str:
    shown = {k: (v if len(str(v)) < 60 else f"{str(v)[:20]}...({len(str(v))} chars)")
             for k, v in (data or {}).items()}
    text = f"{method.upper()} {url} {shown} answered {response.status_code}"
    if getattr(response, "exc_info", None):
        frames = traceback.format_exception(*response.exc_info)
        text += "\n" + "".join(frames[-6:])
    elif not response.streaming:
        text += "\n" + response.content.decode("utf-8", "replace")[:600]
    return text


@pytest.fixture(scope="module")
def hostile_world(django_db_setup, django_db_blocker):
    """The isolation walker's world, built once for the module and rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            for seed in app_seeders():
                seed(world)
            yield world
            if TALLY["started"]:
                print(f"\nhostile walker: {len(ROUTES)} routes, {len(FUZZED)} form kinds, "
                      f"{TALLY['requests']} requests in {time.monotonic() - TALLY['started']:.0f}s")
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def find_page(client, key: str, viewer):
    """(url, response) of the route's page with real keys: the first that answers 200, or None
    (a POST-only action, or no key the walker has fits)."""
    route, pattern, name = ROUTES[key]
    namespace = name.split(":")[0] if name and ":" in name else ""
    pools = {}
    for parameter in getattr(pattern.pattern, "converters", {}) or pattern.pattern.regex.groupindex:
        pools[parameter] = ranked_pool(parameter, route, namespace, viewer)
    tried = 0
    for url, _ in concrete_urls(route, pattern, name, viewer, viewer, pools):
        response = send(client, "get", url)
        assert response.status_code < 500, describe(response, "get", url, None)
        if response.status_code == 200:
            return url, response
        if response.status_code == 405:  # POST only: the keys do not matter
            return None
        tried += 1
        if tried >= MAX_CANDIDATE_URLS:
            return None
    return None


def targets(url: str, forms: list[dict]):
    """(method, action path, fields, date fields) for each form target on the page that is
    walked here."""
    for form in forms:
        for method, action in form["targets"]:
            if method not in {"get", "post"}:
                continue
            absolute = urljoin(url, action)
            parts = urlsplit(absolute)
            if parts.netloc and parts.netloc != "testserver":
                continue
            try:
                match = resolve(parts.path)
            except Resolver404:
                continue
            if parts.path.lstrip("/").startswith(SKIPPED_PREFIXES):
                continue
            fields = tuple(sorted(set(form["fields"]) - {"csrfmiddlewaretoken"}))
            kind = (method, match.view_name, fields)
            if kind in FUZZED:
                continue
            FUZZED.add(kind)
            yield method, parts.path, fields, tuple(form["dates"])


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_no_user_mistake_gets_a_server_error(key, hostile_world, db, client):
    TALLY["started"] = TALLY["started"] or time.monotonic()
    client.raise_request_exception = False
    viewer = hostile_world.user("client_admin")
    client.force_login(viewer)
    found = find_page(client, key, viewer)
    if found is None:
        return
    url, response = found
    if "text/html" not in response.get("Content-Type", ""):
        return
    html = response.content.decode("utf-8", "replace")
    failures = []
    plan = list(targets(url, page_forms(html)))
    paged = any(f"{name}=" in html for name in LIST_PARAMETERS)
    own_path = urlsplit(url).path
    if paged and not any(method == "get" and path == own_path for method, path, _, _ in plan):
        plan.append(("get", own_path, (), ()))  # a list without filters: page= and sort=
    for method, path, fields, dates in plan:
        names = fields + (LIST_PARAMETERS if method == "get" else ())
        attempts = [{name: value for name in names} for value in HOSTILE_VALUES.values()]
        attempts += [{name: value} for name, kind in dates for value in EXTREME_DATES[kind]]
        for data in attempts:
            answer = send(client, method, path, data)
            if answer.status_code >= 500:
                failures.append(describe(answer, method, path, data))
                break  # one failure per form is enough to read
    assert not failures, "\n\n".join(failures)
