from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "steward.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from steward.integrations import signals

        signals.connect()
