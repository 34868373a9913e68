"""`{% vendor_registry vendor %}`: the registry's part of core's vendor page, read through the
registry's scoped selectors for the signed-in user."""

from django import template

from steward.vendors import selectors

register = template.Library()


@register.inclusion_tag("vendors/_registry.html", takes_context=True)
def vendor_registry(context, vendor):
    request = context["request"]
    user = request.user
    if not user.has_perm("vendors.view_registry"):
        return {"show": False}
    return {
        "show": True,
        "vendor": vendor,
        "registry": selectors.registry(user=user, vendor=vendor),
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
