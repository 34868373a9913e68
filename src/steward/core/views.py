"""Pages for parties, projects, people and the audit trail. Thin: reads come from selectors,
writes from services; list pages answer htmx requests with just their table."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.core import notifications, selectors, services
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.forms import (
    ApiTokenForm,
    ProjectEditForm,
    ProjectForm,
    UserForm,
    VendorEditForm,
    VendorForm,
)
from steward.core.models import ApiToken, Project, Vendor
from steward.core.pages import get_or_404, local_url, paginate
from steward.core.roles import Role



def _list_page(request, name: str, queryset):
    """The whole page, or only its results table when htmx asks (search as you type)."""
    context = {"page": paginate(request, queryset), "q": request.GET.get("q", "")}
    if request.htmx and request.htmx.target == "results":
        return render(request, f"core/_{name}_table.html", context)
    return render(request, f"core/{name}_list.html", context)


@login_required
def home(request):
    user = request.user
    context = {
        "vendors": selectors.vendor_list(user=user) if user.has_perm("core.view_vendor") else [],
        "projects": selectors.project_list(user=user) if user.has_perm("core.view_project") else [],
        "is_agent": user.role == Role.AGENT,
    }
    return render(request, "core/home.html", context)


@permission_required("core.view_vendor")
def vendor_list(request):
    q = request.GET.get("q", "").strip()
    return _list_page(request, "vendor", selectors.vendor_list(user=request.user, q=q))


@permission_required("core.view_vendor")
def vendor_detail(request, code: str):
    try:
        vendor = selectors.vendor_get(user=request.user, code=code)
    except Vendor.DoesNotExist:
        raise Http404(_("No such vendor.")) from None
    projects = selectors.project_list(user=request.user).filter(vendors=vendor)
    return render(request, "core/vendor_detail.html", {"vendor": vendor, "projects": projects})


def _form_page(request, form, title: str, back: str):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": reverse(back)})


@permission_required("core.add_vendor")
def vendor_create(request):
    form = VendorForm(request.POST or None)
    if form.is_valid() and (vendor := form.apply(services.vendor_create, **form.cleaned_data)):
        messages.success(request, _("Vendor %(name)s registered.") % {"name": vendor.name})
        return redirect(vendor)
    return _form_page(request, form, _("Register a vendor"), "vendor-list")


@permission_required("core.change_vendor")
def vendor_edit(request, code: str):
    try:
        vendor = selectors.vendor_get(user=request.user, code=code)
    except Vendor.DoesNotExist:
        raise Http404(_("No such vendor.")) from None
    form = VendorEditForm(request.POST or None, initial={"name": vendor.name})
    if form.is_valid() and form.apply(
        services.vendor_update, vendor=vendor, name=form.cleaned_data["name"], status=vendor.status
    ):
        messages.success(request, _("Vendor %(name)s saved.") % {"name": vendor.name})
        return redirect(vendor)
    return _form_page(request, form, _("Edit vendor %(code)s") % {"code": vendor.code}, "vendor-list")


@permission_required("core.view_project")
def project_list(request):
    q = request.GET.get("q", "").strip()
    return _list_page(request, "project", selectors.project_list(user=request.user, q=q))


@permission_required("core.view_project")
def project_detail(request, code: str):
    try:
        project = selectors.project_get(user=request.user, code=code)
    except Project.DoesNotExist:
        raise Http404(_("No such project.")) from None
    vendors = selectors.project_vendors(user=request.user, project=project)
    return render(request, "core/project_detail.html", {"project": project, "vendors": vendors})


@permission_required("core.add_project")
def project_create(request):
    form = ProjectForm(request.POST or None, vendors=selectors.vendor_list(user=request.user))
    if form.is_valid():
        data = form.cleaned_data
        project = form.apply(
            services.project_create, code=data["code"], name=data["name"], time_zone=data["time_zone"],
            channels=data["channels"], vendor_codes=data["vendors"], business_calendar=data["business_calendar"],
        )
        if project:
            messages.success(request, _("Project %(name)s created.") % {"name": project.name})
            return redirect(project)
    return _form_page(request, form, _("New project"), "project-list")


@permission_required("core.change_project")
def project_edit(request, code: str):
    try:
        project = selectors.project_get(user=request.user, code=code)
    except Project.DoesNotExist:
        raise Http404(_("No such project.")) from None
    initial = {"name": project.name, "time_zone": project.time_zone, "channels": project.channels,
               "status": project.status, "vendors": [v.code for v in project.vendors.all()],
               "business_calendar": project.business_calendar}
    form = ProjectEditForm(request.POST or None, initial=initial, vendors=selectors.vendor_list(user=request.user))
    if form.is_valid():
        data = form.cleaned_data
        saved = form.apply(
            services.project_update, project=project, name=data["name"], time_zone=data["time_zone"],
            channels=data["channels"], status=data["status"], vendor_codes=data["vendors"],
            business_calendar=data["business_calendar"],
        )
        if saved:
            messages.success(request, _("Project %(name)s saved.") % {"name": project.name})
            return redirect(project)
    return _form_page(request, form, _("Edit project %(code)s") % {"code": project.code}, "project-list")


@permission_required("core.add_user")
def user_create(request):
    form = UserForm(request.POST or None, vendors=selectors.vendor_list(user=request.user))
    if form.is_valid():
        data = form.cleaned_data
        user = form.apply(
            services.user_create, username=data["username"], role=data["role"],
            vendor_code=data["vendor"] or None, password=data["password"] or None, email=data["email"],
            first_name=data["first_name"], last_name=data["last_name"],
        )
        if user:
            messages.success(request, _("%(username)s can now use Steward.") % {"username": user.username})
            return redirect("user-list")
    return _form_page(request, form, _("Add a person"), "user-list")


@permission_required("core.view_user")
def user_list(request):
    q = request.GET.get("q", "").strip()
    return _list_page(request, "user", selectors.user_list(user=request.user, q=q))


@permission_required("core.view_audit")
def audit_trail(request):
    return render(request, "core/audit_trail.html", {"entries": selectors.audit_trail(limit=100)})


@login_required
def api_tokens(request):
    """The user's own API tokens; a new token's key is shown in this one response only."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        created = form.apply(services.api_token_create, user=request.user, **form.cleaned_data)
        if created:
            new_key = created[1]
            form = ApiTokenForm()
    context = {"form": form, "tokens": selectors.api_tokens_of(user=request.user), "new_key": new_key}
    response = render(request, "core/api_tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    try:
        token = selectors.api_tokens_of(user=request.user).get(pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("api-tokens")


@permission_required("core.view_vendor")
def vendor_export(request):
    vendors = selectors.vendor_list(user=request.user, q=request.GET.get("q", "").strip())
    return csv_response(
        "vendors.csv",
        ["code", "name", "status", "projects"],
        ((v.code, v.name, v.status, v.project_count) for v in vendors),
    )


@permission_required("core.view_project")
def project_export(request):
    projects = selectors.project_list(user=request.user, q=request.GET.get("q", "").strip())
    return csv_response(
        "projects.csv",
        ["code", "name", "status", "time_zone", "channels", "vendors"],
        (
            (
                p.code, p.name, p.status, p.time_zone, " ".join(p.channels),
                " ".join(v.code for v in p.vendors.all()),
            )
            for p in projects
        ),
    )


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


@login_required
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    items = notifications.notifications_for(request.user)
    if unread_only:
        items = items.filter(read_at__isnull=True)
    return render(request, "core/notification_list.html", {"page": paginate(request, items), "unread_only": unread_only})


@login_required
@require_POST
def notification_open(request, notification_pk: int):
    """Mark one notification read and follow its link (only links within Steward)."""
    item = get_or_404(notifications.notification_get, request, pk=notification_pk)
    notifications.mark_read(request.user, item.pk)
    return redirect(local_url(request, item.url, reverse("notification-list")))


@login_required
@require_POST
def notification_read_all(request):
    count = notifications.mark_read(request.user)
    messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": count})
    return redirect("notification-list")
