"""The one NinjaAPI: each app contributes a Router from its own api.py."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import django_auth

from steward.core.api import router as core_router

api = NinjaAPI(
    title="Steward API",
    version="1",
    description="Read and write what your role may see. Vendor users see only their vendor's data.",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": _("You do not have permission.")}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


api.add_router("/", core_router)
