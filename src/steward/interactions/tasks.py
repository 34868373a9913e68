"""Background work: a file import runs in a task worker (`steward db_worker`), reporting its
progress to a small file beside the upload (the upload store is shared by web and workers).
The rebuild of a project's business minutes after a change of its business calendar runs there
too; `steward rollups business` does it in the foreground, printing its progress."""

import json
import os
from pathlib import Path

from django.conf import settings
from django_tasks import task

from steward.interactions import services
from steward.interactions.models import ImportBatch


def progress_path(batch_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{batch_id}.json"


def read_progress(batch: ImportBatch) -> dict:
    try:
        return json.loads(progress_path(batch.pk).read_text())
    except (OSError, ValueError):
        return {"rows_read": 0, "position": 0, "rejected": 0}


def _writer(batch: ImportBatch):
    path = progress_path(batch.pk)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(*, rows_read: int, position: int, rejected: int) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"rows_read": rows_read, "position": position, "rejected": rejected}))
        os.replace(temporary, path)  # readers never see half a file

    return write


@task()
def run_import(batch_id: int) -> dict:
    batch = ImportBatch.objects.select_related("project", "vendor").get(pk=batch_id)
    result = services.batch_run(batch=batch, on_progress=_writer(batch))
    progress_path(batch.pk).unlink(missing_ok=True)
    return {"status": result.batch.status, "inserted": result.inserted, "updated": result.updated,
            "rejected": result.rejected}


@task()
def rebuild_business_minutes(project_id: int) -> dict:
    """Recompute the project's kinds 5/6 in its current business calendar (after a change)."""
    return {"project_id": project_id, "contacts": services.business_minutes_rebuild(project_id)}
