from steward.core import services
from steward.core.management.commands._base import SubcommandCommand
from steward.core.models import Project


class Command(SubcommandCommand):
    help = (
        "Manage projects: `steward projects add CODE NAME --vendor CODE [--vendor CODE] "
        "--timezone Asia/Shanghai --channels voice,chat,email`, `steward projects list`."
    )
    actions = {"add": "create a project", "list": "list projects"}

    def arguments_add(self, parser):
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument("--vendor", action="append", default=[], dest="vendors", metavar="CODE")
        parser.add_argument("--timezone", default="Asia/Shanghai")
        parser.add_argument("--channels", required=True, help="comma-separated: voice,chat,email,social,ticket")

    def handle_add(self, *, code, name, vendors, timezone, channels, **_):
        project = services.project_create(
            code=code,
            name=name,
            time_zone=timezone,
            channels=[c.strip() for c in channels.split(",") if c.strip()],
            vendor_codes=vendors,
        )
        served_by = ", ".join(v.code for v in project.vendors.all()) or "no vendor yet"
        self.stdout.write(
            self.style.SUCCESS(
                f"Added project {project.code}: {project.name} [{', '.join(project.channels)}] "
                f"in {project.time_zone}, served by {served_by}"
            )
        )

    def arguments_list(self, parser):
        pass

    def handle_list(self, **_):
        for project in Project.objects.prefetch_related("vendors"):
            vendors = ",".join(v.code for v in project.vendors.all())
            self.stdout.write(f"{project.code}\t{project.name}\t{','.join(project.channels)}\t{vendors}")
