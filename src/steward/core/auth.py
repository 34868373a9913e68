from django.contrib.auth.backends import ModelBackend

from steward.core.roles import capabilities


class RoleBackend(ModelBackend):
    """Authenticates like Django's ModelBackend; permissions come from the user's role.

    Superusers keep every permission (ModelBackend's rule). Inactive users have none.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        return set(capabilities(user_obj.role))
