"""The one NinjaAPI: each app contributes a Router from its own api.py."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import django_auth

from steward.api.security import RateLimited, ScopeDenied, TokenAuth
from steward.api.writes import Refused
from steward.collaboration.api import router as collaboration_router
from steward.contracts.api import router as contracts_router
from steward.core.api import router as core_router
from steward.improvement.api import router as improvement_router
from steward.integrations.api import router as integrations_router
from steward.interactions.api import router as interactions_router
from steward.metrics.api import router as metrics_router
from steward.planning.api import router as planning_router
from steward.quality.api import router as quality_router
from steward.reviews.api import router as reviews_router
from steward.sourcing.api import router as sourcing_router
from steward.training.api import router as training_router
from steward.vendors.api import router as vendors_router
from steward.workforce.api import router as workforce_router

api = NinjaAPI(
    title="Steward API",
    version="1",
    description=(
        "Read and write what your role may see; vendor users see only their vendor's data. "
        "Authenticate with a personal token (`Authorization: Bearer stw_...`, created under "
        "*API tokens*) or with the browser session."
    ),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(ScopeDenied)
def scope_denied(request, exc):
    return api.create_response(request, {"detail": _("This token may only read.")}, status=403)


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = api.create_response(
        request, {"detail": _("Too many requests with this token; retry in a minute.")}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": _("You do not have permission.")}, status=403)


@api.exception_handler(Refused)
def refused(request, exc):
    """A form's or a service's refusal in a write route (steward.api.writes)."""
    return api.create_response(request, {"detail": exc.detail}, status=400)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


api.add_router("/", core_router)
api.add_router("/", vendors_router)
api.add_router("/", contracts_router)
api.add_router("/", interactions_router)
api.add_router("/", metrics_router)
api.add_router("/", sourcing_router)
api.add_router("/collaboration", collaboration_router)
api.add_router("/improvement", improvement_router)
api.add_router("/quality", quality_router)
api.add_router("/planning", planning_router)
api.add_router("/training", training_router)
api.add_router("/integrations", integrations_router)
api.add_router("/reviews", reviews_router)
api.add_router("/workforce", workforce_router)
