"""Pages of the knowledge base and of training. Thin: reads from selectors (everything through
visible_to), writes through services; a ValidationError from a service is shown, never a 500."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.pages import get_or_404, paginate, whole_number
from steward.interactions.models import Agent
from steward.training import gate, selectors, services
from steward.training.forms import (
    AgentStatusForm,
    ArticleForm,
    AssessmentForm,
    AttendanceForm,
    CourseForm,
    RequireForm,
    ResultForm,
    SessionForm,
)
from steward.training.models import Article, Attendance, Programme


def _form_page(request, form, title: str, back_url: str, intro: str = ""):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back_url, "intro": intro})


def _error(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- Knowledge base ----------------------------------------------------------------------


@permission_required("training.view_article")
def article_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("kind", "project", "q")}
    rows = selectors.article_list(user=request.user, **filters)
    agent = selectors.my_agent(request.user)
    pending = {v.article_id for v in selectors.pending_articles_for(agent)} if agent else set()
    context = {"page": paginate(request, rows), "filters": filters, "q": filters["q"], "kinds": Article.Kind.choices,
               "projects": core_selectors.project_list(user=request.user), "pending": pending}
    return render(request, "training/article_list.html", context)


def _article_form_data(data):
    return {"body": data["body"], "sample_dialogues": data["sample_dialogues"],
            "banned_phrases": data["banned_phrases"], "required_phrases": data["required_phrases"],
            "change_note": data["change_note"]}


@permission_required("training.change_article")
def article_create(request):
    projects = core_selectors.project_list(user=request.user)
    form = ArticleForm(request.POST or None, projects=projects)
    if form.is_valid():
        data = form.cleaned_data
        article = form.apply(services.article_create, actor=request.user, code=data["code"], title=data["title"],
                             kind=data["kind"],
                             project=projects.filter(code=data["project"]).first() if data["project"] else None,
                             **_article_form_data(data))
        if article:
            messages.success(request, _("Draft saved; publish it when it is ready."))
            return redirect(article)
    return _form_page(request, form, _("New article"), reverse("training:articles"))


@permission_required("training.view_article")
def article_detail(request, code: str):
    article = get_or_404(selectors.article_get, request, code=code)
    versions = list(selectors.article_versions(user=request.user, article=article))
    if not request.user.has_perm("training.change_article"):
        versions = [v for v in versions if v.is_published]
    shown = None
    wanted = whole_number(request.GET.get("v", ""))
    if wanted is not None:
        shown = next((v for v in versions if v.number == wanted), None)
    current = article.current_version
    shown = shown or current or (versions[0] if versions else None)
    if shown is None:
        raise Http404(_("Not found."))
    agent = selectors.my_agent(request.user)
    context = {
        "article": article, "versions": versions, "shown": shown, "current": current,
        "dialogues": [d.strip().splitlines() for d in shown.sample_dialogues.split("\n\n") if d.strip()],
        "may_edit": request.user.has_perm("training.change_article"),
        "user_projects": core_selectors.project_list(user=request.user) if article.project_id is None else [],
        "my_ack": shown.acknowledgements.filter(agent=agent).first() if agent else None,
        "may_ack": bool(agent and current and shown.pk == current.pk
                        and request.user.has_perm("training.acknowledge_article")),
    }
    if current and request.user.has_perm("training.view_training") and not request.user.is_agent:
        context["missing"] = selectors.not_acknowledged(user=request.user, version=current)
        context["acks"] = selectors.acknowledgements(user=request.user, version=current)
    return render(request, "training/article_detail.html", context)


@permission_required("training.change_article")
def article_edit(request, code: str):
    article = get_or_404(selectors.article_get, request, code=code)
    latest = article.versions.order_by("-number").first()
    initial = {"title": article.title}
    if latest:
        initial.update({"body": latest.body, "sample_dialogues": latest.sample_dialogues,
                        "banned_phrases": "\n".join(latest.banned_phrases),
                        "required_phrases": "\n".join(latest.required_phrases)})
    form = ArticleForm(request.POST or None, projects=[], editing=True, initial=initial)
    if form.is_valid():
        version = form.apply(services.article_revise, actor=request.user, article=article,
                             title=form.cleaned_data["title"], **_article_form_data(form.cleaned_data))
        if version:
            messages.success(request, _("Version %(number)s saved as a draft.") % {"number": version.number})
            return redirect(f"{article.get_absolute_url()}?v={version.number}")
    intro = _("A published version never changes: saving creates a new draft version.")
    return _form_page(request, form, _("Edit %(title)s") % {"title": article.title}, article.get_absolute_url(), intro)


@require_POST
@permission_required("training.change_article")
def version_publish(request, pk: int):
    version = get_or_404(selectors.version_get, request, pk=pk)
    try:
        services.version_publish(actor=request.user, version=version)
        messages.success(request, _("Version %(number)s published; the agents are asked to acknowledge it.")
                         % {"number": version.number})
    except ValidationError as error:
        _error(request, error)
    return redirect(version.article)


@require_POST
@permission_required("training.acknowledge_article")
def version_acknowledge(request, pk: int):
    version = get_or_404(selectors.version_get, request, pk=pk)
    try:
        services.acknowledge(actor=request.user, version=version)
        messages.success(request, _("Acknowledged. Thank you."))
    except ValidationError as error:
        _error(request, error)
    return redirect(version.article)


@require_POST
@permission_required("training.change_article")
def article_rules(request, code: str):
    """Turn the current version's banned and required phrases into the project's QA rules."""
    article = get_or_404(selectors.article_get, request, code=code)
    project = None
    if article.project_id is None:
        project = core_selectors.project_list(user=request.user).filter(code=request.POST.get("project", "")).first()
    try:
        rules = services.article_compliance_rules(actor=request.user, article=article, project=project)
        messages.success(request, _("%(count)s compliance rules created or updated.") % {"count": len(rules)})
    except ValidationError as error:
        _error(request, error)
    return redirect(article)


# --- Courses -----------------------------------------------------------------------------


@permission_required("training.view_training")
def course_list(request):
    return render(request, "training/course_list.html", {"courses": selectors.course_list(user=request.user)})


@permission_required("training.change_course")
def course_create(request):
    programmes = Programme.objects.visible_to(request.user)
    articles = selectors.article_list(user=request.user)
    form = CourseForm(request.POST or None, programmes=programmes, articles=articles)
    if form.is_valid():
        data = form.cleaned_data

        @transaction.atomic  # a course refused after its new programme leaves no programme behind
        def write(**kwargs):
            programme = programmes.filter(code=data["programme"]).first() if data["programme"] else None
            if data["new_programme"]:
                programme = services.programme_create(actor=request.user, code=f"{data['code']}-programme"[:64],
                                                      name=data["new_programme"])
            return services.course_create(programme=programme, **kwargs)

        course = form.apply(write, actor=request.user, code=data["code"], name=data["name"],
                            description=data["description"], refresher_months=data["refresher_months"],
                            articles=list(articles.filter(code__in=data["articles"])))
        if course:
            return redirect(course)
    return _form_page(request, form, _("New course"), reverse("training:courses"))


@permission_required("training.view_training")
def course_detail(request, code: str):
    course = get_or_404(selectors.course_get, request, code=code)
    projects = core_selectors.project_list(user=request.user)
    context = {
        "course": course, "assessments": course.assessments.all(),
        "required_by": course.required_by.filter(project__in=projects).select_related("project"),
        "sessions": selectors.session_list(user=request.user, course=course.code)[:20],
        "readings": selectors.article_list(user=request.user).filter(courses=course),
        "may_change": request.user.has_perm("training.change_course"),
        "require_form": RequireForm(projects=projects),
    }
    return render(request, "training/course_detail.html", context)


@permission_required("training.change_course")
def assessment_create(request, code: str):
    course = get_or_404(selectors.course_get, request, code=code)
    form = AssessmentForm(request.POST or None)
    if form.is_valid():
        if form.apply(services.assessment_create, actor=request.user, course=course, **form.cleaned_data):
            return redirect(course)
    return _form_page(request, form, _("New assessment for %(course)s") % {"course": course.name},
                      course.get_absolute_url())


@require_POST
@permission_required("training.change_course")
def course_require(request, code: str):
    course = get_or_404(selectors.course_get, request, code=code)
    project = core_selectors.project_list(user=request.user).filter(code=request.POST.get("project", "")).first()
    if project is None:
        raise Http404(_("Not found."))
    try:
        if request.POST.get("remove"):
            services.unrequire_training(actor=request.user, project=project, course=course)
        else:
            services.require_training(actor=request.user, project=project, course=course)
    except ValidationError as error:
        _error(request, error)
    return redirect(course)


# --- Sessions and results --------------------------------------------------------------


@permission_required("training.view_training")
def session_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("course", "vendor")}
    rows = selectors.session_list(user=request.user, **filters)
    return render(request, "training/session_list.html", {
        "page": paginate(request, rows), "filters": filters, "courses": selectors.course_list(user=request.user),
        "vendors": core_selectors.vendor_list(user=request.user)})


@permission_required("training.add_session")
def session_create(request):
    courses = selectors.course_list(user=request.user)
    vendors = core_selectors.vendor_list(user=request.user)
    agents = selectors.visible_agents(user=request.user).exclude(status=Agent.Status.LEFT)
    form = SessionForm(request.POST or None, courses=courses, vendors=vendors, agents=agents,
                       initial={"course": request.GET.get("course", "")})
    if form.is_valid():
        data = form.cleaned_data
        chosen = list(agents.filter(pk__in=[int(a) for a in data["agents"]]))
        session = form.apply(services.session_create, actor=request.user, course=courses.get(code=data["course"]),
                             vendor=vendors.get(code=data["vendor"]), starts_at=data["starts_at"],
                             ends_at=data["ends_at"], mode=data["mode"], location=data["location"],
                             trainer=data["trainer"], refresher=data["refresher"], notes=data["notes"], agents=chosen)
        if session:
            return redirect(session)
    return _form_page(request, form, _("Schedule a training session"), reverse("training:sessions"))


@permission_required("training.view_training")
def session_detail(request, pk: int):
    session = get_or_404(selectors.session_get, request, pk=pk)
    may_run = request.user.has_perm("training.add_session") and (
        request.user.is_client_side or request.user.vendor_id == session.vendor_id)
    agents = selectors.visible_agents(user=request.user).filter(vendor=session.vendor).exclude(status=Agent.Status.LEFT)
    result_form = None
    if request.user.has_perm("training.add_result") and (request.user.is_client_side
                                                         or request.user.vendor_id == session.vendor_id):
        result_form = ResultForm(assessments=session.course.assessments.all(), agents=agents,
                                 initial={"taken_on": timezone.localtime(session.starts_at).date()})
    context = {"session": session, "attendances": selectors.attendances(user=request.user, session=session),
               "results": selectors.result_list(user=request.user).filter(session=session),
               "may_run": may_run, "agents": agents, "statuses": Attendance.Status.choices,
               "result_form": result_form}
    return render(request, "training/session_detail.html", context)


@require_POST
@permission_required("training.add_session")
def session_attendance(request, pk: int):
    session = get_or_404(selectors.session_get, request, pk=pk)
    form = AttendanceForm(request.POST)
    agent = None
    if form.is_valid():
        agent = selectors.visible_agents(user=request.user).filter(pk=form.cleaned_data["agent"]).first()
    if agent is None:
        messages.error(request, _("Choose an agent and an attendance status."))
        return redirect(session)
    try:
        services.attendance_record(actor=request.user, session=session, agent=agent,
                                   status=form.cleaned_data["status"])
    except ValidationError as error:
        _error(request, error)
    return redirect(session)


@permission_required("training.add_result")
def result_create(request, pk: int):
    """Record a result of the session's course (pk: the session)."""
    session = get_or_404(selectors.session_get, request, pk=pk)
    agents = selectors.visible_agents(user=request.user).filter(vendor=session.vendor)
    assessments = session.course.assessments.all()
    form = ResultForm(request.POST or None, assessments=assessments, agents=agents)
    if form.is_valid():
        data = form.cleaned_data
        result = form.apply(services.result_record, actor=request.user,
                            assessment=assessments.get(pk=data["assessment"]), agent=agents.get(pk=data["agent"]),
                            score=data["score"], taken_on=data["taken_on"], session=session, notes=data["notes"])
        if result:
            messages.success(request, _("Result recorded: %(verdict)s.")
                             % {"verdict": _("passed") if result.passed else _("not passed")})
            return redirect(session)
    return _form_page(request, form, _("Record a result"), session.get_absolute_url())


@permission_required("training.view_training")
def result_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("agent", "course", "passed")}
    rows = selectors.result_list(user=request.user, **filters)
    if request.GET.get("format") == "csv":
        return csv_response("training-results.csv",
                            ["agent", "vendor", "course", "assessment", "kind", "taken_on", "score", "pass_mark",
                             "passed"],
                            ([r.agent.code, r.agent.vendor.code, r.assessment.course.code, r.assessment.code,
                              r.assessment.kind, r.taken_on, r.score, r.pass_mark, "yes" if r.passed else "no"]
                             for r in rows))
    return render(request, "training/result_list.html", {
        "page": paginate(request, rows), "filters": filters, "courses": selectors.course_list(user=request.user)})


@permission_required("training.view_training")
def result_detail(request, pk: int):
    result = get_or_404(selectors.result_get, request, pk=pk)
    return render(request, "training/result_detail.html", {"result": result})


# --- Certification matrix and activation ------------------------------------------------


def _matrix(request):
    projects = core_selectors.project_list(user=request.user)
    project = projects.filter(code=request.GET.get("project", "")).first() or projects.first()
    vendor = request.GET.get("vendor", "").strip()
    data = selectors.certification_matrix(user=request.user, project=project, vendor=vendor) if project else None
    return projects, project, vendor, data


@permission_required("training.view_training")
def matrix(request):
    projects, project, vendor, data = _matrix(request)
    if data and request.GET.get("format") == "csv":
        header = ["agent", "name", "vendor", "status"] + [c.code for c in data["courses"]] + ["certified"]
        rows = []
        for row in data["rows"]:
            cells = []
            for cell in row["cells"]:
                cert = cell["certification"]
                if cell["state"] == selectors.PASSED:
                    cells.append(f"passed {cert.certified_on.isoformat()}"
                                 + (f" until {cert.expires_on.isoformat()}" if cert.expires_on else ""))
                elif cell["state"] == selectors.EXPIRED:
                    cells.append(f"expired {cert.expires_on.isoformat()}")
                else:
                    cells.append("missing")
            rows.append([row["agent"].code, row["agent"].name, row["agent"].vendor.code, row["agent"].status]
                        + cells + ["yes" if row["complete"] else "no"])
        return csv_response(f"certification-matrix-{project.code}.csv", header, rows)
    return render(request, "training/matrix.html", {
        "projects": projects, "project": project, "vendor": vendor, "data": data,
        "vendors": core_selectors.vendor_list(user=request.user)})


@permission_required("training.view_training")
def agent_list(request):
    projects = core_selectors.project_list(user=request.user)
    project = projects.filter(code=request.GET.get("project", "")).first()
    rows = list(selectors.visible_agents(user=request.user, project=project).prefetch_related("projects"))
    page = paginate(request, rows)
    for agent in page.object_list:
        agent.missing = gate.missing_trainings(agent)
    return render(request, "training/agent_list.html", {
        "page": page, "projects": projects, "project": project, "statuses": Agent.Status.choices,
        "may_activate": request.user.has_perm("training.activate_agent")})


@require_POST
@permission_required("training.activate_agent")
def agent_status(request, pk: int):
    agent = get_or_404(selectors.agent_get, request, pk=pk)
    form = AgentStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
    else:
        try:
            services.agent_set_status(actor=request.user, agent=agent, status=form.cleaned_data["status"])
            messages.success(request, _("%(agent)s is now %(status)s.")
                             % {"agent": agent.code, "status": Agent.Status(form.cleaned_data["status"]).label})
        except ValidationError as error:
            _error(request, error)
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/training/")
                    else reverse("training:agents"))


@permission_required("training.view_training")
def index(request):
    """Agents land on their own training; everyone else on the certification matrix."""
    return redirect("training:my-training" if request.user.is_agent else "training:matrix")


@permission_required("training.view_training")
def my_training(request):
    agent = selectors.my_agent(request.user)
    context = {"agent": agent}
    if agent:
        context.update({
            "pending": selectors.pending_articles_for(agent),
            "missing": gate.missing_trainings(agent),
            "certifications": agent.certifications.select_related("course").order_by("course__code"),
            "results": selectors.result_list(user=request.user).filter(agent=agent)[:50],
            "sessions": selectors.session_list(user=request.user).filter(attendances__agent=agent)[:20],
            "today": timezone.localdate(),
        })
    return render(request, "training/my_training.html", context)
