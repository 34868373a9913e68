from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "steward.quality"
    label = "quality"
    verbose_name = _("Quality")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from steward.interactions.models import ImportBatch
        from steward.quality.tasks import on_import_saved

        # New contacts are scanned for compliance when their import completes.
        post_save.connect(on_import_saved, sender=ImportBatch, dispatch_uid="quality-scan-import")
