from steward.core.management.commands._base import SubcommandCommand
from steward.interactions import services


class Command(SubcommandCommand):
    help = "Rollups: `steward rollups rebuild` recomputes them from the raw contacts."
    actions = {"rebuild": "recompute every rollup from raw contacts"}

    def arguments_rebuild(self, parser):
        pass

    def handle_rebuild(self, **_):
        count = services.rollups_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {count} rollup rows."))
