"""Background work: a file import runs in a task worker (`steward db_worker`), reporting its
progress to a small file beside the upload (the upload store is shared by web and workers).
An undo runs there too (a large import's undo takes longer than a web request may), with its
progress in a file of its own that its page reads while the undo's run is alive.
The rebuild of a project's business minutes after a change of its business calendar runs there
too; `steward rollups business` does it in the foreground, printing its progress."""

import datetime as dt
import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist

from steward.interactions import liveness, reasons, services
from steward.interactions.models import ImportBatch
from steward.interactions.reasons import Reason


def progress_path(batch_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{batch_id}.json"


def read_progress(batch: ImportBatch) -> dict:
    try:
        return json.loads(progress_path(batch.pk).read_text())
    except (OSError, ValueError):
        return {"rows_read": 0, "position": 0, "rejected": 0}


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(value))
    os.replace(temporary, path)  # readers never see half a file


def _writer(batch: ImportBatch):
    path = progress_path(batch.pk)

    def write(*, rows_read: int, position: int, rejected: int) -> None:
        _write_json(path, {"rows_read": rows_read, "position": position, "rejected": rejected})

    return write


def undo_path(batch_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{batch_id}-undo.json"


DIED = Reason(gettext_noop("The undo stopped before it finished (its process was killed, or the server "
                           "restarted); nothing was changed."))


def undo_state(batch: ImportBatch) -> dict | None:
    """The import's last undo that did not complete: ``{"queued"}`` while it waits for a
    worker, ``{"done", "total"}`` while it runs, ``{"error"}`` (in the reader's language) when it
    was refused or its process died — nothing was changed then; None when there is none, or the
    import is no longer "done". The file holds reasons untranslated."""
    if batch.status != ImportBatch.Status.DONE:
        return None
    path = undo_path(batch.pk)
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if "error" not in state:
        with liveness.unless_running(batch.pk) as dead:
            if dead and not (state.get("queued") and _waiting(state.get("task"))):
                state = {"error": DIED.to_json()}  # its transaction rolled back with it
                _write_json(path, state)
    if "error" in state:
        return {"error": reasons.shown(state["error"], "")}
    return state


# A worker marks a task running a moment before the task holds the import's run (it loads the
# import first), so a task that started this recently without holding it is not yet dead.
STARTING_GRACE = dt.timedelta(minutes=2)


def _waiting(task_id: str | None) -> bool:
    """Whether a queued undo's task is still waiting for a worker, or has only just been taken
    by one (or the backend cannot say)."""
    if not task_id:
        return True
    try:
        result = undo_import.get_result(task_id)
    except TaskResultDoesNotExist:
        return False
    except NotImplementedError:  # a backend that keeps no results (the tests' immediate one)
        return True
    if result.status == TaskResultStatus.READY:
        return True
    started = result.started_at
    return (result.status == TaskResultStatus.RUNNING and started is not None
            and timezone.now() - started < STARTING_GRACE)


def request_undo(batch: ImportBatch, user_id: int | None) -> None:
    """Queue the import's undo, shown as waiting until a worker takes it."""
    path = undo_path(batch.pk)
    queued = {"queued": True}
    _write_json(path, queued)
    result = undo_import.enqueue(batch.pk, user_id, translation.get_language() or "")
    try:  # the task's id, unless the task has started (or ended) and written its own state
        if json.loads(path.read_text()) == queued:
            _write_json(path, {**queued, "task": str(result.id)})
    except (OSError, ValueError):
        pass


@task()
def run_import(batch_id: int) -> dict:
    batch = ImportBatch.objects.select_related("project", "vendor").get(pk=batch_id)
    result = services.batch_run(batch=batch, on_progress=_writer(batch))
    progress_path(batch.pk).unlink(missing_ok=True)
    return {"status": result.batch.status, "inserted": result.inserted, "updated": result.updated,
            "rejected": result.rejected}


@task()
def undo_import(batch_id: int, user_id: int | None, language: str) -> dict:
    """Undo an import, its progress in ``undo_path`` while the run is held (liveness), so that
    its page can tell a running undo from one whose process died."""
    batch = ImportBatch.objects.get(pk=batch_id)
    actor = get_user_model().objects.filter(pk=user_id).first()
    path = undo_path(batch_id)
    with translation.override(language or settings.LANGUAGE_CODE), liveness.running(batch_id):
        _write_json(path, {"done": 0, "total": 0})
        try:
            services.batch_undo(actor=actor, batch=batch,
                                on_progress=lambda done, total: _write_json(path, {"done": done, "total": total}))
        except services.UndoRefused as error:  # a later import or an evaluation since it was asked
            _write_json(path, {"error": error.reason.to_json()})
            return {"status": "refused"}
        except Exception as error:
            _write_json(path, {"error": Reason(gettext_noop("The undo stopped on an unexpected error (%(kind)s); "
                                                            "nothing was changed."),
                                               {"kind": error.__class__.__name__}).to_json()})
            raise
        path.unlink(missing_ok=True)
    return {"status": "undone"}


@task()
def rebuild_business_minutes(project_id: int) -> dict:
    """Recompute the project's kinds 5/6 in its current business calendar (after a change)."""
    return {"project_id": project_id, "contacts": services.business_minutes_rebuild(project_id)}
