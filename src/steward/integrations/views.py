"""Pages: webhook endpoints with their delivery log (replay), and the background jobs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.core.decorators import permission_required
from steward.core.pages import get_or_404, paginate
from steward.integrations import jobs, scheduler, selectors, webhooks
from steward.integrations.forms import EndpointForm
from steward.integrations.models import JobRun, WebhookDelivery


@permission_required("integrations.view_webhookendpoint")
def webhook_list(request):
    return render(request, "integrations/webhook_list.html", {
        "endpoints": selectors.endpoint_list(user=request.user), "events": webhooks.EVENTS})


def _form_page(request, form, title, back_url):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back_url})


@permission_required("integrations.change_webhookendpoint")
def webhook_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = webhooks.endpoint_create(actor=request.user, name=data["name"], url=data["url"],
                                                events=data["events"], vendor=data["vendor"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Endpoint created. Configure its signing secret at the receiver."))
            return redirect(endpoint.get_absolute_url())
    return _form_page(request, form, _("New webhook endpoint"), reverse("integrations:webhook-list"))


@permission_required("integrations.change_webhookendpoint")
def webhook_edit(request, pk):
    endpoint = get_or_404(selectors.endpoint_get, request, pk=pk)
    initial = {"name": endpoint.name, "url": endpoint.url, "vendor": endpoint.vendor, "events": endpoint.events,
               "active": endpoint.active}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            webhooks.endpoint_update(endpoint=endpoint, name=data["name"], url=data["url"], events=data["events"],
                                     active=data["active"], vendor=data["vendor"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect(endpoint.get_absolute_url())
    return _form_page(request, form, _("Edit webhook endpoint"), endpoint.get_absolute_url())


@permission_required("integrations.view_webhookendpoint")
def webhook_detail(request, pk):
    endpoint = get_or_404(selectors.endpoint_get, request, pk=pk)
    status = request.GET.get("status", "")
    if status not in WebhookDelivery.Status.values:
        status = ""
    page = paginate(request, selectors.delivery_list(user=request.user, endpoint=endpoint, status=status))
    return render(request, "integrations/webhook_detail.html", {
        "endpoint": endpoint, "page": page, "status": status, "statuses": WebhookDelivery.Status.choices,
        "events": [webhooks.EVENTS[e] for e in endpoint.events if e in webhooks.EVENTS],
        "may_change": request.user.has_perm("integrations.change_webhookendpoint"),
    })


@require_POST
@permission_required("integrations.change_webhookendpoint")
def webhook_rotate(request, pk):
    endpoint = get_or_404(selectors.endpoint_get, request, pk=pk)
    webhooks.endpoint_rotate_secret(endpoint=endpoint)
    messages.success(request, _("A new signing secret is in force; update the receiver."))
    return redirect(endpoint.get_absolute_url())


@require_POST
@permission_required("integrations.change_webhookendpoint")
def delivery_replay(request, pk):
    delivery = get_or_404(selectors.delivery_get, request, pk=pk)
    webhooks.replay(delivery=delivery)
    messages.success(request, _("The event is being sent again."))
    return redirect(delivery.endpoint.get_absolute_url())


@permission_required("integrations.view_jobrun")
def job_list(request):
    status = request.GET.get("status", "")
    if status not in JobRun.Status.values:
        status = ""
    job = request.GET.get("job", "")
    if job not in jobs.JOBS:
        job = ""
    return render(request, "integrations/job_list.html", {
        "page": paginate(request, selectors.job_runs(status=status, job=job)),
        "status": status, "job": job, "statuses": JobRun.Status.choices, "jobs": jobs.JOBS.values(),
        "failed_tasks": selectors.failed_tasks(), "task_counts": selectors.task_counts(),
        "undelivered": selectors.undelivered_count(user=request.user),
        "may_change": request.user.has_perm("integrations.change_jobrun"),
    })


@require_POST
@permission_required("integrations.change_jobrun")
def job_retry(request, pk):
    run = get_or_404(lambda user, pk: selectors.job_run_get(pk=pk), request, pk=pk)
    scheduler.retry_now(run=run)
    messages.success(request, _("The run will be retried at the scheduler's next pass."))
    return redirect("integrations:job-list")
