"""The shape every write route shares, once.

A write route checks the capability (`require_perm`), finds the object through the reader's
scope (`visible`: what the user may not see is a 404), binds the page's own form and applies the
page's service through it (`apply_form`), or calls the service directly (`call_service`). A
refusal — the form's errors or the service's ValidationError — raises `Refused`, which the API
(steward.api.api) answers 400 with the error body `{"detail": "…"}`. So
the API and the page refuse the same input with the same message, and a route states only what
is particular to it::

    @router.post("/things/{pk}/notes", response={201: NoteOut, 400: ErrorOut})
    @idempotent
    def note_add(request, pk: int, payload: NoteIn):
        require_perm(request, "things.change_thing")
        thing = visible(selectors.thing_get, request, pk=pk)
        return 201, apply_form(NoteForm(payload.dict()), services.note_add, actor=request.user, thing=thing)

Raising (rather than returning the 400) also rolls back what the view wrote under `@idempotent`,
exactly as a returned 400 does; the route must still declare the status in its `response`
(with an `ErrorOut` of `detail: str`) so that the OpenAPI schema shows it.
"""

from datetime import UTC, datetime
from typing import Annotated

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Schema
from pydantic import AfterValidator, model_validator

from steward.core import selectors as core_selectors
from steward.core.forms import moment_refusal

NUL_REFUSED = gettext_noop("must not contain the NUL character (\\u0000)")


def _without_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError(_(NUL_REFUSED))
    return text


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


# core.middleware refuses NUL in paths, query strings and forms, but a JSON body reaches the
# route as parsed text, and PostgreSQL can neither store nor look up text holding NUL (a 500).
# So every write route's body is a Payload: NUL anywhere in it (nested objects and lists
# included) is a 422 before the route runs.
class Payload(Schema):
    # A wrap validator, not a "before" one: ninja's Schema wraps the input in its DjangoGetter
    # before the "before" validators of a subclass see it; a subclass's wrap sees the raw body.
    @model_validator(mode="wrap")
    @classmethod
    def _refuse_nul(cls, data, handler):
        if _holds_nul(data):
            raise ValueError(_(NUL_REFUSED))
        return handler(data)


# The exception: a body whose records may hold NUL, each to be reported as that record's error
# (the import batch route), declares only the fields it looks records up by (a code, a name) as
# LookupText, refused with the same message.
LookupText = Annotated[str, AfterValidator(_without_nul)]


def _plausible_moment(value: datetime) -> datetime:
    refusal = moment_refusal(value)
    if refusal:
        raise ValueError(refusal)
    # The same instant in UTC: Python takes offsets up to ±23:59, PostgreSQL only to ±15:59.
    return value.astimezone(UTC) if value.tzinfo is not None else value


# A date and time in a body (a meeting's start, a session's, a deadline): a year outside
# 1900–2199 (steward.core.forms.MOMENT_YEARS) is a 422, as the pages' MomentField refuses it;
# near year 1 or 9999 an offset or the project's zone overflows the datetime or stores a year
# PostgreSQL cannot read back.
Moment = Annotated[datetime, AfterValidator(_plausible_moment)]


class Refused(Exception):
    """Bad input in a write route: answered 400 `{"detail": detail}`."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def visible(read, request, **lookup):
    """Call a scoped selector `read(user=..., **lookup)`; a row the user may not see is a 404."""
    try:
        return read(user=request.user, **lookup)
    except ObjectDoesNotExist:
        raise Http404 from None


def project_named(request, code: str):
    """The project a payload names (not the URL's object: an unknown one is bad input, 400),
    among those the user may see."""
    project = core_selectors.project_list(user=request.user).filter(code=code).first()
    if project is None:
        raise Refused(_("Unknown project %(code)s.") % {"code": code})
    return project


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


def clean_form(form, describe=form_detail) -> dict:
    """Validate `form` only: its cleaned data, or Refused with `describe(form)`."""
    if not form.is_valid():
        raise Refused(describe(form))
    return form.cleaned_data


def apply_form(form, write, /, describe=form_detail, **kwargs):
    """Validate `form`, then call `write(**kwargs, **cleaned_data)` through `form.apply` exactly
    as the page does (a service's ValidationError lands on the form's fields). The service's
    result, or Refused with `describe(form)` (the form's errors as one line)."""
    data = clean_form(form, describe)
    result = form.apply(write, **kwargs, **data)
    if form.errors:
        raise Refused(describe(form))
    return result


def call_service(write, /, *args, **kwargs):
    """Call a service without a form: its result, or Refused (400) with the ValidationError's
    messages joined by spaces."""
    try:
        return write(*args, **kwargs)
    except ValidationError as error:
        raise Refused(" ".join(error.messages)) from None
