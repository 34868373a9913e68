"""Writes of the reviews app: the scorecard weights."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from steward.reviews.models import WeightSet


@transaction.atomic
def weights_save(*, actor, sla, qa, csat, capa, compliance) -> WeightSet:
    if actor is not None and not actor.has_perm("reviews.change_weights"):
        raise PermissionDenied
    ws = WeightSet.objects.select_for_update().filter(is_default=True).first() or WeightSet(
        name="default", is_default=True)
    ws.sla, ws.qa, ws.csat, ws.capa, ws.compliance = sla, qa, csat, capa, compliance
    ws.full_clean()
    ws.save()
    return ws
