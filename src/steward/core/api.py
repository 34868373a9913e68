from django.http import Http404
from ninja import Router, Schema

from steward.api.permissions import require_perm
from steward.core import selectors
from steward.core.models import Project, Vendor

router = Router(tags=["core"])



class MeOut(Schema):
    username: str
    role: str
    vendor: str | None
    language: str


class VendorOut(Schema):
    code: str
    name: str
    status: str


class ProjectOut(Schema):
    code: str
    name: str
    status: str
    time_zone: str
    channels: list[str]
    vendors: list[str]

    @staticmethod
    def resolve_vendors(project: Project) -> list[str]:
        return [v.code for v in project.vendors.all()]


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return MeOut(
        username=user.username,
        role=user.role,
        vendor=user.vendor.code if user.vendor_id else None,
        language=request.LANGUAGE_CODE,
    )


@router.get("/vendors", response=list[VendorOut])
def vendors(request, q: str = ""):
    require_perm(request, "core.view_vendor")
    return list(selectors.vendor_list(user=request.user, q=q))


@router.get("/vendors/{code}", response=VendorOut)
def vendor(request, code: str):
    require_perm(request, "core.view_vendor")
    try:
        return selectors.vendor_get(user=request.user, code=code)
    except Vendor.DoesNotExist:
        raise Http404 from None


@router.get("/projects", response=list[ProjectOut])
def projects(request, q: str = ""):
    require_perm(request, "core.view_project")
    return list(selectors.project_list(user=request.user, q=q))


@router.get("/projects/{code}", response=ProjectOut)
def project(request, code: str):
    require_perm(request, "core.view_project")
    try:
        return selectors.project_list(user=request.user).get(code=code)
    except Project.DoesNotExist:
        raise Http404 from None
