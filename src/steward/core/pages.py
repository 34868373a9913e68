"""Small helpers every app's views share."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils.translation import gettext as _

PAGE_SIZE = 50


def paginate(request, items, per_page: int = PAGE_SIZE) -> Page:
    """The page the request asks for (?page=N); a bad or too-large N gives the nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def get_or_404(read, request, **lookup):
    """Call a scoped selector `read(user=..., **lookup)`; a row the user may not see is a 404."""
    try:
        return read(user=request.user, **lookup)
    except ObjectDoesNotExist:
        raise Http404(_("Not found.")) from None
