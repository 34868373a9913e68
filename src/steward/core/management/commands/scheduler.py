"""`steward scheduler [--interval 30] [--once]`: every interval, create the due runs of the
periodic jobs (KPI alerts hourly; SLA evaluation, reminders, housekeeping daily) and hand due
runs and webhook deliveries to the task queue. The database records each job's periods, so a
restart (or a second scheduler) never runs a period twice or skips one; `steward worker` runs
what it hands out."""

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from steward.integrations import scheduler


class Command(BaseCommand):
    help = "Enqueue due periodic jobs and webhook retries, every --interval seconds (--once: one pass)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between passes (default 30)")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, interval: float, once: bool, **options):
        if interval <= 0:
            raise CommandError("--interval must be positive.")
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        while not stopping:
            close_old_connections()
            try:
                summary = scheduler.tick()
            except Exception as exc:  # a database hiccup: say so and try again next pass
                self.stderr.write(f"scheduler pass failed: {type(exc).__name__}: {exc}")
                if once:
                    raise CommandError("scheduler pass failed") from exc
            else:
                if any(summary.values()) or once:
                    self.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()))
            if once:
                return
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(min(1.0, interval - slept))
                slept += 1.0
