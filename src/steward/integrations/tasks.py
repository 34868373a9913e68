"""Background work of the integrations app, run by the task worker (`steward worker`).
Thin: each task calls a service; the database rows hold the state, so nothing is lost when a
worker dies (the scheduler hands due rows out again)."""

from django_tasks import task


@task()
def deliver_webhook(delivery_id: int) -> dict:
    from steward.integrations import webhooks

    delivery = webhooks.deliver(delivery_id)
    if delivery is None:
        return {"skipped": True}
    return {"status": delivery.status, "attempts": delivery.attempts, "http": delivery.last_status_code}


@task()
def run_job(run_id: int) -> dict:
    from steward.integrations import scheduler

    run = scheduler.run(run_id)
    if run is None:
        return {"skipped": True}
    return {"status": run.status, "attempts": run.attempts}
