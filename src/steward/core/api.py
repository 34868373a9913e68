"""Core API: who am I, vendors and projects (read; register and edit with the capabilities the
pages check), people (read; added by a client administrator as on the page *Add a person*).
The writes go through the page's own form and service (steward.api.writes)."""

from django.http import Http404
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, apply_form, form_data, visible
from steward.core import selectors, services
from steward.core.forms import ProjectEditForm, ProjectForm, UserForm, VendorEditForm, VendorForm
from steward.core.models import Project, User, Vendor

router = Router(tags=["core"])


class ErrorOut(Schema):
    detail: str


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
    business_calendar: str  # "" = none: business-hours metrics are not computed

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
    return visible(selectors.vendor_get, request, code=code)


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


class VendorIn(Payload):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    status: str = Vendor.Status.ACTIVE


class VendorPatch(Payload):
    name: str = Field(min_length=1, max_length=200)


class ProjectIn(Payload):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = "Asia/Shanghai"
    channels: list[str] = Field(min_length=1, max_length=10)
    vendors: list[str] = Field(default=[], max_length=200)
    business_calendar: str = Field("", max_length=32)


class ProjectPatch(Payload):
    name: str | None = Field(None, min_length=1, max_length=200)
    time_zone: str | None = None
    channels: list[str] | None = Field(None, min_length=1, max_length=10)
    vendors: list[str] | None = Field(None, max_length=200)
    status: str | None = None
    business_calendar: str | None = Field(None, max_length=32)


@router.post("/vendors", response={201: VendorOut, 400: ErrorOut})
@idempotent
def vendor_create(request, payload: VendorIn):
    """Register a vendor (as the page *Register a vendor*). Honours an Idempotency-Key header."""
    require_perm(request, "core.add_vendor")
    return 201, apply_form(VendorForm(form_data(payload.dict())), services.vendor_create)


@router.patch("/vendors/{code}", response={200: VendorOut, 400: ErrorOut})
def vendor_edit(request, code: str, payload: VendorPatch):
    """Rename a vendor. The status moves only along the lifecycle: POST /vendors/{code}/status."""
    require_perm(request, "core.change_vendor")
    vendor = visible(selectors.vendor_get, request, code=code)
    apply_form(VendorEditForm(form_data(payload.dict())),
               lambda **data: services.vendor_update(vendor=vendor, name=data["name"], status=vendor.status))
    return 200, visible(selectors.vendor_get, request, code=code)


@router.post("/projects", response={201: ProjectOut, 400: ErrorOut})
@idempotent
def project_create(request, payload: ProjectIn):
    """Create a project (as the page *New project*). Honours an Idempotency-Key header."""
    require_perm(request, "core.add_project")
    # A new project starts in planning (the page's form asks, the service does not take it).
    form = ProjectForm({**payload.dict(), "status": Project.Status.PLANNING}, vendors=selectors.vendor_list(user=request.user))
    project = apply_form(form, lambda **d: services.project_create(
        code=d["code"], name=d["name"], time_zone=d["time_zone"], channels=d["channels"],
        vendor_codes=d["vendors"], business_calendar=d["business_calendar"]))
    return 201, visible(selectors.project_get, request, code=project.code)


@router.patch("/projects/{code}", response={200: ProjectOut, 400: ErrorOut})
def project_edit(request, code: str, payload: ProjectPatch):
    """Change a project; only the fields sent change. Going live happens through the plan's gate."""
    require_perm(request, "core.change_project")
    project = visible(selectors.project_get, request, code=code)
    data = {"name": project.name, "time_zone": project.time_zone, "channels": project.channels,
            "status": project.status, "vendors": [v.code for v in project.vendors.all()],
            "business_calendar": project.business_calendar}
    data.update(payload.dict(exclude_unset=True, exclude_none=True))
    form = ProjectEditForm(data, vendors=selectors.vendor_list(user=request.user))
    apply_form(form, lambda **d: services.project_update(
        project=project, name=d["name"], time_zone=d["time_zone"], channels=d["channels"], status=d["status"],
        vendor_codes=d["vendors"], business_calendar=d["business_calendar"]))
    return 200, visible(selectors.project_get, request, code=code)


# --------------------------------------------------------------------------- people
#
# As the pages *People* and *Add a person*: reading needs core.view_user (a vendor manager sees
# only its own vendor's people), adding core.add_user (client administrators only). The pages
# neither edit nor deactivate accounts, so neither does the API.

class UserOut(Schema):
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    vendor: str | None
    is_active: bool

    @staticmethod
    def resolve_vendor(user: User) -> str | None:
        return user.vendor.code if user.vendor_id else None


class UserIn(Payload):
    username: str = Field(min_length=1, max_length=150)
    role: str = Field(max_length=32)
    vendor: str | None = Field(None, max_length=32)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    password: str | None = Field(None, max_length=4096,
                                 description="The initial password; none: the account cannot log in.")


@router.get("/users", response=list[UserOut])
def users(request, q: str = ""):
    require_perm(request, "core.view_user")
    return list(selectors.user_list(user=request.user, q=q))


@router.get("/users/{username}", response=UserOut)
def user_detail(request, username: str):
    require_perm(request, "core.view_user")
    try:
        return selectors.user_list(user=request.user).get(username=username)
    except User.DoesNotExist:
        raise Http404 from None


@router.post("/users", response={201: UserOut, 400: ErrorOut})
@idempotent
def user_create(request, payload: UserIn):
    """Add a person (as the page *Add a person*): a vendor role needs its vendor, a client role
    has none; the password, if given, must pass the password rules. Honours an Idempotency-Key
    header (the answer stored for a replay holds no password)."""
    require_perm(request, "core.add_user")
    form = UserForm(form_data(payload.dict()), vendors=selectors.vendor_list(user=request.user))
    user = apply_form(form, lambda **d: services.user_create(
        username=d["username"], role=d["role"], vendor_code=d["vendor"] or None, password=d["password"] or None,
        email=d["email"], first_name=d["first_name"], last_name=d["last_name"]))
    return 201, selectors.user_list(user=request.user).get(pk=user.pk)
