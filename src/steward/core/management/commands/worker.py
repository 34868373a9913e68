"""`steward worker`: the task worker (django-tasks' database backend): imports, compliance
scans, webhook deliveries and the scheduler's job runs. Run one or more beside gunicorn; the
same options as `db_worker` (e.g. --interval 1, --max-tasks N, --batch to drain and exit)."""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run background tasks (imports, scans, webhook deliveries, scheduled job runs) from the database queue."
