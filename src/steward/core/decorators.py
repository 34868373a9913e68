from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def permission_required(perm: str):
    """Anonymous visitors go to the log-in page; signed-in users without `perm` get a 403.

    (Django's own decorator sends signed-in users back to the log-in page, which reads as a
    broken session rather than as "not allowed".)
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
