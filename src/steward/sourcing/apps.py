from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcingConfig(AppConfig):
    name = "steward.sourcing"
    label = "sourcing"
    verbose_name = _("Sourcing")
    default_auto_field = "django.db.models.BigAutoField"
