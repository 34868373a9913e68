"""core.pages.paginate with a counting cap (long contact lists)."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from steward.core.models import Vendor
from steward.core.pages import paginate


def _page(n, cap, per_page=2):
    return paginate(RequestFactory().get("/", {"page": n}), Vendor.objects.order_by("code"), per_page, count_cap=cap)


@pytest.fixture
def vendors(db):
    Vendor.objects.bulk_create(Vendor(code=f"v{i:02d}", name=f"V {i}") for i in range(7))


def test_under_the_cap_the_count_is_exact(vendors):
    page = _page(1, cap=100)
    assert page.paginator.count == 7 and not page.paginator.capped
    assert page.paginator.num_pages == 4 and [v.code for v in page] == ["v00", "v01"]


def test_over_the_cap_only_the_reachable_pages_are_offered(vendors):
    page = _page(99, cap=4)  # too large a page number: the last reachable page
    assert page.paginator.capped and page.paginator.num_pages == 2
    assert page.number == 2 and [v.code for v in page] == ["v02", "v03"] and not page.has_next()


def test_a_cap_inside_a_page_shows_no_more_than_the_cap(vendors):
    page = _page(1, cap=3, per_page=5)
    assert page.paginator.capped and [v.code for v in page] == ["v00", "v01", "v02"]


def test_the_count_reads_no_more_than_the_cap(vendors):
    with CaptureQueriesContext(connection) as queries:
        _ = _page(1, cap=3).paginator.count
    assert len(queries) == 1 and "LIMIT 4" in queries[0]["sql"].upper()
