"""Who may read which rows: the one place where vendor isolation is decided.

Every model a vendor-side user could read declares how its rows reach a vendor (and, for
rows that belong to one agent, how they reach that agent) and uses `VisibleQuerySet`.
Every view, API route, export and background job starts from `Model.objects.visible_to(user)`.

Rules:
  - anonymous or inactive users see nothing;
  - client-side users (and superusers) see everything;
  - vendor-side users see rows of their own vendor only — none at all of a model whose rows are
    the client's own (`Visibility(vendor=None)`: budgets, alert channels with bot secrets);
  - agents additionally see only their own rows where the model names an agent path.
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Visibility:
    vendor: str | None  # lookup from the model to the vendor's primary key, e.g. "vendor" or "vendors";
    #                     None: the client's own rows, never shown to vendor-side users
    agent: str | None = None  # lookup from the model to the owning user's primary key


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user) -> "VisibleQuerySet":
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.is_client_side:
            return self
        rule: Visibility = self.model.visibility
        if user.vendor_id is None or rule.vendor is None:
            return self.none()
        scope = {rule.vendor: user.vendor_id}
        if rule.agent and user.is_agent:
            scope[rule.agent] = user.pk
        # A subquery rather than a join, so many-to-many paths never duplicate rows.
        return self.filter(pk__in=self.model._base_manager.filter(**scope).values("pk"))


VisibleManager = models.Manager.from_queryset(VisibleQuerySet)
