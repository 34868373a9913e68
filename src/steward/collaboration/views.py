"""Pages for meetings, action items, announcements and the feedback box. Thin: reads from
selectors, writes through services; every object is fetched through visible_to(user), so
another vendor's object is a 404."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.collaboration import selectors, services
from steward.collaboration.forms import (
    ActionItemForm,
    ActionStatusForm,
    AnnouncementForm,
    DecisionForm,
    FeedbackAnswerForm,
    FeedbackForm,
    MeetingEditForm,
    MeetingForm,
)
from steward.collaboration.models import ActionItem, Announcement, FeedbackMessage, Meeting
from steward.collaboration.people import label_for, may_name
from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.models import Project, User, Vendor
from steward.core.pages import local_url, paginate



def _page(request, queryset):
    return paginate(request, queryset)


def _in_zone(moment: datetime, zone: str) -> datetime:
    """Read the wall-clock time the user typed as a time in the project's zone."""
    naive = timezone.make_naive(moment) if timezone.is_aware(moment) else moment
    return naive.replace(tzinfo=ZoneInfo(zone))


def _form_page(request, form, title: str, back_url: str):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back_url})


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except (Meeting.DoesNotExist, ActionItem.DoesNotExist, Announcement.DoesNotExist,
            FeedbackMessage.DoesNotExist, Project.DoesNotExist):
        raise Http404(_("Not found.")) from None


# --- meetings --------------------------------------------------------------------------

@permission_required("collaboration.view_meeting")
def meeting_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("project", "kind", "q")}
    meetings = selectors.meeting_list(user=request.user, **filters)
    context = {"page": _page(request, meetings), "filters": filters, "kinds": Meeting.Kind.choices,
               "projects": core_selectors.project_list(user=request.user), "q": filters["q"]}
    if request.htmx and request.htmx.target == "results":
        return render(request, "collaboration/_meeting_table.html", context)
    return render(request, "collaboration/meeting_list.html", context)


def _participant_choices(request, project: Project | None, vendor_codes=None):
    vendors = (core_selectors.project_vendors(user=request.user, project=project) if project
               else core_selectors.vendor_list(user=request.user))
    chosen = [v.pk for v in vendors if vendor_codes is None or v.code in vendor_codes]
    people = selectors.eligible_participants(project=project, vendor_ids=chosen if project else [v.pk for v in vendors])
    return vendors, people


@permission_required("collaboration.add_meeting")
def meeting_create(request):
    projects = core_selectors.project_list(user=request.user)
    project = projects.filter(code=request.POST.get("project") or request.GET.get("project")).first()
    vendors, people = _participant_choices(request, project)
    form = MeetingForm(request.POST or None, projects=projects, vendors=vendors, people=people,
                       initial={"project": project.code if project else ""})
    if form.is_valid():
        data = form.cleaned_data
        project = projects.get(code=data["project"])
        meeting = form.apply(
            services.meeting_create, actor=request.user, project=project, kind=data["kind"], title=data["title"],
            starts_at=_in_zone(data["starts_at"], project.time_zone),
            vendors=Vendor.objects.filter(code__in=data["vendors"]),
            attendees=User.objects.filter(pk__in=data["attendees"]),
            duration_minutes=data["duration_minutes"], location=data["location"], agenda=data["agenda"],
        )
        if meeting:
            messages.success(request, _("Meeting %(title)s planned.") % {"title": meeting.title})
            return redirect(meeting)
    return _form_page(request, form, _("Plan a meeting"), reverse("meeting-list"))


@permission_required("collaboration.view_meeting")
def meeting_detail(request, pk: int):
    meeting = _get_or_404(selectors.meeting_get, user=request.user, pk=pk)
    items = selectors.with_urgency(list(selectors.action_items(user=request.user).filter(meeting=meeting)))
    people = selectors.eligible_participants(project=meeting.project,
                                             vendor_ids=meeting.vendors.values_list("pk", flat=True))
    for item in items:
        item.may_update = services.may_update_action_item(request.user, item)
    context = {
        "meeting": meeting,
        "vendors": selectors.meeting_vendors(user=request.user, meeting=meeting),
        "attendees": selectors.meeting_attendees(user=request.user, meeting=meeting),
        "decisions": meeting.decisions.all(),
        "items": items,
        "statuses": ActionItem.Status.choices,
        "decision_form": DecisionForm(),
        "action_form": ActionItemForm(people=people),
    }
    return render(request, "collaboration/meeting_detail.html", context)


@permission_required("collaboration.change_meeting")
def meeting_edit(request, pk: int):
    meeting = _get_or_404(selectors.meeting_get, user=request.user, pk=pk)
    vendors, people = _participant_choices(request, meeting.project)
    zone = ZoneInfo(meeting.project.time_zone)
    initial = {
        "kind": meeting.kind, "title": meeting.title, "starts_at": meeting.starts_at.astimezone(zone),
        "duration_minutes": meeting.duration_minutes, "location": meeting.location, "agenda": meeting.agenda,
        "minutes": meeting.minutes, "status": meeting.status,
        "vendors": [v.code for v in meeting.vendors.all()],
        "attendees": [str(pk) for pk in meeting.attendees.values_list("pk", flat=True)],
    }
    form = MeetingEditForm(request.POST or None, initial=initial, projects=[], vendors=vendors, people=people)
    if form.is_valid():
        data = form.cleaned_data
        saved = form.apply(
            services.meeting_update, actor=request.user, meeting=meeting, kind=data["kind"], title=data["title"],
            starts_at=_in_zone(data["starts_at"], meeting.project.time_zone),
            vendors=Vendor.objects.filter(code__in=data["vendors"]),
            attendees=User.objects.filter(pk__in=data["attendees"]),
            duration_minutes=data["duration_minutes"], location=data["location"], agenda=data["agenda"],
            minutes=data["minutes"], status=data["status"],
        )
        if saved:
            messages.success(request, _("Meeting saved."))
            return redirect(meeting)
    return _form_page(request, form, _("Edit meeting"), meeting.get_absolute_url())


@require_POST
@permission_required("collaboration.change_meeting")
def decision_add(request, pk: int):
    meeting = _get_or_404(selectors.meeting_get, user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid() and form.apply(services.decision_add, actor=request.user, meeting=meeting,
                                      text=form.cleaned_data["text"]):
        messages.success(request, _("Decision recorded."))
    else:
        messages.error(request, _("The decision was not recorded: %(errors)s") % {"errors": _errors(form)})
    return redirect(meeting)


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@permission_required("collaboration.change_meeting")
def action_item_add(request, pk: int):
    meeting = _get_or_404(selectors.meeting_get, user=request.user, pk=pk)
    people = selectors.eligible_participants(project=meeting.project,
                                             vendor_ids=meeting.vendors.values_list("pk", flat=True))
    form = ActionItemForm(request.POST, people=people)
    if form.is_valid():
        data = form.cleaned_data
        if form.apply(services.action_item_create, actor=request.user, meeting=meeting, title=data["title"],
                      owner=people.get(pk=data["owner"]), due_date=data["due_date"], notes=data["notes"]):
            messages.success(request, _("Action item added."))
            return redirect(meeting)
    messages.error(request, _("The action item was not added: %(errors)s") % {"errors": _errors(form)})
    return redirect(meeting)


# --- action items ----------------------------------------------------------------------

@permission_required("collaboration.view_actionitem")
def action_item_list(request):
    filters = {"status": request.GET.get("status", "active"), "due": request.GET.get("due", ""),
               "mine": request.GET.get("mine") == "1", "project": request.GET.get("project", "")}
    items = selectors.action_items(user=request.user, **filters)
    page = _page(request, items)
    selectors.with_urgency(page.object_list)
    for item in page.object_list:
        item.may_update = services.may_update_action_item(request.user, item)
    context = {"page": page, "filters": filters, "statuses": ActionItem.Status.choices,
               "projects": core_selectors.project_list(user=request.user)}
    return render(request, "collaboration/action_list.html", context)


@permission_required("collaboration.view_actionitem")
def action_item_export(request):
    items = selectors.with_urgency(list(selectors.action_items(
        user=request.user, status=request.GET.get("status", ""), due=request.GET.get("due", ""),
        project=request.GET.get("project", ""))))

    def row(i):
        # Another vendor's staff stay unnamed, as on the page.
        named = may_name(i.owner, request.user)
        return [i.meeting.project.code, i.meeting.title, i.title,
                i.owner.username if named else label_for(i.owner, request.user),
                (i.owner.vendor.code if i.owner.vendor_id else "client") if named else "",
                i.due_date.isoformat(), i.status, i.urgency]

    return csv_response(
        "action-items.csv",
        ["project", "meeting", "action", "owner", "owner_company", "due_date", "status", "urgency"],
        map(row, items),
    )


@require_POST
@permission_required("collaboration.change_actionitem")
def action_item_status(request, pk: int):
    item = _get_or_404(lambda user, pk: selectors.action_items(user=user).get(pk=pk), user=request.user, pk=pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
    else:
        try:
            services.action_item_set_status(actor=request.user, item=item, status=form.cleaned_data["status"])
            messages.success(request, _("Action %(title)s is now %(status)s.")
                             % {"title": item.title, "status": item.get_status_display()})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect(local_url(request, request.POST.get("next", ""), item.get_absolute_url()))


# --- announcements ---------------------------------------------------------------------

@permission_required("collaboration.view_announcement")
def announcement_list(request):
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    items = selectors.announcement_list(user=request.user, kind=kind, unread=request.GET.get("unread") == "1", q=q)
    context = {"page": _page(request, items), "kind": kind, "kinds": Announcement.Kind.choices, "q": q}
    return render(request, "collaboration/announcement_list.html", context)


@permission_required("collaboration.add_announcement")
def announcement_create(request):
    projects = core_selectors.project_list(user=request.user)
    vendors = core_selectors.vendor_list(user=request.user)
    form = AnnouncementForm(request.POST or None, projects=projects, vendors=vendors)
    if form.is_valid():
        data = form.cleaned_data
        project = projects.filter(code=data["project"]).first() if data["project"] else None
        announcement = form.apply(
            services.announcement_publish, actor=request.user, kind=data["kind"], title=data["title"],
            body=data["body"], project=project, to_client=data["to_client"],
            all_vendors=data["audience"] == form.AUDIENCE_ALL,
            vendors=vendors.filter(code__in=data["vendors"]) if data["audience"] == form.AUDIENCE_CHOSEN else [],
        )
        if announcement:
            messages.success(request, _("Published: %(title)s.") % {"title": announcement.title})
            return redirect(announcement)
    return _form_page(request, form, _("Publish an announcement"), reverse("announcement-list"))


@permission_required("collaboration.view_announcement")
def announcement_detail(request, pk: int):
    announcement = _get_or_404(selectors.announcement_get, user=request.user, pk=pk)
    receipt = services.announcement_mark_read(user=request.user, announcement=announcement)
    context = {
        "announcement": announcement, "receipt": receipt,
        "vendors": Vendor.objects.visible_to(request.user).filter(announcements=announcement),
        "share": selectors.announcement_read_share(user=request.user, announcement=announcement),
    }
    return render(request, "collaboration/announcement_detail.html", context)


@permission_required("collaboration.view_announcement")
def announcement_receipts(request, pk: int):
    announcement = _get_or_404(selectors.announcement_get, user=request.user, pk=pk)
    context = {
        "announcement": announcement,
        "share": selectors.announcement_read_share(user=request.user, announcement=announcement),
        "receipts": selectors.announcement_receipts(user=request.user, announcement=announcement),
        "unread": selectors.announcement_unread(user=request.user, announcement=announcement),
    }
    return render(request, "collaboration/announcement_receipts.html", context)


# --- feedback box ----------------------------------------------------------------------

@permission_required("collaboration.view_feedbackmessage")
def feedback_box(request):
    user = request.user
    may_write = user.has_perm("collaboration.add_feedbackmessage") and user.vendor_id is not None
    projects = selectors.projects_of_own_vendor(user=user) if may_write else []
    form = FeedbackForm(request.POST or None, projects=projects) if may_write else None
    if request.method == "POST":
        if not may_write:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            project = projects.filter(code=data["project"]).first() if data["project"] else None
            # Only the vendor travels to the service; the sender is never handed over.
            if form.apply(services.feedback_submit, vendor=user.vendor, project=project, topic=data["topic"],
                          body=data["body"], today=selectors.client_today()):
                messages.success(request, _("Thank you. Your message was delivered without your name."))
                return redirect("feedback-box")
    filters = {"topic": request.GET.get("topic", ""), "answered": request.GET.get("answered", ""),
               "q": request.GET.get("q", "").strip()}
    context = {
        "form": form, "filters": filters, "q": filters["q"], "topics": FeedbackMessage.Topic.choices,
        "page": _page(request, selectors.feedback_list(user=user, **filters)),
        "groups": selectors.feedback_groups(user=user),
        "minimum": selectors.feedback_min_group_size(),
        "answer_form": FeedbackAnswerForm() if user.has_perm("collaboration.change_feedbackmessage") else None,
    }
    return render(request, "collaboration/feedback_box.html", context)


@require_POST
@permission_required("collaboration.change_feedbackmessage")
def feedback_answer(request, pk):
    message = _get_or_404(selectors.feedback_get, user=request.user, pk=pk)
    form = FeedbackAnswerForm(request.POST)
    if form.is_valid() and form.apply(services.feedback_answer, actor=request.user, message=message,
                                      answer=form.cleaned_data["answer"]):
        messages.success(request, _("Answer published to everyone who sees the message."))
    else:
        messages.error(request, _("The answer was not saved: %(errors)s") % {"errors": _errors(form)})
    return redirect("feedback-box")
