"""Every read of parties, projects and people, scoped through visible_to(user)."""

from itertools import islice

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from simple_history.models import registered_models

from steward.core.models import ApiToken, Project, User, Vendor


def vendor_list(*, user, q: str = "") -> QuerySet[Vendor]:
    qs = (
        Vendor.objects.visible_to(user)
        .annotate(project_count=Count("projects", distinct=True))
        .order_by("code")
    )
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs


def vendor_get(*, user, code: str) -> Vendor:
    return Vendor.objects.visible_to(user).get(code=code)


def project_list(*, user, q: str = "") -> QuerySet[Project]:
    # Only the vendors the user may see: a project shared by two vendors must not
    # reveal one vendor to the other.
    qs = Project.objects.visible_to(user).prefetch_related(
        Prefetch("vendors", queryset=Vendor.objects.visible_to(user))
    )
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs


def project_get(*, user, code: str) -> Project:
    return Project.objects.visible_to(user).get(code=code)


def project_vendors(*, user, project: Project) -> QuerySet[Vendor]:
    """The vendors serving a project, as far as the user may see them."""
    return Vendor.objects.visible_to(user).filter(projects=project)


def user_list(*, user, q: str = "") -> QuerySet[User]:
    qs = User.objects.visible_to(user).select_related("vendor")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    return qs


def audit_trail(*, limit: int = 100) -> list[dict]:
    """The latest changes to every tracked business object, newest first: who, when, and each
    changed field with its old and new value (related objects by name, not by id).

    Only client administrators and auditors reach this (core.view_audit); both are client-side
    users who see every row, so no vendor scoping applies.
    """
    records = []
    # registered_models also holds many-to-many through tables; those changes are shown on
    # their owner's records (diff_against includes m2m fields).
    for model in registered_models.values():
        if hasattr(model, "history"):
            history = model.history.model
            records.extend(history.objects.select_related("history_user").order_by("-history_date")[:limit])
    records.sort(key=lambda record: record.history_date, reverse=True)
    records = list(islice(records, limit))
    previous_of = _previous_records(records)
    entries = []
    for record in records:
        previous = previous_of.get((type(record), record.history_id))
        changes = []
        if previous is not None:
            model_meta = record.instance_type._meta
            for change in record.diff_against(previous).changes:
                field = model_meta.get_field(change.field)
                old, new = change.old, change.new
                if field.many_to_many:
                    old, new = _m2m_names(field, old), _m2m_names(field, new)
                changes.append((field.verbose_name, old, new))
        entries.append({"record": record, "model": record.instance_type._meta.verbose_name, "changes": changes})
    return entries


def _previous_records(records) -> dict:
    """(history model, history_id) → the object's record just before it, in two queries per
    model rather than one `prev_record` query per row."""
    by_model: dict = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    previous = {}
    for history, rows in by_model.items():
        pk_name = history.instance_type._meta.pk.attname
        ids = {getattr(row, pk_name) for row in rows}
        oldest = min(row.history_date for row in rows)
        # The shown objects' records from the oldest shown on, each with the id of the last
        # record before that window (None for an object created inside it).
        last_before = (
            history.objects.filter(**{pk_name: OuterRef(pk_name), "history_date__lt": oldest})
            .order_by("-history_date", "-history_id").values("history_id")[:1]
        )
        window = list(
            history.objects.filter(**{f"{pk_name}__in": ids, "history_date__gte": oldest})
            .annotate(before_window=Subquery(last_before))
            .order_by("history_date", "history_id")
        )
        before = history.objects.in_bulk({row.before_window for row in window} - {None})
        prior_of_object: dict = {}
        for row in window:
            object_id = getattr(row, pk_name)
            if object_id not in prior_of_object:
                prior_of_object[object_id] = before.get(row.before_window)
            previous[(history, row.history_id)] = prior_of_object[object_id]
            prior_of_object[object_id] = row
    return previous


def _m2m_names(field, rows) -> str:
    """simple-history stores m2m states as [{"project": 1, "vendor": 2}, ...]."""
    related = field.related_model
    ids = [row[related._meta.model_name] for row in rows or []]
    objects = related._base_manager.in_bulk(ids)
    # A code names a vendor or project best; anything else by its own name (a deleted row by id).
    return ", ".join(
        str(getattr(objects[pk], "code", objects[pk])) if pk in objects else str(pk) for pk in ids
    )


def api_tokens_of(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens (a token's key is never readable; only its hint)."""
    return ApiToken.objects.visible_to(user).filter(user=user)
