"""Vendor scorecards: the weights of the monthly score. Scores themselves are computed from the
source data each time (reviews/scoring.py), so every figure stays traceable to its numbers."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

WEIGHT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class WeightSet(models.Model):
    """Weights of the five scorecard components. The default set is the one pages and packs
    use; weights need not add up to 100 (the score divides by the weights of the components
    that have data)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sla = models.DecimalField(_("SLA attainment weight"), max_digits=5, decimal_places=2, default=Decimal("35"),
                              validators=WEIGHT)
    qa = models.DecimalField(_("QA weight"), max_digits=5, decimal_places=2, default=Decimal("25"), validators=WEIGHT)
    csat = models.DecimalField(_("CSAT weight"), max_digits=5, decimal_places=2, default=Decimal("20"),
                               validators=WEIGHT)
    capa = models.DecimalField(_("corrective-action responsiveness weight"), max_digits=5, decimal_places=2,
                               default=Decimal("10"), validators=WEIGHT)
    compliance = models.DecimalField(_("compliance weight"), max_digits=5, decimal_places=2, default=Decimal("10"),
                                     validators=WEIGHT)
    is_default = models.BooleanField(_("default"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                               name="one_default_weight_set")]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict[str, Decimal]:
        return {"sla": self.sla, "qa": self.qa, "csat": self.csat, "capa": self.capa, "compliance": self.compliance}
