"""The per-project volumes of the invoices generated before they were stored with them.

An invoice on a contract with one project: its own stored totals (exactly what it was computed
from). An invoice on a contract with several projects: the rollups' volumes of each project
for the invoice's served days, as they are when this migration runs; they equal what the
invoice was computed from unless an import or undo changed those days since, and from now on
they no longer move (before this, cost analytics re-read them on every view)."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations
from django.db.models import Sum

from steward.metrics.calendars import wall_to_utc


def _served(invoice, contract) -> tuple[dt.date, dt.date]:
    start = max(invoice.period_start, contract.start_date)
    end = invoice.period_end
    if contract.end_date is not None:
        end = min(end, contract.end_date + dt.timedelta(days=1))
    return start, end


def store_volumes(apps, schema_editor):
    from zoneinfo import ZoneInfo

    Invoice = apps.get_model("contracts", "Invoice")
    InvoiceVolume = apps.get_model("contracts", "InvoiceVolume")
    IntervalRollup = apps.get_model("interactions", "IntervalRollup")
    rows = []
    for invoice in (Invoice.objects.filter(kind="invoice", volumes__isnull=True).select_related("contract")
                    .order_by("pk")):
        contract = invoice.contract
        projects = list(contract.projects.order_by("code"))
        if len(projects) == 1:
            rows.append(InvoiceVolume(invoice=invoice, project=projects[0], handled_contacts=invoice.handled_contacts,
                                      minutes=invoice.minutes, resolved_tickets=invoice.resolved_tickets))
            continue
        start, end = _served(invoice, contract)
        for project in projects:
            tz = ZoneInfo(project.time_zone)
            sums = IntervalRollup.objects.filter(
                project=project, vendor_id=contract.vendor_id, interval_start__gte=wall_to_utc(start, 0, tz),
                interval_start__lt=wall_to_utc(end, 0, tz)).aggregate(
                handled=Sum("answered"), seconds=Sum("handle_sum"), resolved=Sum("outcome_resolved"))
            minutes = (Decimal(sums["seconds"] or 0) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            rows.append(InvoiceVolume(invoice=invoice, project=project, handled_contacts=sums["handled"] or 0,
                                      minutes=minutes, resolved_tickets=sums["resolved"] or 0))
    InvoiceVolume.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0004_invoice_volumes"),
        ("interactions", "0016_reject_reason_messages"),
    ]

    operations = [
        migrations.RunPython(store_volumes, migrations.RunPython.noop),
    ]
