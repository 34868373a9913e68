from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from steward.core.demo import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and serve Steward on http://127.0.0.1:PORT."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="load the data and exit")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, no_serve, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        for config in apps.get_app_configs():
            module = f"{config.name}.demo"
            if config.name.startswith("steward.") and find_spec(module):
                with transaction.atomic():
                    import_module(module).load(self.stdout)
        self.stdout.write(self.style.SUCCESS("\nDemo logins (password for all: %s):" % DEMO_PASSWORD))
        for username, role, side in demo_logins():
            self.stdout.write(f"  {username:<18} {role:<20} {side}")
        if not no_serve:
            self.stdout.write(f"\nServing on http://127.0.0.1:{port}/ — press Ctrl+C to stop.\n")
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
