"""Demo scorecards: the default weights, and each headcount commitment tied to the vendor's
contract (loaded after the workforce demo). Scorecards and review packs are computed from the
demo data on demand: last month's pack is one click on /reviews/<vendor>/. Idempotent."""

from steward.contracts.models import Contract
from steward.reviews import selectors
from steward.reviews.models import WeightSet
from steward.workforce.models import Commitment


def load(stdout) -> None:
    if not WeightSet.objects.filter(is_default=True).exists():
        WeightSet.objects.create(name="default", is_default=True, **selectors.DEFAULT_WEIGHTS)
    linked = 0
    for c in Commitment.objects.filter(contract__isnull=True):
        contract = Contract.objects.filter(vendor=c.vendor, projects=c.project).order_by("-start_date").first()
        if contract:
            Commitment.objects.filter(pk=c.pk).update(contract=contract)
            linked += 1
    month = selectors.last_month()
    stdout.write(f"Reviews: default scorecard weights; {linked} commitment(s) tied to contracts; "
                 f"review packs for {month:%Y-%m} at /reviews/<vendor>/.")
