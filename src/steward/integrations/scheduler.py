"""The scheduler's tick and a job run: the database decides what is due, so any number of
restarts (or two schedulers by mistake) neither run a period twice nor skip one.

`tick(now)`: for every job, create the due period's JobRun (unique per job and period) and hand
every due run and webhook delivery to the task queue. `run(run_id)`: one attempt of one run,
claimed by compare-and-set, inside one transaction; a failure is recorded with its error and
retried after 2, 4, 8, 16 minutes, then given up (and shown as such on the jobs page)."""

import datetime as dt
import logging
import traceback

from django.db import IntegrityError, transaction
from django.utils import timezone

from steward.integrations import jobs, signing, webhooks
from steward.integrations.models import JobRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A run handed to a worker is its own for this long; after that it is handed out again.
LEASE = dt.timedelta(hours=2)
RETRY_BASE_SECONDS = 120


def _enqueue(run_id: int) -> None:
    from steward.integrations.tasks import run_job

    run_job.enqueue(run_id)


def create_due_runs(now: dt.datetime) -> list[JobRun]:
    zone = jobs.local_zone()
    created = []
    for job in jobs.JOBS.values():
        last = JobRun.objects.filter(job=job.name).order_by("-period").values_list("period", flat=True).first()
        for key in jobs.due_periods(job, now, last, zone):
            try:
                with transaction.atomic():
                    created.append(JobRun.objects.create(job=job.name, period=key, next_attempt_at=now))
            except IntegrityError:
                continue  # another scheduler created it first
    return created


def hand_out_due(now: dt.datetime) -> int:
    count = 0
    due = JobRun.objects.filter(
        status__in=[JobRun.Status.QUEUED, JobRun.Status.RETRYING, JobRun.Status.RUNNING], next_attempt_at__lte=now,
    ).values_list("pk", "next_attempt_at")
    for pk, at in due:
        if JobRun.objects.filter(pk=pk, next_attempt_at=at).update(next_attempt_at=now + LEASE):
            _enqueue(pk)
            count += 1
    return count


def tick(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    created = create_due_runs(now)
    return {"created": len(created), "runs_handed_out": hand_out_due(now),
            "deliveries_handed_out": webhooks.hand_out_due(now)}


def run(run_id: int, *, now: dt.datetime | None = None) -> JobRun | None:
    now = now or timezone.now()
    current = JobRun.objects.filter(pk=run_id).first()
    if current is None or current.status in (JobRun.Status.DONE, JobRun.Status.DEAD):
        return current
    job = jobs.JOBS.get(current.job)
    attempt = current.attempts + 1
    claimed = JobRun.objects.filter(pk=run_id, attempts=current.attempts).exclude(
        status__in=[JobRun.Status.DONE, JobRun.Status.DEAD]
    ).update(status=JobRun.Status.RUNNING, attempts=attempt, started_at=now, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    try:
        if job is None:
            raise LookupError(f"unknown job {current.job!r}")
        start = jobs.parse_period(job, current.period, jobs.local_zone())
        with transaction.atomic():
            result = job.run(start, now)
    except Exception as exc:
        logger.exception("job %s %s failed (attempt %s)", current.job, current.period, attempt)
        error = "".join(traceback.format_exception(exc))[-4000:]
        if attempt >= MAX_ATTEMPTS:
            fields = {"status": JobRun.Status.DEAD, "next_attempt_at": None}
        else:
            wait = signing.backoff_seconds(attempt, base=RETRY_BASE_SECONDS)
            fields = {"status": JobRun.Status.RETRYING, "next_attempt_at": now + dt.timedelta(seconds=wait)}
        JobRun.objects.filter(pk=run_id).update(last_error=error, finished_at=timezone.now(), **fields)
    else:
        JobRun.objects.filter(pk=run_id).update(status=JobRun.Status.DONE, result=result or {}, last_error="",
                                                finished_at=timezone.now(), next_attempt_at=None)
    return JobRun.objects.get(pk=run_id)


def retry_now(*, run: JobRun, now: dt.datetime | None = None) -> JobRun:
    """An administrator's 'retry now' for a failed or given-up run: due at once, with a fresh
    set of attempts."""
    now = now or timezone.now()
    JobRun.objects.filter(pk=run.pk, status__in=[JobRun.Status.RETRYING, JobRun.Status.DEAD]).update(
        status=JobRun.Status.QUEUED, attempts=0, next_attempt_at=now)
    run.refresh_from_db()
    return run
