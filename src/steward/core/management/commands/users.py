import getpass
import sys

from django.core.management.base import CommandError

from steward.core import services
from steward.core.management.commands._base import SubcommandCommand
from steward.core.models import User
from steward.core.roles import Role


class Command(SubcommandCommand):
    help = "Manage people: `steward users add USERNAME --role ROLE [--vendor CODE]`, `steward users list`."
    actions = {"add": "add a user", "list": "list users"}

    def arguments_add(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=", ".join(r.value for r in Role))
        parser.add_argument("--vendor", default=None, metavar="CODE")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            default=None,
            help="set this password; otherwise prompted for when interactive, else none (log-in disabled)",
        )

    def handle_add(self, *, username, role, vendor, email, password, **options):
        if password is None and sys.stdin.isatty():
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The two passwords differ.")
        user = services.user_create(
            username=username, role=role, vendor_code=vendor, email=email, password=password or None
        )
        side = f"vendor {user.vendor.code}" if user.vendor_id else "the client"
        login = "" if user.has_usable_password() else " (no password set: cannot log in yet)"
        self.stdout.write(self.style.SUCCESS(f"Added user {user.username} as {user.role} of {side}{login}"))

    def arguments_list(self, parser):
        pass

    def handle_list(self, **_):
        for user in User.objects.select_related("vendor"):
            self.stdout.write(f"{user.username}\t{user.role}\t{user.vendor.code if user.vendor_id else '-'}")
