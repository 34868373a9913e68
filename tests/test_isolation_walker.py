"""The isolation walker: every URL pattern and every API route, requested as a vendor user and
as an agent, must not show anything of another vendor (or of another agent).

Nothing here is hand-listed:
  - routes come from the URL resolver, so a new page or API route is walked automatically;
  - what must not leak is derived from the models: every model that declares `visibility` is
    scanned, and each text value that the other party may see but the viewer may not becomes a
    marker that must appear in no response (lists, details, exports, search, counts, charts);
  - route parameters are filled with both the viewer's own and the other party's keys, found by
    matching the parameter name to a model field ("code", "external_id") or to a primary key
    ("pk", "id", "<model>_id"). A parameter the walker cannot fill fails the test, so nobody
    adds a route that escapes it.

Apps add rows of their own to the walked world with a `seed(world)` function in
`tests/<app>/isolation.py`; it should create data for both vendors and both vendor-A agents.
"""

import html
import importlib
import io
import itertools
import json
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import ahocorasick_rs
import pypdfium2 as pdfium
import pytest
from django.apps import apps
from django.db import models
from django.http import HttpResponse
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from steward.core.visibility import VisibleQuerySet

PER_MODEL_VALUES = 2  # keys tried per model and party for each route parameter
MIN_MARKER_LENGTH = 5  # shorter strings ("chat", "12") occur by chance


def walk_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""):
    """Yield (route text, URLPattern, qualified name) for every endpoint, included ones too."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, entry, (namespace + entry.name) if entry.name else None


def parameter_names(pattern: URLPattern) -> list[str]:
    return list(getattr(pattern.pattern, "converters", {})) or list(pattern.pattern.regex.groupindex)


def scoped_models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models()
        if hasattr(m, "visibility") and isinstance(m._default_manager.all(), VisibleQuerySet)
    ]


def _texts(obj) -> set[str]:
    values = set()
    for f in obj._meta.concrete_fields:
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices:
            value = getattr(obj, f.attname)
            if isinstance(value, str) and len(value.strip()) >= MIN_MARKER_LENGTH:
                values.add(value.strip())
    return values


def secret_markers(viewer, other) -> set[str]:
    """Texts of rows the other party sees and the viewer does not, minus any text the viewer
    legitimately sees somewhere."""
    hidden, seen = set(), set()
    for model in scoped_models():
        visible_ids = set(model.objects.visible_to(viewer).values_list("pk", flat=True))
        for obj in model.objects.visible_to(other):
            (seen if obj.pk in visible_ids else hidden).update(_texts(obj))
        for obj in model.objects.visible_to(viewer):
            seen.update(_texts(obj))
    return hidden - seen


def key_attribute(model, name: str) -> str | None:
    """The model's attribute a route parameter of this name holds: a field of that name
    ("code", "external_id"), the primary key ("pk", "id", "<model>_id"), or None."""
    model_name = model._meta.model_name
    if name in {f.name for f in model._meta.concrete_fields}:
        return name
    if name in {"pk", "id", f"{model_name}_id", f"{model_name}_pk"}:
        return "pk"
    return None


def parameter_values(name: str, viewer, other) -> list[str]:
    values = []
    for model in scoped_models():
        attr = key_attribute(model, name)
        if attr is None:
            continue
        for user in (viewer, other):
            qs = model.objects.visible_to(user).order_by("-pk")[:PER_MODEL_VALUES]
            values.extend(str(getattr(obj, attr)) for obj in qs)
    return list(dict.fromkeys(values))


def concrete_urls(route: str, pattern: URLPattern, name: str | None, viewer, other, pools_by_name: dict):
    """Yield (url, the keys put into it) for the route, with every combination of keys.
    ``pools_by_name`` memoises each parameter's keys for the walk (91 scoped models are queried
    per parameter: once per name, not once per route)."""
    names = parameter_names(pattern)
    if not names:
        yield "/" + route.lstrip("^").rstrip("$"), ""
        return
    assert name, f"{route!r} takes parameters, so it needs a name for the walker to build it"
    pools = []
    for parameter in names:
        if parameter not in pools_by_name:
            pools_by_name[parameter] = parameter_values(parameter, viewer, other)
        pool = pools_by_name[parameter]
        assert pool, (
            f"The isolation walker cannot fill <{parameter}> in {route!r}: name the parameter "
            f"after a field of a model with `visibility` (code, external_id, ...) or its pk."
        )
        pools.append(pool)
    for combination in itertools.product(*pools):
        try:
            url = reverse(name, kwargs=dict(zip(names, combination)))
        except NoReverseMatch:  # a key the converter refuses (e.g. text for <int:pk>)
            continue
        yield url, " ".join(combination)


def response_text(response) -> str:
    """What a reader of the response sees: the text of an HTML, JSON or CSV body, the cells of an
    XLSX download (zipped XML), the text of a PDF's pages."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                return "".join(html.unescape(archive.read(name).decode("utf-8", errors="replace"))
                               for name in archive.namelist() if name.endswith(".xml"))
        except zipfile.BadZipFile:  # an uploaded file served back as it came
            pass
    if body.startswith(b"%PDF"):
        try:
            document = pdfium.PdfDocument(body)
        except pdfium.PdfiumError:  # an uploaded file named .pdf is served back as it came
            pass
        else:
            return "".join(page.get_textpage().get_text_range() for page in document)
    text = body.decode("utf-8", errors="replace")
    if "json" in response.get("Content-Type", ""):
        try:  # JSON escapes non-ASCII; compare the decoded text
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


def app_seeders():
    for path in sorted(Path(__file__).parent.glob("*/isolation.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.isolation")
        yield module.seed


@pytest.fixture
def walked_world(world):
    for seed in app_seeders():
        seed(world)
    return world


PAIRS = [
    ("a-manager", "b-manager"),  # vendor against vendor
    ("a-agent1", "b-manager"),  # an agent against another vendor
    ("a-agent1", "a-agent2"),  # an agent against a colleague
]


@pytest.mark.parametrize("viewer_name,other_name", PAIRS)
def test_nothing_of_another_party_leaks_from_any_route(client, walked_world, viewer_name, other_name):
    viewer, other = walked_world.user(viewer_name), walked_world.user(other_name)
    markers = secret_markers(viewer, other)
    assert markers, "the walked world must hold something the viewer may not see"
    scanner = ahocorasick_rs.AhoCorasick(sorted(markers))
    client.force_login(viewer)

    walked, leaks, pools_by_name = [], [], {}
    search_terms = sorted(markers)[:3]
    for route, pattern, name in walk_patterns():
        for url, used in concrete_urls(route, pattern, name, viewer, other, pools_by_name):
            # (url, what the viewer typed into it: may be echoed back, e.g. in a search box)
            variants = [(url, used)]
            if not used:  # list-like routes: also search for the other party's texts
                variants += [(f"{url}?{urlencode({'q': t})}", t) for t in search_terms]
            for variant, typed in variants:
                response = client.get(variant)
                assert response.status_code < 500, f"{variant} answered {response.status_code}"
                found = set(scanner.find_matches_as_strings(response_text(response)))
                # What the viewer typed, and the page's own address (a language switch or a 404
                # page echoes it), are not leaks: a stored link such as a notification's URL
                # is a marker only when it appears elsewhere.
                found = {m for m in found if m not in typed and m not in variant}
                if found:
                    leaks.append(f"{variant} [{response.status_code}] shows {sorted(found)[:5]}")
                walked.append(variant)

    assert not leaks, "\n".join(leaks)
    assert len(walked) >= len(list(walk_patterns()))


def test_walker_sees_every_api_route():
    """The API is part of the URL tree, so the walker reaches it without special cases."""
    routes = [route for route, _, _ in walk_patterns()]
    assert any(r.startswith("api/") and "vendors" in r for r in routes)
    assert any(r.startswith("api/") and "<" in r for r in routes)


def test_walker_finds_a_planted_leak(client, walked_world):
    """The walker's detector works: a page that prints another vendor's name is caught."""
    viewer, other = walked_world.user("a-manager"), walked_world.user("b-manager")
    markers = secret_markers(viewer, other)
    assert walked_world.vendor_b.name in markers
    assert walked_world.project_b.name in markers
    assert walked_world.vendor_a.name not in markers
    assert walked_world.shared.name not in markers  # both vendors serve it
    text = f"<td>{walked_world.vendor_b.name}</td>"
    assert set(ahocorasick_rs.AhoCorasick(sorted(markers)).find_matches_as_strings(text))


def test_downloads_are_read_as_their_reader_sees_them():
    """The walker scans XLSX cells and PDF text, not zipped or compressed bytes."""
    from reportlab.pdfgen import canvas

    from steward.core.exports import xlsx_response

    assert "marker-xlsx & co" in response_text(xlsx_response("x.xlsx", ["h"], [["marker-xlsx & co"]]))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "marker-pdf")
    pdf.save()
    assert "marker-pdf" in response_text(HttpResponse(buffer.getvalue(), content_type="application/pdf"))
