"""Writes of the metrics app: SLA policy versions (never edited in place)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from steward.core.models import Project
from steward.metrics import sla
from steward.metrics.models import SlaPolicy

MAX_POLICY_CHARS = 100_000


def parse_or_errors(text: str) -> sla.SlaPolicy:
    """The parsed policy, or a ValidationError whose messages are the parser's line-numbered
    errors (``line 16, terms[1].target: …``)."""
    if len(text) > MAX_POLICY_CHARS:
        raise ValidationError({"yaml_text": _("A policy may have at most %(n)s characters.") % {"n": MAX_POLICY_CHARS}})
    try:
        return sla.parse_policy(text)
    except sla.SlaValidationError as exc:
        raise ValidationError({"yaml_text": [str(e) for e in exc.errors]}) from None


@transaction.atomic
def sla_policy_save(*, actor, project: Project, text: str) -> SlaPolicy:
    """Store ``text`` as the next version of the policy it names (its ``sla:`` field) for the
    project. An unchanged text is refused rather than stored twice."""
    if actor is not None and not (actor.has_perm("metrics.add_slapolicy")
                                  and Project.objects.visible_to(actor).filter(pk=project.pk).exists()):
        raise PermissionDenied
    policy = parse_or_errors(text)
    # Lock the project row so two saves of one policy cannot take the same version number.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    versions = SlaPolicy.objects.filter(project=project, name=policy.sla)
    latest = versions.order_by("-version").first()
    if latest is not None and latest.yaml_text.strip() == text.strip():
        raise ValidationError({"yaml_text": _("This text is the same as version %(v)s; nothing to save.")
                               % {"v": latest.version}})
    number = (versions.aggregate(m=Max("version"))["m"] or 0) + 1
    row = SlaPolicy(project=project, name=policy.sla, version=number, yaml_text=text, created_by=actor)
    row.full_clean()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(_("Someone saved this policy at the same moment; please try again.")) from None
    return row
