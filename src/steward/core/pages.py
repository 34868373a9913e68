"""Small helpers every app's views share."""

from django.core.exceptions import ObjectDoesNotExist
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

PAGE_SIZE = 50


class CappedPaginator(Paginator):
    """Counts at most `cap` rows (`SELECT count(*) FROM (… LIMIT cap + 1)`): an exact count of
    millions of contacts costs a scan of them on every page view, and nobody pages that far;
    `capped` says the list goes on beyond the last reachable page (filter to narrow it)."""

    def __init__(self, object_list, per_page, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):  # any cap + 1 rows will do: no ordering, no columns to fetch
            rows = rows.order_by().values("pk")
        return min(rows[: self.cap + 1].count(), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return super().num_pages if not self.capped else -(-self.cap // self.per_page)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom:min(bottom + self.per_page, self.cap)], number, self)


def paginate(request, items, per_page: int = PAGE_SIZE, count_cap: int | None = None) -> Page:
    """The page the request asks for (?page=N); a bad or too-large N gives the nearest page.
    With `count_cap`, at most that many rows are counted (see CappedPaginator)."""
    paginator = Paginator(items, per_page) if count_cap is None else CappedPaginator(items, per_page, count_cap)
    return paginator.get_page(request.GET.get("page"))


def get_or_404(read, request, **lookup):
    """Call a scoped selector `read(user=..., **lookup)`; a row the user may not see is a 404."""
    try:
        return read(user=request.user, **lookup)
    except ObjectDoesNotExist:
        raise Http404(_("Not found.")) from None


def local_url(request, target: str, default: str) -> str:
    """``target`` when it is a path within Steward (a form's ``next``, a stored link), else
    ``default``. Only a path: redirect() reads other text, such as "x", as the name of a URL
    pattern and fails to reverse it."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# The largest values PostgreSQL's integer columns hold: a filter beyond them is an error there.
BIGINT_MAX = 2**63 - 1  # ids (BigAutoField)
SMALLINT_MAX = 2**15 - 1  # PositiveSmallIntegerField


def whole_number(text: str, *, limit: int = BIGINT_MAX) -> int | None:
    """A query or form value as a non-negative whole number no larger than `limit`, or None.
    (str.isdigit alone is not enough: it accepts '²' and other digits int() refuses; the length
    check keeps int() from parsing thousands of digits.)"""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(limit)):
        return None
    value = int(text)
    return value if value <= limit else None
