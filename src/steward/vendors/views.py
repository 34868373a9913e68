"""Registry pages. Thin: reads from selectors (scoped to the user), writes through services.
Another vendor's rows are a 404, never a 403, so their existence is not confirmed."""


from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.models import Vendor
from steward.core.pages import get_or_404, paginate
from steward.vendors import forms, selectors, services



def _vendor(request, code: str) -> Vendor:
    try:
        return core_selectors.vendor_get(user=request.user, code=code)
    except Vendor.DoesNotExist:
        raise Http404(_("No such vendor.")) from None


def _get(read, request, pk):
    return get_or_404(read, request, pk=pk)


def _form_page(request, form, title: str, back: str, *, multipart: bool = False):
    return render(request, "core/form.html",
                  {"form": form, "title": title, "back_url": back, "multipart": multipart})


@permission_required("vendors.change_registry")
def profile_edit(request, code: str):
    vendor = _vendor(request, code)
    profile = selectors.profile_get(user=request.user, vendor=vendor)
    initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS} if profile else {}
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if form.is_valid() and form.apply(services.profile_update, actor=request.user, vendor=vendor,
                                      **form.cleaned_data):
        messages.success(request, _("Profile of %(name)s saved.") % {"name": vendor.name})
        return redirect(vendor)
    return _form_page(request, form, _("Profile of %(name)s") % {"name": vendor.name}, vendor.get_absolute_url())


@permission_required("vendors.change_status")
def vendor_status(request, code: str):
    vendor = _vendor(request, code)
    allowed = list(selectors.registry(user=request.user, vendor=vendor).next_statuses)
    form = forms.TransitionForm(request.POST or None, allowed=allowed)
    if form.is_valid() and form.apply(services.vendor_transition, actor=request.user, vendor=vendor,
                                      **form.cleaned_data):
        vendor.refresh_from_db()
        messages.success(request, _("%(name)s is now %(status)s.") % {
            "name": vendor.name, "status": vendor.get_status_display()})
        return redirect(vendor)
    title = _("Change the status of %(name)s (now %(status)s)") % {
        "name": vendor.name, "status": vendor.get_status_display()}
    return _form_page(request, form, title, vendor.get_absolute_url())


def _certification_query(request):
    q = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    try:
        days = max(0, min(int(request.GET.get("days", selectors.DEFAULT_REMINDER_DAYS)), 3650))
    except ValueError:
        days = selectors.DEFAULT_REMINDER_DAYS
    return q, state if state in {"expired", "expiring", "valid"} else "", days


@permission_required("vendors.view_registry")
def certification_list(request):
    q, state, days = _certification_query(request)
    on = selectors.today()
    certs = selectors.certification_list(user=request.user, q=q, state=state, within_days=days, on=on)
    page = paginate(request, certs)
    for cert in page:
        cert.state = selectors.expiry_state(cert.expires_on, on=on, within_days=days)
    context = {"page": page, "q": q, "state": state, "days": days, "today": on,
               "states": [("", _("All")), ("expired", _("Expired")), ("expiring", _("Expiring soon")),
                          ("valid", _("Valid"))]}
    if request.htmx and request.htmx.target == "results":
        return render(request, "vendors/_certification_table.html", context)
    return render(request, "vendors/certification_list.html", context)


@permission_required("vendors.view_registry")
def certification_export(request):
    q, state, days = _certification_query(request)
    on = selectors.today()
    return csv_response(
        "certifications.csv",
        ["vendor", "standard", "title", "certificate_number", "issuer", "issued_on", "expires_on", "state"],
        (
            [c.vendor.code, c.standard, c.title, c.certificate_number, c.issuer, c.issued_on or "",
             c.expires_on, selectors.expiry_state(c.expires_on, on=on, within_days=days)]
            for c in selectors.certification_list(user=request.user, q=q, state=state, within_days=days, on=on)
        ),
    )


@permission_required("vendors.change_registry")
def certification_create(request, code: str):
    vendor = _vendor(request, code)
    form = forms.CertificationForm(request.POST or None)
    if form.is_valid() and form.apply(services.certification_add, actor=request.user, vendor=vendor,
                                      **form.cleaned_data):
        messages.success(request, _("Certification added."))
        return redirect(vendor)
    return _form_page(request, form, _("New certification for %(name)s") % {"name": vendor.name},
                      vendor.get_absolute_url())


@permission_required("vendors.change_registry")
def certification_edit(request, pk: int):
    cert = _get(selectors.certification_get, request, pk)
    initial = {f: getattr(cert, f) for f in ("standard", "title", "certificate_number", "issuer", "issued_on",
                                             "expires_on")}
    form = forms.CertificationForm(request.POST or None, initial=initial)
    if form.is_valid() and form.apply(services.certification_update, actor=request.user, certification=cert,
                                      **form.cleaned_data):
        messages.success(request, _("Certification saved."))
        return redirect(cert.vendor)
    return _form_page(request, form, _("Edit certification %(label)s") % {"label": cert.label},
                      cert.vendor.get_absolute_url())


@require_POST
@permission_required("vendors.change_registry")
def certification_delete(request, pk: int):
    cert = _get(selectors.certification_get, request, pk)
    services.certification_delete(actor=request.user, certification=cert)
    messages.success(request, _("Certification %(label)s removed.") % {"label": cert.label})
    return redirect(cert.vendor)


@permission_required("vendors.add_document")
def document_upload(request, code: str):
    vendor = _vendor(request, code)
    form = forms.DocumentUploadForm(request.POST or None, request.FILES or None,
                                    initial={"title": request.GET.get("title", "")[:200]})
    if form.is_valid():
        data = form.cleaned_data
        version = form.apply(services.document_upload, actor=request.user, vendor=vendor, title=data["title"],
                             upload=data["upload"], category=data["category"], note=data["note"])
        if version:
            messages.success(request, _("%(title)s version %(number)s uploaded.") % {
                "title": version.document.title, "number": version.number})
            return redirect(vendor)
    return _form_page(request, form, _("Upload a document for %(name)s") % {"name": vendor.name},
                      vendor.get_absolute_url(), multipart=True)


@permission_required("vendors.view_registry")
def version_download(request, pk: int):
    version = _get(selectors.version_get, request, pk)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    return FileResponse(handle, as_attachment=True, filename=version.original_name,
                        content_type=version.content_type)


@permission_required("vendors.change_registry")
def contact_create(request, code: str):
    vendor = _vendor(request, code)
    form = forms.ContactForm(request.POST or None)
    if form.is_valid() and form.apply(services.contact_save, actor=request.user, vendor=vendor,
                                      **form.cleaned_data):
        messages.success(request, _("Contact added."))
        return redirect(vendor)
    return _form_page(request, form, _("New contact for %(name)s") % {"name": vendor.name},
                      vendor.get_absolute_url())


@permission_required("vendors.change_registry")
def contact_edit(request, pk: int):
    contact = _get(selectors.contact_get, request, pk)
    initial = {f: getattr(contact, f) for f in ("side", "name", "job_title", "email", "phone", "is_liaison")}
    form = forms.ContactForm(request.POST or None, initial=initial)
    if form.is_valid() and form.apply(services.contact_save, actor=request.user, vendor=contact.vendor,
                                      contact=contact, **form.cleaned_data):
        messages.success(request, _("Contact saved."))
        return redirect(contact.vendor)
    return _form_page(request, form, _("Edit contact %(name)s") % {"name": contact.name},
                      contact.vendor.get_absolute_url())


@require_POST
@permission_required("vendors.change_registry")
def contact_delete(request, pk: int):
    contact = _get(selectors.contact_get, request, pk)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("Contact %(name)s removed.") % {"name": contact.name})
    return redirect(contact.vendor)
