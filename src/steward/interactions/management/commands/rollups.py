from steward.core.management.commands._base import SubcommandCommand
from steward.interactions import services


class Command(SubcommandCommand):
    help = ("Rollups: `steward rollups rebuild` recomputes them from the raw contacts; "
            "`steward rollups business` rebuilds the business minutes of projects whose business "
            "calendar changed (what the background task does).")
    actions = {"rebuild": "recompute every rollup from raw contacts",
               "business": "rebuild stale business minutes (kinds 5/6) in each project's calendar"}

    def arguments_rebuild(self, parser):
        pass

    def handle_rebuild(self, **_):
        count = services.rollups_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {count} rollup rows."))

    def arguments_business(self, parser):
        pass

    def handle_business(self, **_):
        stale = services.business_minutes_stale()
        for n, project_id in enumerate(stale, 1):
            self.stdout.write(f"Project {n} of {len(stale)} (id {project_id})…")
            read = services.business_minutes_rebuild(
                project_id, progress=lambda count: self.stdout.write(f"  {count:,} contacts"))
            self.stdout.write(f"  done: {read:,} contacts")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the business minutes of {len(stale)} project(s)."))
