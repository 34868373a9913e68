"""Minutes to first response and to resolution (kinds 3–6) are kept for the asynchronous
channels only (rollups.aggregate): the metrics read them nowhere else. Remove the rows written
for calls and chats before that, at the three rollup levels, so that later deltas (re-imports,
undos, which no longer produce them) and rebuilds agree with what is stored."""

from django.db import migrations

ASYNC_CHANNELS = ["email", "social", "ticket"]  # metrics.formulas.ASYNC_CHANNELS, frozen here
KINDS = [3, 4, 5, 6]


def forwards(apps, schema_editor):
    apps.get_model("interactions", "RollupBucket").objects.filter(kind__in=KINDS).exclude(
        rollup__channel__in=ASYNC_CHANNELS).delete()
    for name in ("IntervalBucket", "CalendarBucket"):
        apps.get_model("interactions", name).objects.filter(kind__in=KINDS).exclude(
            channel__in=ASYNC_CHANNELS).delete()


class Migration(migrations.Migration):
    dependencies = [("interactions", "0012_business_minutes")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
