"""Pages for parties, projects, people and the audit trail. Thin: reads come from selectors,
writes from services; list pages answer htmx requests with just their table."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from steward.core import selectors
from steward.core.decorators import permission_required
from steward.core.models import Project, Vendor
from steward.core.roles import Role

PAGE_SIZE = 50


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_page(request, name: str, queryset):
    """The whole page, or only its results table when htmx asks (search as you type)."""
    context = {"page": _paginate(request, queryset), "q": request.GET.get("q", "")}
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


@permission_required("core.view_user")
def user_list(request):
    q = request.GET.get("q", "").strip()
    return _list_page(request, "user", selectors.user_list(user=request.user, q=q))


@permission_required("core.view_audit")
def audit_trail(request):
    return render(request, "core/audit_trail.html", {"entries": selectors.audit_trail(limit=100)})


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # BOM, so Excel opens Chinese text as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@permission_required("core.view_vendor")
def vendor_export(request):
    vendors = selectors.vendor_list(user=request.user, q=request.GET.get("q", "").strip())
    return _csv_response(
        "vendors.csv",
        ["code", "name", "status", "projects"],
        ((v.code, v.name, v.status, v.project_count) for v in vendors),
    )


@permission_required("core.view_project")
def project_export(request):
    projects = selectors.project_list(user=request.user, q=request.GET.get("q", "").strip())
    return _csv_response(
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
