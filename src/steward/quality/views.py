"""Quality pages: scorecards (YAML editor, versions, publish), the analyst's queue, the evaluation
page (transcript beside the form, live score), acknowledgement, disputes and re-review.

Thin: reads from selectors (visible_to), writes through services; another party's row is a 404.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.pages import paginate
from steward.interactions.models import Interaction
from steward.quality import compliance, reporting, scoring, selectors, services
from steward.quality.forms import (
    AssignForm,
    CoachingActionForm,
    CoachingFilterForm,
    CoachingForm,
    CalibrationForm,
    CalibrationScoreForm,
    DisputeForm,
    DrawForm,
    EvaluationForm,
    HitFilterForm,
    PlanForm,
    ReviewForm,
    RuleForm,
    RuleImportForm,
    ScorecardForm,
    SourceForm,
)
from steward.quality.models import ComplianceRule, Evaluation, Scorecard, ScorecardVersion



def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist:
        raise Http404(_("Not found.")) from None


def _error_message(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- scorecards ------------------------------------------------------------------------------

@permission_required("quality.view_scorecard")
def scorecard_list(request):
    project = request.GET.get("project", "").strip()
    context = {
        "scorecards": selectors.scorecard_list(user=request.user, project=project),
        "projects": core_selectors.project_list(user=request.user),
        "project": project,
    }
    return render(request, "quality/scorecard_list.html", context)


@permission_required("quality.change_scorecard")
def scorecard_create(request):
    projects = core_selectors.project_list(user=request.user)
    form = ScorecardForm(request.POST or None, projects=projects)
    if form.is_valid():
        project = projects.get(code=form.cleaned_data["project"])
        scorecard = form.apply(services.scorecard_create, actor=request.user, project=project,
                               code=form.cleaned_data["code"], source=form.cleaned_data["source"])
        if scorecard:
            messages.success(request, _("Scorecard %(code)s created as a draft.") % {"code": scorecard.code})
            return redirect(scorecard)
    return render(request, "quality/scorecard_form.html", {"form": form, "title": _("New scorecard"),
                                                          "back_url": reverse("quality:scorecard-list")})


@permission_required("quality.view_scorecard")
def scorecard_detail(request, pk: int):
    scorecard = _get_or_404(selectors.scorecard_get, user=request.user, pk=pk)
    versions = selectors.scorecard_versions(user=request.user, scorecard=scorecard)
    return render(request, "quality/scorecard_detail.html", {
        "scorecard": scorecard, "versions": versions,
        "has_draft": any(v.is_draft for v in versions),
    })


@require_POST
@permission_required("quality.change_scorecard")
def scorecard_new_draft(request, pk: int):
    scorecard = _get_or_404(selectors.scorecard_get, user=request.user, pk=pk)
    try:
        version = services.version_new_draft(actor=request.user, scorecard=scorecard)
    except ValidationError as error:
        _error_message(request, error)
        return redirect(scorecard)
    return redirect("quality:version-edit", pk=version.pk)


@permission_required("quality.view_scorecard")
def version_detail(request, pk: int):
    version = _get_or_404(selectors.version_get, user=request.user, pk=pk)
    return render(request, "quality/version_detail.html", {
        "version": version, "sections": selectors.sections_with_criteria(version),
    })


@permission_required("quality.view_scorecard")
def version_yaml(request, pk: int):
    version = _get_or_404(selectors.version_get, user=request.user, pk=pk)
    response = HttpResponse(services.version_yaml(version), content_type="application/yaml; charset=utf-8")
    name = f"{version.scorecard.project.code}-{version.scorecard.code}-v{version.number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_required("quality.change_scorecard")
def version_edit(request, pk: int):
    version = _get_or_404(selectors.version_get, user=request.user, pk=pk)
    if not version.is_draft:
        messages.error(request, _("Version %(n)s is published and can no longer change; start a new draft.")
                       % {"n": version.number})
        return redirect(version)
    form = SourceForm(request.POST or None, initial={"source": version.source or services.version_yaml(version)})
    if form.is_valid():
        if form.apply(services.version_update, actor=request.user, version=version,
                      source=form.cleaned_data["source"]):
            messages.success(request, _("Draft saved."))
            return redirect(version)
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("Edit %(name)s") % {"name": version}, "back_url": version.get_absolute_url()})


@require_POST
@permission_required("quality.change_scorecard")
def version_publish(request, pk: int):
    version = _get_or_404(selectors.version_get, user=request.user, pk=pk)
    try:
        services.version_publish(actor=request.user, version=version)
        messages.success(request, _("Version %(n)s published.") % {"n": version.number})
    except ValidationError as error:
        _error_message(request, error)
    return redirect(version)


# --- evaluations -----------------------------------------------------------------------------

@permission_required("quality.view_evaluation")
def evaluation_list(request):
    is_analyst = request.user.has_perm("quality.change_evaluation")
    default_tab = "queue" if is_analyst else "all"
    tab = request.GET.get("tab", default_tab)
    if tab not in selectors.EVALUATION_TABS or (tab != "all" and not is_analyst):
        tab = "all"
    filters = {k: request.GET.get(k, "").strip()[:100] for k in ("status", "project", "q")}
    if filters["status"] not in Evaluation.Status.values:
        filters["status"] = ""
    evaluations = selectors.evaluation_list(user=request.user, tab=tab, **filters)
    context = {
        "page": paginate(request, evaluations),
        "tab": tab, "is_analyst": is_analyst, "filters": filters, "q": filters["q"],
        "statuses": Evaluation.Status.choices,
    }
    return render(request, "quality/evaluation_list.html", context)


@permission_required("quality.add_evaluation")
def evaluation_assign(request):
    scorecards = [s for s in selectors.scorecard_list(user=request.user) if s.current]
    form = AssignForm(request.POST or None, scorecards=scorecards, analysts=selectors.analysts())
    if form.is_valid():
        scorecard = Scorecard.objects.visible_to(request.user).get(pk=form.cleaned_data["scorecard"])
        analyst = selectors.analysts().get(pk=form.cleaned_data["analyst"])
        created = form.apply(services.evaluations_assign, actor=request.user, scorecard=scorecard, analyst=analyst,
                             external_ids=form.cleaned_data["external_ids"])
        if created is not None:
            messages.success(request, _("%(n)s contacts put in %(name)s's queue.")
                             % {"n": len(created), "name": analyst.get_full_name() or analyst.username})
            return redirect("quality:evaluation-list")
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("Assign contacts to evaluate"), "back_url": reverse("quality:evaluation-list")})


def _score_context(version: ScorecardVersion, raw: dict[str, str]) -> dict:
    result = scoring.score(version.specs(), raw)
    return {"result": result, "passed": scoring.passed(result.score, version.pass_mark), "version": version}


@permission_required("quality.view_evaluation")
def evaluation_detail(request, pk: int):
    evaluation = _get_or_404(selectors.evaluation_get, user=request.user, pk=pk)
    criteria = evaluation.version.ordered_criteria()
    answers = selectors.evaluation_answers(evaluation)
    scoring_now = (evaluation.status == Evaluation.Status.ASSIGNED and request.user.pk == evaluation.analyst_id)
    form = None
    if scoring_now:
        form = EvaluationForm(request.POST or None, criteria=criteria, answers=answers,
                              initial={"comment": evaluation.comment})
        if request.method == "POST" and form.is_valid():
            submit = request.POST.get("action") == "submit"
            saved = form.apply(services.evaluation_save, actor=request.user, evaluation=evaluation,
                               answers=form.answers(), comment=form.cleaned_data["comment"], submit=submit)
            if saved:
                messages.success(request, _("Evaluation submitted.") if submit else _("Draft saved."))
                return redirect(saved)
    elif request.method == "POST":
        return HttpResponse(status=405)
    dispute = selectors.pending_dispute(user=request.user, evaluation=evaluation)
    review_form = None
    if dispute and services.may_review(request.user, dispute):
        review_form = ReviewForm(criteria=criteria, answers=answers)
    context = {
        "evaluation": evaluation,
        "interaction": evaluation.interaction,
        "form": form,
        "review_form": review_form,
        "dispute": dispute,
        "rows": _read_rows(criteria, answers),
        "sections": selectors.sections_with_criteria(evaluation.version),
        "events": selectors.evaluation_events(user=request.user, evaluation=evaluation),
        "disputes": selectors.evaluation_disputes(user=request.user, evaluation=evaluation),
        "may_acknowledge": _may_acknowledge(request.user, evaluation),
        "may_dispute": services.may_dispute(request.user, evaluation),
        "dispute_form": DisputeForm(),
        "now": timezone.now(),
        **_coaching_context(request, evaluation),
    }
    if form is not None:
        context.update(_score_context(evaluation.version, form.raw_answers() if form.is_bound else
                                      {c.key: a.value for c in criteria if (a := answers.get(c.pk))}))
    return render(request, "quality/evaluation_detail.html", context)


def _read_rows(criteria, answers):
    return [(c, answers.get(c.pk)) for c in criteria]


def _may_acknowledge(user, evaluation: Evaluation) -> bool:
    return (user.has_perm("quality.acknowledge_evaluation") and evaluation.acknowledged_at is None
            and evaluation.status in (Evaluation.Status.SUBMITTED, Evaluation.Status.FINAL)
            and evaluation.interaction.agent is not None and evaluation.interaction.agent.user_id == user.pk)


@require_POST
@permission_required("quality.view_evaluation")
def evaluation_preview(request, pk: int):
    """The live score: the form posted by htmx on every change, answered with the score fragment."""
    evaluation = _get_or_404(selectors.evaluation_get, user=request.user, pk=pk)
    criteria = evaluation.version.ordered_criteria()
    form = EvaluationForm(request.POST, criteria=criteria)
    return render(request, "quality/_score.html", _score_context(evaluation.version, form.raw_answers()))


@require_POST
@permission_required("quality.acknowledge_evaluation")
def evaluation_acknowledge(request, pk: int):
    evaluation = _get_or_404(selectors.evaluation_get, user=request.user, pk=pk)
    try:
        services.evaluation_acknowledge(actor=request.user, evaluation=evaluation)
        messages.success(request, _("Evaluation acknowledged."))
    except ValidationError as error:
        _error_message(request, error)
    return redirect(evaluation)


@require_POST
@permission_required("quality.dispute_evaluation")
def evaluation_dispute(request, pk: int):
    evaluation = _get_or_404(selectors.evaluation_get, user=request.user, pk=pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        if form.apply(services.evaluation_dispute, actor=request.user, evaluation=evaluation,
                      reason=form.cleaned_data["reason"]):
            messages.success(request, _("Dispute sent: another analyst will re-review the evaluation."))
            return redirect(evaluation)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(evaluation)


@require_POST
@permission_required("quality.review_dispute")
def evaluation_review(request, pk: int):
    evaluation = _get_or_404(selectors.evaluation_get, user=request.user, pk=pk)
    dispute = selectors.pending_dispute(user=request.user, evaluation=evaluation)
    if dispute is None:
        messages.error(request, _("There is no dispute awaiting re-review."))
        return redirect(evaluation)
    criteria = evaluation.version.ordered_criteria()
    form = ReviewForm(request.POST, criteria=criteria)
    if form.is_valid():
        if form.apply(services.dispute_review, actor=request.user, dispute=dispute, answers=form.answers(),
                      comment=form.cleaned_data["review_comment"]):
            messages.success(request, _("Re-review recorded; the score is final."))
            return redirect(evaluation)
    answers = selectors.evaluation_answers(evaluation)
    return render(request, "quality/evaluation_detail.html", {
        "evaluation": evaluation, "interaction": evaluation.interaction, "form": None, "review_form": form,
        "dispute": dispute, "rows": _read_rows(criteria, answers),
        "sections": selectors.sections_with_criteria(evaluation.version),
        "events": selectors.evaluation_events(user=request.user, evaluation=evaluation),
        "disputes": selectors.evaluation_disputes(user=request.user, evaluation=evaluation),
        "may_acknowledge": False, "may_dispute": False, "dispute_form": DisputeForm(), "now": timezone.now(),
    }, status=400)


# --- sampling plans and the QA report ---------------------------------------------------------

@permission_required("quality.add_evaluation")
def plan_list(request):
    return render(request, "quality/plan_list.html", {"plans": selectors.plan_list(user=request.user)})


@permission_required("quality.add_evaluation")
def plan_create(request):
    scorecards = list(selectors.scorecard_list(user=request.user))
    form = PlanForm(request.POST or None, scorecards=scorecards)
    if form.is_valid():
        scorecard = next(s for s in scorecards if str(s.pk) == form.cleaned_data["scorecard"])
        plan = form.apply(services.plan_create, actor=request.user, scorecard=scorecard,
                          name=form.cleaned_data["name"], per_agent_per_week=form.cleaned_data["per_agent_per_week"],
                          seed=form.cleaned_data["seed"], share_percent=form.cleaned_data["share_percent"],
                          stratify_by=form.cleaned_data["stratify_by"], targets=form.cleaned_data["targets"],
                          long_handle_seconds=form.cleaned_data["long_handle_seconds"] or 900,
                          negative_sentiment_min=form.cleaned_data["negative_sentiment_min"] or 2)
        if plan:
            messages.success(request, _("Sampling plan %(name)s created.") % {"name": plan.name})
            return redirect(plan)
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("New sampling plan"), "back_url": reverse("quality:plan-list")})


@permission_required("quality.add_evaluation")
def plan_detail(request, pk: int):
    plan = _get_or_404(selectors.plan_get, user=request.user, pk=pk)
    form = DrawForm(request.POST or None, analysts=selectors.analysts())
    if request.method == "POST" and form.is_valid():
        analyst = selectors.analysts().get(pk=form.cleaned_data["analyst"])
        result = form.apply(services.plan_draw, actor=request.user, plan=plan, analyst=analyst,
                            date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"])
        if result:
            messages.success(request, _("%(drawn)s of %(candidates)s contacts drawn; %(new)s new in the queue.")
                             % {"drawn": result.drawn, "candidates": result.candidates, "new": len(result.created)})
            return redirect(plan)
    evaluations = selectors.evaluation_list(user=request.user).filter(plan=plan)
    return render(request, "quality/plan_detail.html", {
        "plan": plan, "form": form, "drawn": evaluations.count(),
        "pending": evaluations.filter(status=Evaluation.Status.ASSIGNED).count(),
    }, status=400 if form.errors else 200)


@permission_required("quality.view_evaluation")
def qa_report(request):
    by = request.GET.get("by", "vendor")
    if by not in selectors.REPORT_GROUPS:
        by = "vendor"
    project = request.GET.get("project", "").strip()[:100]
    return render(request, "quality/report.html", {
        "rows": selectors.qa_report(user=request.user, project=project, by=by), "by": by, "project": project,
        "compliance_rows": selectors.compliance_rates(user=request.user, project=project, by=by),
        "trend": selectors.qa_trend(user=request.user, project=project, by=by),
        "weakest": selectors.weakest_criteria(user=request.user, project=project),
        "below": selectors.agents_under_pass_mark(user=request.user, project=project),
        "projects": core_selectors.project_list(user=request.user),
        "score_margin": reporting.SCORE_MARGIN, "rate_margin": int(reporting.RATE_MARGIN * 100),
    })


# --- compliance --------------------------------------------------------------------------------

def _projects(request):
    return list(core_selectors.project_list(user=request.user))


@permission_required("quality.view_scorecard")
def rule_list(request):
    project = request.GET.get("project", "").strip()[:100]
    return render(request, "quality/rule_list.html", {
        "rows": selectors.rule_rates(user=request.user, project=project), "project": project,
        "projects": _projects(request), "can_edit": request.user.has_perm("quality.change_scorecard"),
    })


@permission_required("quality.view_scorecard")
def rule_detail(request, pk: int):
    rule = _get_or_404(selectors.rule_get, user=request.user, pk=pk)
    hits = selectors.hit_list(user=request.user, project=rule.project.code, rule=rule.code)
    return render(request, "quality/rule_detail.html", {
        "rule": rule, "page": paginate(request, hits), "hit_total": hits.count(),
        "can_edit": request.user.has_perm("quality.change_scorecard")})


def _rule_kwargs(data: dict) -> dict:
    return {k: data[k] for k in ("name", "kind", "phrases", "pattern", "pii_kind", "speaker", "scope", "turns",
                                 "whole_word", "severity", "source") if k in data}


@permission_required("quality.change_scorecard")
def rule_create(request):
    projects = _projects(request)
    form = RuleForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        project = next(p for p in projects if p.code == form.cleaned_data["project"])
        rule = form.apply(services.create_compliance_rule, actor=request.user, project=project,
                          code=form.cleaned_data["code"], **_rule_kwargs(form.cleaned_data))
        if rule:
            messages.success(request, _("Rule %(code)s created.") % {"code": rule.code})
            return redirect(rule)
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("New compliance rule"), "back_url": reverse("quality:rule-list")},
        status=400 if form.errors else 200)


@permission_required("quality.change_scorecard")
def rule_edit(request, pk: int):
    rule = _get_or_404(selectors.rule_get, user=request.user, pk=pk)
    initial = {f: getattr(rule, f) for f in ("name", "kind", "phrases", "pattern", "pii_kind", "speaker", "scope",
                                             "turns", "whole_word", "severity", "source", "active")}
    form = RuleForm(request.POST or None, initial=initial, projects=[], editing=True)
    if request.method == "POST" and form.is_valid():
        updated = form.apply(services.rule_update, actor=request.user, rule=rule,
                             active=form.cleaned_data["active"], **_rule_kwargs(form.cleaned_data))
        if updated:
            messages.success(request, _("Rule %(code)s saved. Scan again to apply it to stored contacts.")
                             % {"code": rule.code})
            return redirect(updated)
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("Edit rule %(code)s") % {"code": rule.code}, "back_url": rule.get_absolute_url()},
        status=400 if form.errors else 200)


@permission_required("quality.change_scorecard")
def rule_import(request):
    projects = _projects(request)
    form = RuleImportForm(request.POST or None, request.FILES or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        project = next(p for p in projects if p.code == form.cleaned_data["project"])
        created = form.apply(services.rules_import, actor=request.user, project=project,
                             text=form.cleaned_data["text"], kind=form.cleaned_data["kind"],
                             speaker=form.cleaned_data["speaker"], scope=form.cleaned_data["scope"],
                             turns=form.cleaned_data["turns"], source=form.cleaned_data["source"])
        if created is not None:
            messages.success(request, _("%(n)s rules imported.") % {"n": len(created)})
            return redirect(f"{reverse('quality:rule-list')}?project={project.code}")
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("Import rules from a brand manual"), "back_url": reverse("quality:rule-list"),
        "multipart": True}, status=400 if form.errors else 200)


@require_POST
@permission_required("quality.change_scorecard")
def rule_scan(request):
    code = request.POST.get("project", "").strip()[:100]
    project = next((p for p in _projects(request) if p.code == code), None)
    if project is None:
        messages.error(request, _("Choose a project to scan."))
        return redirect("quality:rule-list")
    from steward.quality.tasks import scan_project_task

    scan_project_task.enqueue(project.pk)
    messages.success(request, _("The compliance scan of %(project)s has been started; hits appear as it runs.")
                     % {"project": project.name})
    return redirect(f"{reverse('quality:hit-list')}?project={project.code}")


@permission_required("quality.view_evaluation")
def hit_list(request):
    form = HitFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    filters = {k: v for k, v in filters.items() if v}
    hits = selectors.hit_list(user=request.user, **filters)
    if request.GET.get("format") == "csv":
        return csv_response("compliance-hits.csv", [
            _("Contact"), _("Arrived"), _("Vendor"), _("Agent"), _("Rule"), _("Kind"), _("Said by"), _("Excerpt")],
            ([h.interaction.external_id, h.arrived_at.isoformat(), h.vendor.code, h.agent_code, h.rule.code,
              h.get_kind_display(), h.speaker, h.excerpt] for h in hits.iterator(chunk_size=2000)))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "quality/hit_list.html", {
        "page": paginate(request, hits), "form": form, "filters": filters, "query": query.urlencode(),
        "projects": _projects(request), "kinds": ComplianceRule.Kind.choices,
        "rules": selectors.rule_list(user=request.user, project=filters.get("project", "")),
    })


@permission_required("quality.view_evaluation")
def contact_hits(request, interaction_id: int):
    try:
        interaction, hits, scan = selectors.contact_hits(user=request.user, interaction_id=interaction_id)
    except ObjectDoesNotExist:
        raise Http404(_("Not found.")) from None
    return render(request, "quality/contact_hits.html", {
        "interaction": interaction, "hits": hits, "scan": scan,
        # Personal data masked here too (same length, so the hit offsets still fit).
        "pieces": selectors.highlighted_transcript(compliance.mask_pii(interaction.transcript), hits)})


# --- calibration -------------------------------------------------------------------------------

@permission_required("quality.add_evaluation")
def calibration_list(request):
    return render(request, "quality/calibration_list.html", {
        "sessions": selectors.calibration_list(user=request.user),
        "drift": selectors.evaluator_drift(user=request.user)})


@permission_required("quality.add_evaluation")
def calibration_create(request):
    scorecards = [s for s in selectors.scorecard_list(user=request.user) if s.current is not None]
    analysts = list(selectors.analysts())
    form = CalibrationForm(request.POST or None, scorecards=scorecards, analysts=analysts)
    if request.method == "POST" and form.is_valid():
        scorecard = next(s for s in scorecards if str(s.pk) == form.cleaned_data["scorecard"])
        chosen = [u for u in analysts if str(u.pk) in form.cleaned_data["evaluators"]]
        session = form.apply(services.calibration_create_from_ids, actor=request.user, scorecard=scorecard,
                             title=form.cleaned_data["title"], external_ids=form.external_ids(), evaluators=chosen)
        if session:
            messages.success(request, _("Calibration session created; the evaluators have been told."))
            return redirect(session)
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("New calibration session"), "back_url": reverse("quality:calibration-list")},
        status=400 if form.errors else 200)


@permission_required("quality.add_evaluation")
def calibration_detail(request, pk: int):
    session = _get_or_404(selectors.calibration_get, user=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.calibration_close(actor=request.user, session=session)
            messages.success(request, _("The session is closed; every evaluator can see the results."))
        except ValidationError as error:
            _error_message(request, error)
        return redirect(session)
    visible = selectors.calibration_results_visible(user=request.user, session=session)
    return render(request, "quality/calibration_detail.html", {
        "session": session, "contacts": selectors.calibration_contacts(session),
        "mine": selectors.calibration_mine(user=request.user, session=session),
        "is_evaluator": session.evaluators.filter(pk=request.user.pk).exists(),
        "results": selectors.calibration_results(session) if visible else None,
        "can_close": session.status == session.Status.OPEN and (
            session.created_by_id == request.user.pk or request.user.has_perm("quality.change_scorecard")),
    })


@permission_required("quality.add_evaluation")
def calibration_score(request, pk: int, interaction_id: int):
    session = _get_or_404(selectors.calibration_get, user=request.user, pk=pk)
    interaction = session.contacts.filter(pk=interaction_id).first()
    if interaction is None or not Interaction.objects.visible_to(request.user).filter(pk=interaction_id).exists():
        raise Http404(_("Not found."))
    criteria = session.version.ordered_criteria()
    form = CalibrationScoreForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        saved = form.apply(services.calibration_score, actor=request.user, session=session, interaction=interaction,
                           answers=form.answers(), comment=form.cleaned_data.get("comment", ""))
        if saved:
            messages.success(request, _("Score submitted: %(score)s.") % {"score": saved.score})
            return redirect(session)
    done = interaction.pk in selectors.calibration_mine(user=request.user, session=session)
    return render(request, "quality/calibration_score.html", {
        "session": session, "interaction": interaction, "form": form, "done": done,
        "turns": interaction.transcript_turns()}, status=400 if form.errors else 200)


# --- coaching ----------------------------------------------------------------------------------

def _coaching_form(request, evaluation, data=None):
    return CoachingForm(data, courses=list(selectors.coaching_courses(user=request.user)),
                        sessions=list(selectors.coaching_sessions(user=request.user, vendor_id=evaluation.vendor_id))
                        if request.user.has_perm("training.add_session") else [],
                        initial={"due_on": timezone.localdate() + timedelta(days=14)})


def _coaching_context(request, evaluation) -> dict:
    """The evaluation page's coaching card: the coachings that followed it and, for those who may
    assign one, the form."""
    if not request.user.has_perm("quality.view_coaching"):
        return {}
    may_coach = services.may_assign_coaching(request.user, evaluation)
    return {"coachings": selectors.coaching_list(user=request.user, evaluation=evaluation),
            "coaching_form": _coaching_form(request, evaluation) if may_coach else None,
            "show_coaching": True}


@permission_required("quality.add_coaching")
def coaching_create(request, pk: int):
    evaluation = _get_or_404(selectors.evaluation_get, user=request.user, pk=pk)
    if not services.may_assign_coaching(request.user, evaluation):
        messages.error(request, _("Coaching can be assigned once the evaluation is submitted, to the contact's agent."))
        return redirect(evaluation)
    form = _coaching_form(request, evaluation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        coaching = form.apply(services.coaching_assign, actor=request.user, evaluation=evaluation,
                              kind=form.cleaned_data["kind"], text=form.cleaned_data["text"],
                              due_on=form.cleaned_data["due_on"], course=form.chosen_course(),
                              session=form.chosen_session())
        if coaching:
            messages.success(request, _("Coaching assigned to agent %(agent)s.") % {"agent": coaching.agent.code})
            return redirect(coaching)
    return render(request, "quality/scorecard_form.html", {
        "form": form, "title": _("Assign coaching after evaluation #%(id)s") % {"id": evaluation.pk},
        "back_url": evaluation.get_absolute_url()}, status=400 if form.errors else 200)


def _coaching_rows(request, *, mine: bool):
    form = CoachingFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    coachings = selectors.coaching_list(user=request.user, status=filters.get("status", ""),
                                        agent=(filters.get("agent") or "").strip(),
                                        overdue=bool(filters.get("overdue")), mine=mine)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "quality/coaching_list.html", {
        "page": paginate(request, coachings), "form": form, "mine": mine, "query": query.urlencode(),
        "today": timezone.localdate(),
        "overdue_count": selectors.coaching_list(user=request.user, overdue=True, mine=mine).count()})


@permission_required("quality.view_coaching")
def coaching_list(request):
    return _coaching_rows(request, mine=False)


@permission_required("quality.view_coaching")
def coaching_mine(request):
    """The agent's own coachings (for anyone: those coaching the signed-in user)."""
    return _coaching_rows(request, mine=True)


@permission_required("quality.view_coaching")
def coaching_detail(request, pk: int):
    coaching = _get_or_404(selectors.coaching_get, user=request.user, pk=pk)
    form = CoachingActionForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if form.is_valid():
            done = form.apply(services.coaching_transition, actor=request.user, coaching=coaching, action=action,
                              note=form.cleaned_data["note"])
            if done:
                messages.success(request, _("Coaching is now: %(status)s.") % {"status": done.get_status_display()})
                return redirect(done)
    labels = dict(services.COACHING_ACTION_LABELS)
    actions = services.coaching_actions(request.user, coaching)
    return render(request, "quality/coaching_detail.html", {
        "coaching": coaching, "form": form, "actions": [(a, _(labels[a])) for a in actions],
        "events": selectors.coaching_events(user=request.user, coaching=coaching),
        "evidence": selectors.coaching_evidence(user=request.user, coaching=coaching),
        "overdue": coaching.is_overdue(timezone.localdate()),
        "evaluation_visible": Evaluation.objects.visible_to(request.user).filter(pk=coaching.evaluation_id).exists(),
    }, status=400 if form.errors else 200)
