"""Pages of the interactions app: upload with progress, import history and report, explorer,
contact detail, mapping profiles. Thin: reads from selectors, writes from services."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.api.writes import form_detail
from steward.core.decorators import permission_required
from steward.core.exports import safe_cell, xlsx_response
from steward.core.pages import paginate
from steward.interactions import selectors, services
from steward.interactions.forms import FilterForm, ProfileEditForm, ProfileYamlForm, UploadForm
from steward.interactions.models import ImportBatch, Interaction
from steward.interactions.selectors import InteractionFilter
from steward.interactions.tasks import read_progress, request_undo, run_import, undo_state
from steward.quality import selectors as quality_selectors



class _Echo:
    def write(self, value):
        return value


def _csv_stream(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff"  # BOM, so Excel opens Chinese text as UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ------------------------------------------------------------------ imports


@permission_required("interactions.add_importbatch")
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user,
                      profiles=services.profile_names())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.batch_create(
                actor=request.user, project=data["project"], vendor=data["vendor"], profile=data["profile"],
                file_name=data["file"].name, file_format=data["file_format"],
                allow_rejects=data["allow_rejects"], upload=data["file"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            run_import.enqueue(batch.pk)
            return redirect(batch.get_absolute_url())
    return render(request, "interactions/upload.html", {"form": form})


@permission_required("interactions.view_importbatch")
def batch_list(request):
    page = paginate(request, selectors.batch_list(user=request.user))
    for batch in page:
        services.batch_reap_if_dead(batch)  # a run whose process died shows as failed
    return render(request, "interactions/batch_list.html", {"page": page})


def _batch(request, pk: int) -> ImportBatch:
    try:
        return selectors.batch_get(user=request.user, pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404(_("No such import.")) from None


@permission_required("interactions.view_importbatch")
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    services.batch_reap_if_dead(batch)
    progress = read_progress(batch)
    percent = 0
    if batch.is_finished:
        percent = 100
    elif batch.total_bytes:
        percent = min(99, int(100 * progress["position"] / batch.total_bytes))
    undo = undo_state(batch)
    undoing = undo is not None and "error" not in undo
    context = {
        "batch": batch, "progress": progress, "percent": percent, "undo": undo, "undoing": undoing,
        "undo_percent": min(99, int(100 * undo["done"] / undo["total"])) if undoing and undo.get("total") else 0,
        "rejects": selectors.batch_rejects(user=request.user, batch=batch)[:50],
    }
    if request.htmx and not batch.is_finished:
        return render(request, "interactions/_progress.html", context)
    if request.htmx and undoing:
        return render(request, "interactions/_undo_progress.html", context)
    if request.htmx:  # finished: swap in the whole report
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "interactions/batch_detail.html", context)


@permission_required("interactions.view_importbatch")
def batch_rejects_csv(request, pk: int):
    batch = _batch(request, pk)
    rows = selectors.reject_report(selectors.batch_rejects(user=request.user, batch=batch))
    return _csv_stream(f"import-{batch.pk}-rejects.csv", selectors.REJECT_COLUMNS, rows)


@require_POST
@permission_required("interactions.delete_importbatch")
def batch_undo(request, pk: int):
    batch = _batch(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the confirmation to undo the import."))
        return redirect(batch.get_absolute_url())
    state = undo_state(batch)
    if state is not None and "error" not in state:  # (a form sent twice, or from a stale page)
        messages.info(request, _("This import is being undone: this page shows its progress."))
        return redirect(batch.get_absolute_url())
    try:
        services.batch_undo_check(batch)  # the quick refusals now; the undo checks again
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        request_undo(batch, request.user.pk)
        messages.success(request, _("The undo has started: this page shows its progress."))
    return redirect(batch.get_absolute_url())


# ------------------------------------------------------------------ explorer

# Counted exactly up to here; beyond, "more than 10,000" (an exact count of millions of contacts
# is a scan on every page view) and the pages up to the cap — filters narrow the rest.
EXPLORER_COUNT_CAP = 10_000


def _filters(request) -> tuple[FilterForm, InteractionFilter | None]:
    """The form and its filter; None when a field is invalid (never a wider set than asked for)."""
    form = FilterForm(request.GET or None)
    if not form.is_bound:
        return form, InteractionFilter()
    if not form.is_valid():
        return form, None
    return form, InteractionFilter(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})


@permission_required("interactions.view_interaction")
def interaction_list(request):
    form, filters = _filters(request)
    if filters is None:  # the errors are shown above an empty table
        filters, qs = InteractionFilter(), Interaction.objects.none()
    else:
        qs = selectors.interaction_list(user=request.user, filters=filters)
    page = paginate(request, qs, count_cap=EXPLORER_COUNT_CAP)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "sort": filters.sort,
               **selectors.filter_choices(user=request.user)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "interactions/_interaction_table.html", context)
    return render(request, "interactions/interaction_list.html", context)


@permission_required("interactions.view_interaction")
def interaction_export(request):
    form, filters = _filters(request)
    if filters is None:
        return HttpResponseBadRequest(form_detail(form), content_type="text/plain; charset=utf-8")
    qs = selectors.interaction_list(user=request.user, filters=filters)
    return _csv_stream("interactions.csv", selectors.EXPORT_COLUMNS, selectors.export_rows(qs))


# Excel opens up to 1,048,576 rows, but openpyxl writes only a few thousand a second: beyond this
# the download would outlast the request, and CSV (streamed, any size) is the way.
XLSX_EXPORT_CAP = 100_000


@permission_required("interactions.view_interaction")
def interaction_export_xlsx(request):
    form, filters = _filters(request)
    if filters is None:
        return HttpResponseBadRequest(form_detail(form), content_type="text/plain; charset=utf-8")
    qs = selectors.interaction_list(user=request.user, filters=filters)
    if qs.order_by()[:XLSX_EXPORT_CAP + 1].count() > XLSX_EXPORT_CAP:
        messages.error(request, _("More than %(n)s contacts match: narrow the filters, or export CSV, which "
                                  "has no limit.") % {"n": f"{XLSX_EXPORT_CAP:,}"})
        return redirect(f"{reverse('interactions:list')}?{request.GET.urlencode()}")
    return xlsx_response("interactions.xlsx", selectors.EXPORT_COLUMNS_WALL_CLOCK,
                         selectors.export_rows(qs, wall_clock=True), title=_("Contacts"))


@permission_required("interactions.view_interaction")
def interaction_detail(request, pk: int):
    try:
        interaction = selectors.interaction_get(user=request.user, pk=pk)
    except Interaction.DoesNotExist:
        raise Http404(_("No such contact.")) from None
    evaluations = quality_selectors.contact_evaluations(user=request.user, interaction_id=interaction.pk)
    return render(request, "interactions/interaction_detail.html", {"i": interaction, "evaluations": evaluations})


# ------------------------------------------------------------------ profiles


@permission_required("interactions.add_importbatch")
def profile_list(request):
    form = ProfileYamlForm()
    if request.method == "POST":
        if not request.user.has_perm("interactions.change_mappingprofile"):
            raise PermissionDenied
        form = ProfileYamlForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                text = form.cleaned_data["yaml_file"].read().decode("utf-8-sig")
                profile = services.profile_import_yaml(text=text)
            except (UnicodeDecodeError, ValidationError) as error:
                form.add_error("yaml_file", getattr(error, "messages", [_("Save the YAML as UTF-8.")])[0])
            else:
                messages.success(request, _("Profile %(name)s saved.") % {"name": profile.name})
                return redirect("interactions:profiles")
    services.ensure_builtin_profiles()
    return render(request, "interactions/profile_list.html",
                  {"profiles": selectors.profile_list(), "form": form})


@permission_required("interactions.change_mappingprofile")
def profile_edit(request, name: str | None = None):
    """Edit a profile as YAML in the browser; a new one starts from `?from=<profile>`."""
    start_from = name or request.GET.get("from") or "generic"
    if request.method == "POST":
        form = ProfileEditForm(request.POST)
        if form.is_valid():
            try:
                profile = services.profile_import_yaml(text=form.cleaned_data["definition"])
            except ValidationError as error:
                for message in error.message_dict.get("definition", error.messages):
                    form.add_error("definition", message)
            else:
                messages.success(request, _("Profile %(name)s saved.") % {"name": profile.name})
                return redirect("interactions:profiles")
    else:
        try:  # a new profile is a copy the user renames
            text = services.profile_export_yaml(start_from, rename_to=None if name else f"{start_from}-copy")
        except ValidationError:
            raise Http404(_("No such profile.")) from None
        form = ProfileEditForm(initial={"definition": text})
    title = _("Edit profile %(name)s") % {"name": name} if name else _("New mapping profile")
    return render(request, "core/form.html", {
        "form": form, "title": title, "back_url": reverse("interactions:profiles"),
        "intro": _("Columns, date formats, time zone, value maps and defaults are described in "
                   "docs/import-profiles.md. Errors name the YAML line."),
    })


@permission_required("interactions.add_importbatch")
def profile_yaml(request, name: str):
    try:
        text = services.profile_export_yaml(name)
    except ValidationError:
        raise Http404(_("No such profile.")) from None
    response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.yaml"'
    return response
