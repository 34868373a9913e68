"""SLA policies as versioned YAML (docs/metrics.md "SLA policies as code").

A policy version is never edited: saving writes a new row with the next version number, so the
versions themselves are the history (no simple-history table is needed)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from steward.core.models import Project
from steward.core.visibility import Visibility, VisibleManager


class SlaPolicy(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sla_policies",
                                verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=100)  # the YAML's `sla:` field
    version = models.PositiveIntegerField(_("version"))  # 1, 2, … per project and name
    yaml_text = models.TextField(_("policy (YAML)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    # Vendors read the policies of the projects they serve: the standard they are measured by.
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["project", "name", "-version"]
        constraints = [models.UniqueConstraint(fields=["project", "name", "version"], name="sla_policy_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("metrics:sla-detail", kwargs={"code": self.project.code, "pk": self.pk})
