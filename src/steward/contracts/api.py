"""Contracts API: read-only, scoped to the user (a vendor user sees only its own contracts)."""

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Router, Schema

from steward.api.permissions import require_perm
from steward.contracts import selectors
from steward.contracts.models import Contract

router = Router(tags=["contracts"])



class RateOut(Schema):
    component: str
    amount: Decimal
    effective_from: dt.date


class ResponsibilityOut(Schema):
    category: str
    party: str
    description: str
    fulfilled: bool


class ContractOut(Schema):
    code: str
    title: str
    vendor: str
    projects: list[str]
    status: str
    signed_on: dt.date | None
    start_date: dt.date
    end_date: dt.date | None
    auto_renew: bool
    renewal_term_months: int
    notice_days: int
    notice_deadline: dt.date | None
    currency: str
    pricing_model: str
    flex_percent: Decimal
    flex_notice_days: int
    price_adjustment_cap_percent: Decimal | None
    payment_terms_days: int
    at_risk_percent: Decimal
    sla_policy_name: str
    sla_policy_version: int | None


class ContractDetailOut(ContractOut):
    sla_policy_text: str
    rates: list[RateOut]
    responsibilities: list[ResponsibilityOut]


def _out(contract: Contract) -> dict:
    data = {f: getattr(contract, f) for f in ContractOut.model_fields if f not in ("vendor", "projects")}
    data["vendor"] = contract.vendor.code
    data["projects"] = [p.code for p in contract.projects.all()]  # prefetched through visible_to
    return data


@router.get("/contracts", response=list[ContractOut])
def contracts(request, q: str = "", vendor: str = "", status: str = ""):
    require_perm(request, "contracts.view_contract")
    return [_out(c) for c in selectors.contract_list(user=request.user, q=q, vendor=vendor, status=status)]


@router.get("/contracts/{code}", response=ContractDetailOut)
def contract(request, code: str):
    require_perm(request, "contracts.view_contract")
    try:
        c = selectors.contract_get(user=request.user, code=code)
    except Contract.DoesNotExist:
        raise Http404 from None
    data = _out(c)
    data["sla_policy_text"] = c.sla_policy_text
    data["rates"] = list(selectors.rates(user=request.user, contract=c))
    data["responsibilities"] = list(selectors.responsibilities(user=request.user, contract=c))
    return data
