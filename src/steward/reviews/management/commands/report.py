"""`steward report review --vendor CODE --period YYYY-MM --pdf OUT.pdf [--xlsx OUT.xlsx] [--as USER]`:
the business-review pack of one vendor and month."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from steward.core.management.commands._base import cli_language
from steward.core.models import Vendor
from steward.metrics.management.commands._common import reader
from steward.reviews import pack, selectors


class Command(BaseCommand):
    help = "Reports: `steward report review --vendor CODE --period YYYY-MM --pdf OUT.pdf [--xlsx OUT.xlsx]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="report", required=True)
        review = sub.add_parser("review", help="the monthly business-review pack of a vendor")
        review.add_argument("--vendor", required=True)
        review.add_argument("--period", required=True, help="YYYY-MM")
        review.add_argument("--pdf", required=True, help="where to write the PDF")
        review.add_argument("--xlsx", default=None, help="where to write the XLSX as well")
        review.add_argument("--as", dest="as_user", default=None, help="read as this user (a vendor user: its own data)")
        review.add_argument("--language", default=None, help="zh-hans or en (default: from the locale)")

    def handle(self, *args, **o):
        with translation.override(o.get("language") or cli_language()):
            self._review(**o)

    def _review(self, **o):
        user = reader(o["as_user"])
        try:
            month = selectors.parse_month(o["period"])
        except selectors.PeriodError as exc:
            raise CommandError(str(exc)) from None
        try:
            vendor = selectors.vendor_get(user=user, code=o["vendor"])
        except Vendor.DoesNotExist:
            raise CommandError(_("No vendor %(code)s.") % {"code": o["vendor"]}) from None
        targets = [Path(o["pdf"])] + ([Path(o["xlsx"])] if o["xlsx"] else [])
        for target in targets:
            if not target.parent.exists():
                raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": target.parent})
        data = pack.gather(user=user, vendor=vendor, month=month)
        Path(o["pdf"]).write_bytes(pack.render_pdf(data))
        if o["xlsx"]:
            Path(o["xlsx"]).write_bytes(pack.render_xlsx(data))
        self.stdout.write(_("Review pack for %(vendor)s, %(month)s: %(files)s") % {
            "vendor": vendor.name, "month": f"{month:%Y-%m}", "files": ", ".join(str(t) for t in targets)})
