"""The scheduler: each period runs once, restarts neither double-run nor skip, failures are
retried with back-off and stay visible, a worker that died never loses a run."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from steward.integrations import jobs, scheduler
from steward.integrations.models import JobRun

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def recorded(monkeypatch):
    """Replace the job table with two jobs that record their calls; `fail` makes them raise."""
    calls = []
    state = {"fail": 0}

    def record(start, now):
        calls.append(start)
        if state["fail"]:
            state["fail"] -= 1
            raise RuntimeError("the database of the other system is down")
        return {"ok": 1}

    table = {
        "daily": jobs.Job("daily", "day", 1, True, record, "test"),
        "hourly": jobs.Job("hourly", "hour", 0, False, record, "test"),
    }
    monkeypatch.setattr(jobs, "JOBS", table)
    return calls, state


def test_each_period_runs_once_however_often_the_scheduler_ticks(db, recorded):
    calls, _ = recorded
    for minute in range(0, 50, 10):
        scheduler.tick(at(f"2026-03-10T09:{minute:02d}"))
    assert sorted(JobRun.objects.values_list("job", "period", "status")) == [
        ("daily", "2026-03-10", "done"), ("hourly", "2026-03-10T09", "done")]
    assert len(calls) == 2
    scheduler.tick(at("2026-03-10T10:05"))
    assert JobRun.objects.filter(job="hourly").count() == 2


def test_a_daily_job_waits_for_its_hour(db, recorded):
    scheduler.tick(at("2026-03-10T00:30"))
    assert JobRun.objects.get(job="daily").period == "2026-03-09"
    scheduler.tick(at("2026-03-10T01:00"))
    assert sorted(JobRun.objects.filter(job="daily").values_list("period", flat=True)) == ["2026-03-09", "2026-03-10"]


def test_after_a_stop_missed_days_are_caught_up_and_missed_hours_are_not(db, recorded):
    scheduler.tick(at("2026-03-10T09:00"))
    scheduler.tick(at("2026-03-13T09:00"))  # the scheduler was down for three days
    assert sorted(JobRun.objects.filter(job="daily").values_list("period", flat=True)) == [
        "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13"]
    assert sorted(JobRun.objects.filter(job="hourly").values_list("period", flat=True)) == [
        "2026-03-10T09", "2026-03-13T09"]


def _within(moment, low, high):
    return low <= moment <= high


def test_a_failed_run_is_kept_with_its_error_and_retried_with_back_off(db, recorded):
    """Workers run with the real clock: each wait is checked against the moment of the attempt."""
    calls, state = recorded
    state["fail"] = 2
    jobs.JOBS.pop("hourly")  # the fixture's own table
    before = timezone.now()
    scheduler.tick(before)
    run = JobRun.objects.get(job="daily")
    assert run.status == "retrying" and run.attempts == 1 and "other system is down" in run.last_error
    assert _within(run.next_attempt_at, before + dt.timedelta(seconds=120), timezone.now() + dt.timedelta(seconds=120))
    due = run.next_attempt_at
    scheduler.tick(due - dt.timedelta(seconds=1))
    assert JobRun.objects.get(pk=run.pk).attempts == 1  # not yet due
    before = timezone.now()
    scheduler.tick(due)
    run.refresh_from_db()
    assert run.status == "retrying" and run.attempts == 2
    assert _within(run.next_attempt_at, before + dt.timedelta(seconds=240), timezone.now() + dt.timedelta(seconds=240))
    scheduler.tick(run.next_attempt_at)
    run.refresh_from_db()
    assert run.status == "done" and run.attempts == 3 and run.result == {"ok": 1} and run.last_error == ""
    assert len(calls) == 3


def test_a_run_that_keeps_failing_is_given_up_visibly_and_can_be_retried(db, recorded, client, world):
    _, state = recorded
    state["fail"] = 100
    now = timezone.now()  # workers retry on the real clock: the ticks must come after it
    for step in range(12):
        scheduler.tick(now + dt.timedelta(hours=step + 1))
    # Twelve hours may reach the next local day and its daily run: the first one is the subject.
    run = JobRun.objects.filter(job="daily").order_by("period").first()
    assert run.status == "dead" and run.attempts == scheduler.MAX_ATTEMPTS
    client.force_login(world.user("client_admin"))
    page = client.get("/integrations/jobs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "other system is down" in page and "gave up" in page
    state["fail"] = 0
    assert client.post(f"/integrations/jobs/{run.pk}/retry/").status_code == 302
    scheduler.tick(timezone.now())
    run.refresh_from_db()
    assert run.status == "done"


def test_a_run_whose_worker_died_is_handed_out_again_after_its_lease(db, recorded):
    calls, _ = recorded
    now = at("2026-03-10T09:00")
    run = JobRun.objects.create(job="daily", period="2026-03-10", status="running", attempts=1,
                                next_attempt_at=now - dt.timedelta(seconds=1))
    scheduler.tick(now)
    run.refresh_from_db()
    assert run.status == "done" and run.attempts == 2 and len(calls) >= 1


def test_a_run_is_claimed_once(db, recorded):
    calls, _ = recorded
    run = JobRun.objects.create(job="daily", period="2026-03-10", next_attempt_at=at("2026-03-10T09:00"))
    first = scheduler.run(run.pk, now=at("2026-03-10T09:00"))
    second = scheduler.run(run.pk, now=at("2026-03-10T09:00"))
    assert first.status == "done" and second.status == "done" and len(calls) == 1


def test_the_real_jobs_run(world):
    """The real job table once: SLA evaluation, alerts, reminders, housekeeping."""
    scheduler.tick(timezone.now())
    runs = {r.job: r for r in JobRun.objects.all()}
    assert set(runs) == set(jobs.JOBS)
    for run in runs.values():
        assert run.status == "done", (run.job, run.last_error)
    assert "action_items" in runs["reminders"].result
    assert runs["reminders"].result["coaching"] == {"overdue": 0, "reminded": 0}
