"""Plumbing shared by `steward kpi` and `steward sla`: who the numbers are read as, dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from steward.core.models import Project, User


class Operator:
    """The server operator running the command: reads every vendor, as the other `steward`
    commands do. ``--as USERNAME`` reads as that user instead (a vendor user: its vendor only)."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_client_side = True
    pk = None
    vendor_id = None


def reader(username: str | None):
    if not username:
        return Operator()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user %(name)s.") % {"name": username})
    return user


def project(user, code: str) -> Project:
    found = Project.objects.visible_to(user).filter(code=code).first()
    if found is None:
        raise CommandError(_("No project %(code)s.") % {"code": code})
    return found


def vendor_codes(user, project: Project, code: str | None) -> list[str]:
    from steward.metrics import engine

    codes = [v.code for v in engine.visible_vendors(user=user, project=project)]
    if code is None:
        return codes
    if code not in codes:
        raise CommandError(_("Project %(project)s has no vendor %(vendor)s.") % {"project": project.code, "vendor": code})
    return [code]


def date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CommandError(_("%(option)s: expected a date YYYY-MM-DD, got %(text)s.") % {"option": option, "text": text}) from None


def fee(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CommandError(_("--fee: expected an amount like 100000 or 1234.50, got %(text)s.") % {"text": text}) from None
    if not value.is_finite() or value < 0:
        raise CommandError(_("--fee: must be a non-negative amount, got %(text)s.") % {"text": text})
    return value
