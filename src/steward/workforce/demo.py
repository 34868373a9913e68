"""Demo staffing: profiles for the voice and chat projects, the promotion in the demo history
as a known event plus a planned sale with a manual multiplier, and committed seats — Cedar,
whose service deteriorates, committed too few seats on the after-sales hotline, so its plan
shows a staffing gap and the gap alert goes out. Idempotent."""

import datetime as dt
from decimal import Decimal

from steward.core.models import Project, Vendor
from steward.workforce import services
from steward.workforce.models import Commitment, Event, StaffingProfile

# days 60–63 of the 90 demo days (interactions/demo.py PROMOTION) had a sales promotion
PROMOTION_FIRST, PROMOTION_DAYS, DEMO_DAYS = 60, 4, 90
PROFILES = {
    "aftersales-voice": {"model": "erlang_c", "service_level": Decimal("0.8"), "target_seconds": 20,
                         "max_occupancy": Decimal("0.85"), "shrinkage": Decimal("0.3")},
    "presales-chat": {"model": "chat", "service_level": Decimal("0.8"), "target_seconds": 30, "concurrency": 3,
                      "max_occupancy": Decimal("0.85"), "shrinkage": Decimal("0.3")},
}
SEATS = {("aftersales-voice", "bamboo"): Decimal(4), ("aftersales-voice", "cedar"): Decimal(2),
         ("presales-chat", "aurora"): Decimal(3), ("presales-chat", "bamboo"): Decimal(3)}


def load(stdout) -> None:
    end = dt.date.today() - dt.timedelta(days=1)
    promo_first = end - dt.timedelta(days=DEMO_DAYS - 1 - PROMOTION_FIRST)
    for code, fields in PROFILES.items():
        project = Project.objects.filter(code=code).first()
        if project is None:
            continue
        if not StaffingProfile.objects.filter(project=project, queue="").exists():
            services.profile_save(actor=None, project=project, **fields)
        if not Event.objects.filter(project=project).exists():
            services.event_create(actor=None, project=project, name="店庆大促 Anniversary sale", first_day=promo_first,
                                  last_day=promo_first + dt.timedelta(days=PROMOTION_DAYS - 1),
                                  notes="Promotion in the demo history: its effect is estimated.")
            sale = end + dt.timedelta(days=8)
            services.event_create(actor=None, project=project, name="会员日 Members' day", first_day=sale,
                                  last_day=sale + dt.timedelta(days=1), multiplier=Decimal("1.6"),
                                  notes="Planned; marketing expects 60 % more contacts (manual override).")
    for (project_code, vendor_code), seats in SEATS.items():
        project = Project.objects.filter(code=project_code).first()
        vendor = Vendor.objects.filter(code=vendor_code).first()
        if project and vendor and project.vendors.filter(pk=vendor.pk).exists() and not Commitment.objects.filter(
                project=project, vendor=vendor).exists():
            services.commitment_set(actor=None, vendor=vendor, project=project, seats=seats,
                                    effective_from=end - dt.timedelta(days=DEMO_DAYS))
    alerts = services.gap_check_all()
    stdout.write(f"Workforce: {StaffingProfile.objects.count()} staffing profiles, {Event.objects.count()} events, "
                 f"{Commitment.objects.count()} commitments, {len(alerts)} new staffing-gap alert(s).")
