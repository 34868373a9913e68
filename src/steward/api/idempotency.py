"""Idempotency keys for create POSTs in the API.

A client that may send the same create twice (a timeout, a retry after a dropped connection)
sends an `Idempotency-Key` header of 1 to 255 printable characters with the POST:

* the first request with that key runs normally; if it succeeds (2xx), its status and body
  are stored per user, route (method + path) and key;
* a repeat with the same key and the same body gets the stored answer again (same status,
  same body, plus the header `Idempotent-Replayed: true`) and creates nothing;
* the same key with a different body is refused with 422;
* duplicates sent at the same moment create exactly once: the record is inserted in the
  same transaction as the view's writes, so the database's unique index makes the second
  request wait for the first and then replay its answer (PostgreSQL) or wait for the write
  lock (SQLite, whose transactions here begin IMMEDIATE);
* an answer that is not 2xx (validation error, 403, 404) is not stored and nothing the
  view wrote is kept: the client may fix the request and retry with the same key;
* without the header the endpoint behaves as before. Stored answers are purged after
  `RETENTION` by the scheduler's daily housekeeping.

How to apply (below the router decorator, so that the view is wrapped before ninja reads it)::

    from steward.api.idempotency import idempotent

    @router.post("/things", response={201: ThingOut, 400: ErrorOut})
    @idempotent
    def thing_create(request, payload: ThingIn):
        ...
        return 201, thing

The header then appears in the OpenAPI schema of that operation. The view runs inside a
transaction (`transaction.atomic`), so it must not rely on its writes being committed
before it returns (do not start threads or wait for other connections inside it).
Do NOT apply it where the stored record would itself leak something (the anonymous feedback
box: a record naming the sender at the feedback's time would undo the anonymity).
"""

import hashlib
from datetime import timedelta
from functools import partial, wraps

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Header
from ninja.decorators import _apply_decorators
from ninja.utils import contribute_operation_args, contribute_operation_callback

from steward.integrations.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(days=7)


class _Unsuccessful(Exception):
    """Carries a non-2xx response out of the transaction so that it rolls back."""

    def __init__(self, response):
        self.response = response


def fingerprint(request) -> str:
    """What must match for a repeat: the body (method and path are part of the route).

    A multipart upload's raw body is gone once Django has parsed it into fields and files
    (and its boundary differs on every retry anyway), so there the fields and each file's
    name and content are what must match."""
    try:
        return hashlib.sha256(request.body or b"").hexdigest()
    except RawPostDataException:
        digest = hashlib.sha256(b"multipart")
        for name, values in sorted(request.POST.lists()):
            for value in values:
                digest.update(f"\0field\0{name}\0{value}".encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"\0file\0{name}\0{upload.name}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()


def idempotent(view_func):
    """Decorate a ninja create view (see the module docstring)."""
    @wraps(view_func)
    def wrapper(request, *args, idempotency_key: str | None = None, **kwargs):
        if idempotency_key is None:
            return view_func(request, *args, **kwargs)
        if not _valid_key(idempotency_key):
            return _error(400, _("Send an Idempotency-Key header of 1 to 255 printable characters."))
        if not request.user.is_authenticated:  # ninja's auth ran already; defensive only
            return _error(401, _("Authentication required."))
        route = f"{request.method} {request.path}"[:300]
        digest = fingerprint(request)
        # The operation actually serving this request (ninja clones operations when routers
        # are mounted; only the mounted clone knows its API).
        operation = request._steward_operation

        def run_view() -> HttpResponse:
            result = view_func(request, *args, **kwargs)
            # Serialise exactly as ninja would, so that the stored body is the answer sent.
            temporal = operation.api.create_temporal_response(request)
            return operation._result_to_response(request, result, temporal)

        for _attempt in range(3):
            existing = IdempotencyRecord.objects.filter(
                user=request.user, route=route, key=idempotency_key
            ).first()
            if existing is not None:
                if existing.fingerprint != digest:
                    return _error(422, _("This Idempotency-Key was already used with a different request body."))
                return _replay(existing)
            try:
                with transaction.atomic():
                    try:
                        with transaction.atomic():
                            # Claims the key: a concurrent duplicate blocks here on the unique
                            # index until this transaction ends.
                            record = IdempotencyRecord.objects.create(
                                user=request.user, route=route, key=idempotency_key,
                                fingerprint=digest, status_code=0, content_type="",
                            )
                    except IntegrityError:
                        raise _Taken from None
                    response = run_view()
                    if not 200 <= response.status_code < 300 or response.streaming:
                        raise _Unsuccessful(response)
                    record.status_code = response.status_code
                    record.content_type = response.get("Content-Type", "application/json")
                    record.body = response.content.decode("utf-8")
                    record.save(update_fields=["status_code", "content_type", "body"])
                    return response
            except _Unsuccessful as unsuccessful:
                return unsuccessful.response
            except _Taken:
                continue  # the other request committed first: read its record and replay it
        return _error(409, _("A request with this Idempotency-Key is still being processed; retry shortly."))

    contribute_operation_args(wrapper, "idempotency_key", str | None, Header(None, alias=HEADER))
    contribute_operation_callback(wrapper, partial(_apply_decorators, (_note_operation,)))
    wrapper._steward_idempotent = True
    return wrapper


class _Taken(Exception):
    """Another request holds (or held) the same key."""


def _note_operation(run):
    """Wraps Operation.run (ninja re-applies it to every clone): notes the operation on the request."""

    @wraps(run)
    def noted(request, *args, **kwargs):
        request._steward_operation = run.__self__
        return run(request, *args, **kwargs)

    return noted


def purge(now) -> int:
    """Delete stored answers older than RETENTION; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
