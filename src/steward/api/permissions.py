from django.core.exceptions import PermissionDenied


def require_perm(request, perm: str) -> None:
    """Refuse an API call whose user lacks `perm` (403; the api module renders the body)."""
    if not request.user.has_perm(perm):
        raise PermissionDenied
