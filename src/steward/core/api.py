"""Core API: who am I, vendors and projects (read; register and edit with the capabilities the
pages check), people (read; added by a client administrator as on the page *Add a person*). Also the helpers every app's API writes share: `ErrorOut` and `form_write`, which
validates a payload with the page's own form and applies the page's service through it, so the
API and the page refuse the same input with the same message."""

from django.http import Http404
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.core import selectors, services
from steward.core.forms import ProjectEditForm, ProjectForm, UserForm, VendorEditForm, VendorForm
from steward.core.models import Project, User, Vendor

router = Router(tags=["core"])


class ErrorOut(Schema):
    detail: str


def form_detail(form) -> str:
    """A form's errors as one line: `field: message` (non-field errors without the prefix)."""
    parts = []
    for field, errors in form.errors.items():
        text = " ".join(str(e) for e in errors)
        parts.append(text if field == "__all__" else f"{field}: {text}")
    return " ".join(parts)


def form_data(values: dict) -> dict:
    """A payload as form data: None is left out (an empty field), a list for a one-per-line text
    field is joined with newlines by the caller where the form wants text."""
    return {k: v for k, v in values.items() if v is not None}


def form_write(form, write, **kwargs):
    """Validate `form`, then call `write(**kwargs, **cleaned_data)` through `form.apply` exactly as
    the page does. Returns (result, None) or (None, detail) for a 400 answer."""
    if not form.is_valid():
        return None, form_detail(form)
    result = form.apply(write, **kwargs, **form.cleaned_data)
    if form.errors:
        return None, form_detail(form)
    return result, None


def form_check(form):
    """Validate `form` only: (cleaned_data, None) or (None, detail)."""
    if not form.is_valid():
        return None, form_detail(form)
    return form.cleaned_data, None



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


class VendorIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    status: str = Vendor.Status.ACTIVE


class VendorPatch(Schema):
    name: str = Field(min_length=1, max_length=200)


class ProjectIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = "Asia/Shanghai"
    channels: list[str] = Field(min_length=1, max_length=10)
    vendors: list[str] = Field(default=[], max_length=200)


class ProjectPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    time_zone: str | None = None
    channels: list[str] | None = Field(None, min_length=1, max_length=10)
    vendors: list[str] | None = Field(None, max_length=200)
    status: str | None = None


def _vendor(request, code: str) -> Vendor:
    try:
        return selectors.vendor_get(user=request.user, code=code)
    except Vendor.DoesNotExist:
        raise Http404 from None


def _project(request, code: str) -> Project:
    try:
        return selectors.project_get(user=request.user, code=code)
    except Project.DoesNotExist:
        raise Http404 from None


@router.post("/vendors", response={201: VendorOut, 400: ErrorOut})
@idempotent
def vendor_create(request, payload: VendorIn):
    """Register a vendor (as the page *Register a vendor*). Honours an Idempotency-Key header."""
    require_perm(request, "core.add_vendor")
    vendor, error = form_write(VendorForm(form_data(payload.dict())), services.vendor_create)
    if error:
        return 400, {"detail": error}
    return 201, vendor


@router.patch("/vendors/{code}", response={200: VendorOut, 400: ErrorOut})
def vendor_edit(request, code: str, payload: VendorPatch):
    """Rename a vendor. The status moves only along the lifecycle: POST /vendors/{code}/status."""
    require_perm(request, "core.change_vendor")
    vendor = _vendor(request, code)
    form = VendorEditForm(form_data(payload.dict()))
    _, error = form_write(form, lambda **data: services.vendor_update(vendor=vendor, name=data["name"],
                                                                       status=vendor.status))
    if error:
        return 400, {"detail": error}
    return 200, _vendor(request, code)


@router.post("/projects", response={201: ProjectOut, 400: ErrorOut})
@idempotent
def project_create(request, payload: ProjectIn):
    """Create a project (as the page *New project*). Honours an Idempotency-Key header."""
    require_perm(request, "core.add_project")
    # A new project starts in planning (the page's form asks, the service does not take it).
    form = ProjectForm({**payload.dict(), "status": Project.Status.PLANNING}, vendors=selectors.vendor_list(user=request.user))
    project, error = form_write(form, lambda **d: services.project_create(
        code=d["code"], name=d["name"], time_zone=d["time_zone"], channels=d["channels"],
        vendor_codes=d["vendors"]))
    if error:
        return 400, {"detail": error}
    return 201, _project(request, project.code)


@router.patch("/projects/{code}", response={200: ProjectOut, 400: ErrorOut})
def project_edit(request, code: str, payload: ProjectPatch):
    """Change a project; only the fields sent change. Going live happens through the plan's gate."""
    require_perm(request, "core.change_project")
    project = _project(request, code)
    data = {"name": project.name, "time_zone": project.time_zone, "channels": project.channels,
            "status": project.status, "vendors": [v.code for v in project.vendors.all()]}
    data.update(payload.dict(exclude_unset=True, exclude_none=True))
    form = ProjectEditForm(data, vendors=selectors.vendor_list(user=request.user))
    _, error = form_write(form, lambda **d: services.project_update(
        project=project, name=d["name"], time_zone=d["time_zone"], channels=d["channels"], status=d["status"],
        vendor_codes=d["vendors"]))
    if error:
        return 400, {"detail": error}
    return 200, _project(request, code)


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


class UserIn(Schema):
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
    user, error = form_write(form, lambda **d: services.user_create(
        username=d["username"], role=d["role"], vendor_code=d["vendor"] or None, password=d["password"] or None,
        email=d["email"], first_name=d["first_name"], last_name=d["last_name"]))
    if error:
        return 400, {"detail": error}
    return 201, selectors.user_list(user=request.user).get(pk=user.pk)
