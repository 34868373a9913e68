"""Background work of the quality app: the compliance scan of an import's contacts.

A completed import (ImportBatch saved with status "done") enqueues `scan_import_task` once the
import's transaction has committed; the task worker (`steward db_worker`) runs it. In tests and
development the immediate backend runs it at once."""

import logging

from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def scan_import_task(batch_id: int) -> dict:
    from steward.quality import services

    result = services.scan_import(batch_id)
    if result is None:
        return {"scanned": 0, "hits": 0}
    return {"examined": result.examined, "scanned": result.scanned, "hits": result.hits}


def on_import_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    """post_save of ImportBatch: scan once the import is done (and committed). A restore's raw
    saves replay stored rows, hits included, so they scan nothing."""
    if raw or instance.status != "done" or (update_fields is not None and "status" not in update_fields):
        return

    def enqueue():
        try:
            scan_import_task.enqueue(instance.pk)
        except Exception:  # the import stands even if the queue is unavailable; `steward qa scan` catches up
            logger.exception("could not enqueue the compliance scan of import %s", instance.pk)

    transaction.on_commit(enqueue)


@task()
def scan_project_task(project_id: int) -> dict:
    """`Scan now` on the rules page: every stored contact of the project (idempotent)."""
    from steward.core.models import Project
    from steward.quality import services

    project = Project.objects.get(pk=project_id)
    result = services.scan_interactions(project=project)
    return {"examined": result.examined, "scanned": result.scanned, "hits": result.hits}
