from steward.core import services
from steward.core.management.commands._base import SubcommandCommand
from steward.core.models import Vendor


class Command(SubcommandCommand):
    help = "Manage vendors: `steward vendors add CODE NAME [--status S]`, `steward vendors list`."
    actions = {"add": "register a vendor", "list": "list vendors"}

    def arguments_add(self, parser):
        parser.add_argument("code")
        parser.add_argument("name")
        parser.add_argument("--status", default=Vendor.Status.ACTIVE, choices=Vendor.Status.values)

    def handle_add(self, *, code, name, status, **_):
        vendor = services.vendor_create(code=code, name=name, status=status)
        self.stdout.write(self.style.SUCCESS(f"Added vendor {vendor.code}: {vendor.name} ({vendor.status})"))

    def arguments_list(self, parser):
        pass

    def handle_list(self, **_):
        for vendor in Vendor.objects.all():
            self.stdout.write(f"{vendor.code}\t{vendor.name}\t{vendor.status}")
