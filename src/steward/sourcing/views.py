"""Tender pages. Thin: reads from selectors (scoped to the user), writes through services.
A tender the user may not see is a 404, so its existence is not confirmed. Client pages and
the vendor portal are separate views with separate capabilities."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.models import User
from steward.core.pages import paginate, whole_number
from steward.sourcing import forms, ranking, selectors, services
from steward.sourcing.models import Criterion, SourcingEvent



def _event(request, pk: int) -> SourcingEvent:
    try:
        return selectors.event_get(user=request.user, pk=pk)
    except SourcingEvent.DoesNotExist:
        raise Http404(_("No such tender.")) from None


def _form_page(request, form, title: str, back: str, intro: str = ""):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back, "intro": intro})


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _evaluator_candidates(request):
    users = User.objects.visible_to(request.user).filter(is_active=True, vendor__isnull=True)
    return [u for u in users.order_by("username") if u.has_perm("sourcing.score_event")]


@permission_required("sourcing.view_event")
def event_list(request):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in SourcingEvent.Status.values else ""
    events = selectors.event_list(user=request.user, q=q, status=status)
    return render(request, "sourcing/event_list.html", {
        "page": paginate(request, events), "q": q, "status": status,
        "statuses": SourcingEvent.Status.choices})


@permission_required("sourcing.add_event")
def event_create(request):
    projects = core_selectors.project_list(user=request.user)
    form = forms.EventForm(request.POST or None, projects=projects, evaluators=_evaluator_candidates(request))
    if form.is_valid():
        event = form.apply(services.event_create, actor=request.user, project=form.chosen_project(),
                           evaluators=form.chosen_evaluators(), **form.requirements())
        if event:
            messages.success(request, _("Tender created as a draft: invite vendors, check the weights, then open it."))
            return redirect("sourcing:event-detail", pk=event.pk)
    return _form_page(request, form, _("New tender"), reverse("sourcing:event-list"))


@permission_required("sourcing.change_event")
def event_edit(request, pk: int):
    event = _event(request, pk)
    projects = [event.project]
    form = forms.EventForm(request.POST or None, initial=forms.EventForm.initial_from(event), projects=projects,
                           evaluators=_evaluator_candidates(request))
    if form.is_valid():
        fields = form.requirements()
        if event.status != SourcingEvent.Status.DRAFT:  # only what may change once open
            fields = {"deadline": fields["deadline"]}
        if form.apply(services.event_update, actor=request.user, event=event, evaluators=form.chosen_evaluators(),
                      **fields):
            messages.success(request, _("Tender saved."))
            return redirect("sourcing:event-detail", pk=event.pk)
    intro = "" if event.status == SourcingEvent.Status.DRAFT else _(
        "The tender is open: only a later deadline and the evaluators can change.")
    return _form_page(request, form, _("Edit tender"), reverse("sourcing:event-detail", kwargs={"pk": pk}), intro)


@permission_required("sourcing.view_event")
def event_detail(request, pk: int):
    event = _event(request, pk)
    submissions = {s.vendor_id: s for s in selectors.submissions(user=request.user, event=event)}
    invitations = [(i, submissions.get(i.vendor_id),
                    _price(submissions[i.vendor_id], event) if i.vendor_id in submissions else None)
                   for i in selectors.invitations(user=request.user, event=event)]
    cards = {c.evaluator_id: c for c in event.scorecards.all()}
    evaluators = [(u, cards.get(u.pk)) for u in event.evaluators.order_by("username")]
    invitable = core_selectors.vendor_list(user=request.user).exclude(invitations__event=event)
    return render(request, "sourcing/event_detail.html", {
        "event": event, "invitations": invitations, "evaluators": evaluators,
        "criteria": selectors.criteria(user=request.user, event=event),
        "checklist": selectors.checklist(user=request.user, event=event),
        "invite_form": forms.InviteForm(vendors=invitable),
        "decision": selectors.decision(user=request.user, event=event),
        "is_evaluator": selectors.is_evaluator(user=request.user, event=event),
    })


def _price(submission, event):
    try:
        return services.normalised_price(submission, event)
    except ranking.RankingError:
        return None


@require_POST
@permission_required("sourcing.change_event")
def event_invite(request, pk: int):
    event = _event(request, pk)
    vendors = core_selectors.vendor_list(user=request.user)
    form = forms.InviteForm(request.POST, vendors=vendors)
    if form.is_valid():
        try:
            services.vendor_invite(actor=request.user, event=event, vendor=form.vendors[form.cleaned_data["vendor"]])
            messages.success(request, _("Vendor invited."))
        except ValidationError as error:
            _errors(request, error)
    else:
        messages.error(request, _("Choose a vendor to invite."))
    return redirect("sourcing:event-detail", pk=event.pk)


@permission_required("sourcing.change_event")
def event_weights(request, pk: int):
    event = _event(request, pk)
    criteria = list(selectors.criteria(user=request.user, event=event))
    form = forms.WeightsForm(request.POST or None, criteria=criteria)
    if form.is_valid() and form.apply(services.criteria_set, actor=request.user, event=event,
                                      weights=dict(form.cleaned_data)):
        messages.success(request, _("Weights saved."))
        return redirect("sourcing:event-detail", pk=event.pk)
    return _form_page(request, form, _("Criteria weights"), reverse("sourcing:event-detail", kwargs={"pk": pk}),
                      _("Whole percentages that add up to 100. Price is scored from the normalised price; the "
                        "other criteria by each evaluator, 1 (poor) to 5 (excellent)."))


@require_POST
@permission_required("sourcing.change_event")
def event_checklist_add(request, pk: int):
    event = _event(request, pk)
    form = forms.ChecklistItemForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_add(actor=request.user, event=event, text=form.cleaned_data["text"])
        except ValidationError as error:
            _errors(request, error)
    else:
        messages.error(request, _("Write the checklist item."))
    return redirect("sourcing:event-detail", pk=event.pk)


STATUS_ACTIONS = {
    "open": (services.event_open, _("The tender is open: invited vendors can submit proposals.")),
    "evaluate": (services.event_start_evaluation, _("Proposals are closed; the evaluators can score.")),
    "close": (services.event_close, _("The tender is closed.")),
}


@require_POST
@permission_required("sourcing.change_event")
def event_status(request, pk: int):
    event = _event(request, pk)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
    else:
        write, done = action
        try:
            write(actor=request.user, event=event)
            messages.success(request, done)
        except ValidationError as error:
            _errors(request, error)
    return redirect("sourcing:event-detail", pk=event.pk)


def _parse_scores(post, submissions, criteria):
    """{(vendor id, key): (value or None, comment)} from the scoring form; bad values are
    reported, never raised."""
    scores, problems = {}, []
    for sub in submissions:
        for c in criteria:
            raw = post.get(f"s-{sub.vendor_id}-{c.key}", "").strip()
            comment = post.get(f"c-{sub.vendor_id}-{c.key}", "")
            if raw == "":
                value = None
            elif (score := whole_number(raw, limit=5)) is not None and score >= 1:
                value = score
            else:
                problems.append(_("%(vendor)s, %(criterion)s: a score is a whole number from 1 to 5.")
                                % {"vendor": sub.vendor.name, "criterion": c.get_key_display()})
                continue
            scores[(sub.vendor_id, c.key)] = (value, comment)
    return scores, problems


@permission_required("sourcing.score_event")
def event_score(request, pk: int):
    event = _event(request, pk)
    if not selectors.is_evaluator(user=request.user, event=event):
        raise PermissionDenied
    submissions = list(selectors.submissions(user=request.user, event=event))
    criteria = [c for c in selectors.criteria(user=request.user, event=event) if c.scored_by_hand and c.weight]
    card = selectors.scorecard_of(user=request.user, event=event)
    if request.method == "POST":
        scores, problems = _parse_scores(request.POST, submissions, criteria)
        if problems:
            for problem in problems:
                messages.error(request, problem)
        else:
            try:
                services.scores_save(actor=request.user, event=event, scores=scores,
                                     submit=request.POST.get("submit") == "1")
                messages.success(request, _("Scores submitted; you can now see the ranking.")
                                 if request.POST.get("submit") == "1" else _("Scores saved as a draft."))
                return redirect("sourcing:event-score", pk=event.pk)
            except ValidationError as error:
                _errors(request, error)
    own = {(s.vendor_id, s.criterion.key): s for s in selectors.scores_visible_to(user=request.user, event=event)
           if s.scorecard.evaluator_id == request.user.pk}
    rows = []
    for sub in submissions:
        cells = []
        for c in criteria:
            score = own.get((sub.vendor_id, c.key))
            cells.append({"criterion": c, "name": f"{sub.vendor_id}-{c.key}",
                          "value": request.POST.get(f"s-{sub.vendor_id}-{c.key}", score.value if score else ""),
                          "comment": request.POST.get(f"c-{sub.vendor_id}-{c.key}", score.comment if score else "")})
        rows.append({"submission": sub, "price": _price(sub, event), "cells": cells})
    checks = selectors.site_visit_checks(user=request.user, event=event)
    checklist = [(item, [(sub.vendor, checks.get((item.pk, sub.vendor_id))) for sub in submissions])
                 for item in selectors.checklist(user=request.user, event=event)]
    return render(request, "sourcing/event_score.html", {
        "event": event, "rows": rows, "card": card, "checklist": checklist, "values": range(1, 6),
        "editable": event.status == SourcingEvent.Status.EVALUATION and not (card and card.is_submitted),
        "price_weight": next((c.weight for c in selectors.criteria(user=request.user, event=event)
                              if c.key == Criterion.Key.PRICE), 0)})


@require_POST
@permission_required("sourcing.score_event")
def site_visit_record(request, pk: int):
    """pk is the checklist item's; the vendor comes from the form."""
    try:
        item = selectors.site_visit_item_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404(_("Not found.")) from None
    vendor = core_selectors.vendor_list(user=request.user).filter(code=request.POST.get("vendor", "")).first()
    if vendor is None:
        messages.error(request, _("Choose a vendor."))
    else:
        try:
            services.site_visit_record(actor=request.user, item=item, vendor=vendor, met=request.POST.get("met") == "1",
                                       note=request.POST.get("note", "")[:500])
            messages.success(request, _("Site-visit check saved."))
        except ValidationError as error:
            _errors(request, error)
    return redirect("sourcing:event-score", pk=item.event_id)


@permission_required("sourcing.view_event")
def event_ranking(request, pk: int):
    event = _event(request, pk)
    table = selectors.ranking_table(user=request.user, event=event)
    scores = []
    if table is not None:
        by_evaluator: dict = {}
        for s in selectors.scores_visible_to(user=request.user, event=event).filter(
                scorecard__submitted_at__isnull=False).order_by("scorecard__evaluator__username", "vendor__code",
                                                                 "criterion__order"):
            by_evaluator.setdefault(s.scorecard.evaluator, []).append(s)
        scores = list(by_evaluator.items())
    return render(request, "sourcing/event_ranking.html", {
        "event": event, "table": table, "scores": scores,
        "is_evaluator": selectors.is_evaluator(user=request.user, event=event),
        "TIE_BY_PRICE": ranking.TIE_BY_PRICE, "TIE_SHARED": ranking.TIE_SHARED})


@permission_required("sourcing.decide_event")
def event_decide(request, pk: int):
    event = _event(request, pk)
    vendors = [s.vendor for s in selectors.submissions(user=request.user, event=event)]
    table = selectors.ranking_table(user=request.user, event=event)
    initial = {"chosen_vendor": table.rows[0].vendor.code} if table and table.rows else {}
    form = forms.DecisionForm(request.POST or None, vendors=vendors, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        if form.apply(services.event_decide, actor=request.user, event=event,
                      chosen_vendor=form.vendors[data["chosen_vendor"]], memo=data["memo"],
                      rationale=data["rationale"]):
            messages.success(request, _("Decision recorded; the chosen vendor moves to onboarding."))
            return redirect("sourcing:event-detail", pk=event.pk)
    return _form_page(request, form, _("Decide the tender"), reverse("sourcing:event-ranking", kwargs={"pk": pk}),
                      _("The chosen vendor moves to onboarding; the other invited vendors are told they were not "
                        "selected."))


# Vendor portal -------------------------------------------------------------------------------

@permission_required("sourcing.view_portal")
def portal(request):
    return render(request, "sourcing/portal.html", {"invitations": selectors.my_invitations(user=request.user)})


@permission_required("sourcing.view_portal")
def portal_event(request, pk: int):
    event = _event(request, pk)  # visible only when the user's vendor is invited
    invitation = selectors.invitations(user=request.user, event=event).first()
    if invitation is None:
        raise Http404(_("No such tender."))
    submission = selectors.own_submission(user=request.user, event=event)
    deadline_passed = services.now() >= event.deadline
    can_submit = (event.status == SourcingEvent.Status.OPEN and not deadline_passed
                  and request.user.has_perm("sourcing.submit_proposal"))
    form = None
    if request.method == "POST":
        if not request.user.has_perm("sourcing.submit_proposal"):
            raise PermissionDenied
        form = forms.SubmissionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            saved = form.apply(services.submission_save, actor=request.user, event=event,
                               proposal=data["proposal"], cases=data["cases"], pricing_model=data["pricing_model"],
                               rates=form.rates(), proposed_fte=data["proposed_fte"], price_notes=data["price_notes"])
            if saved:
                messages.success(request, _("Your proposal is submitted. You can revise it until the deadline."))
                return redirect("sourcing:portal-event", pk=event.pk)
    elif can_submit:
        form = forms.SubmissionForm(initial=forms.SubmissionForm.initial_from(submission) if submission else None)
    return render(request, "sourcing/portal_event.html", {
        "event": event, "invitation": invitation, "submission": submission, "form": form,
        "can_submit": can_submit, "deadline_passed": deadline_passed,
        "criteria": selectors.criteria(user=request.user, event=event),
        "price": _price(submission, event) if submission else None})
