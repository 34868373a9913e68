"""Writes of the metrics app: SLA policy versions (never edited in place)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Set as AbstractSet

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from steward.core.models import Project
from steward.metrics import sla
from steward.metrics.models import HolidayYear, SlaPolicy

MAX_POLICY_CHARS = 100_000


class PolicyTextError(ValidationError):
    """A policy text the parser refused: the page shows its line-numbered messages on the text
    field; ``sla_errors`` keeps each one's line, field and message (the API answers them)."""

    def __init__(self, errors: list[sla.SlaError]):
        super().__init__({"yaml_text": [str(e) for e in errors]})
        self.sla_errors = list(errors)


def parse_or_errors(text: str) -> sla.SlaPolicy:
    """The parsed policy, or a ValidationError whose messages are the parser's line-numbered
    errors (``line 16, terms[1].target: …``; a PolicyTextError keeps them as sla.SlaError)."""
    if len(text) > MAX_POLICY_CHARS:
        raise ValidationError({"yaml_text": _("A policy may have at most %(n)s characters.") % {"n": MAX_POLICY_CHARS}})
    try:
        return sla.parse_policy(text)
    except sla.SlaValidationError as exc:
        raise PolicyTextError(exc.errors) from None


@transaction.atomic
def sla_policy_save(*, actor, project: Project, text: str) -> SlaPolicy:
    """Store ``text`` as the next version of the policy it names (its ``sla:`` field) for the
    project. An unchanged text is refused rather than stored twice."""
    if actor is not None and not (actor.has_perm("metrics.add_slapolicy")
                                  and Project.objects.visible_to(actor).filter(pk=project.pk).exists()):
        raise PermissionDenied
    policy = parse_or_errors(text)
    # Lock the project row so two saves of one policy cannot take the same version number.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    versions = SlaPolicy.objects.filter(project=project, name=policy.sla)
    latest = versions.order_by("-version").first()
    if latest is not None and latest.yaml_text.strip() == text.strip():
        raise ValidationError({"yaml_text": _("This text is the same as version %(v)s; nothing to save.")
                               % {"v": latest.version}})
    number = (versions.aggregate(m=Max("version"))["m"] or 0) + 1
    row = SlaPolicy(project=project, name=policy.sla, version=number, yaml_text=text, created_by=actor)
    row.full_clean()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(_("Someone saved this policy at the same moment; please try again.")) from None
    return row


# ------------------------------------------------------------------ alerts


class _SystemReader:
    """Who the scheduled alert evaluation reads as: every vendor's rollups (like a client-side
    user). Never a request's user; alerts themselves are vendor-scoped when read."""

    pk = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_client_side = True


SYSTEM_READER = _SystemReader()
ALERT_CLIENT_ROLES = ("outsourcing_manager", "project_lead")


def _clean_rule(*, project: Project, metric: str, params, scope, target: str, window: str, intervals: int) -> dict:
    from steward.metrics import engine, formulas

    errors = {}
    if metric not in formulas.CATALOG:
        errors["metric"] = _("Unknown metric %(m)s.") % {"m": metric}
    else:
        try:
            params = formulas.CATALOG[metric].clean_params(params or {})
        except formulas.ParamError as exc:
            errors["params"] = str(exc)
    try:
        parsed = sla.parse_target(target)
    except ValueError:
        errors["target"] = _('Write the target as a comparison, e.g. ">= 0.80" or "<= 30".')
    else:
        spec = formulas.CATALOG.get(metric)
        if spec is not None and spec.higher_is_better is not None and parsed.higher_is_better != spec.higher_is_better:
            errors["target"] = (_("Higher is better for this metric: use >= or >.") if spec.higher_is_better
                                else _("Lower is better for this metric: use <= or <."))
    try:
        engine.Scope.of(scope)
    except engine.EngineError as exc:
        errors["scope"] = str(exc)
    if window == "intervals" and not 1 <= (intervals or 0) <= 96:
        errors["intervals"] = _("Between 1 and 96 half-hour intervals.")
    if errors:
        raise ValidationError(errors)
    return params


@transaction.atomic
def alert_rule_create(*, actor, project: Project, metric: str, target: str, window: str = "day",
                      intervals: int = 4, vendor=None, params=None, scope=None, min_contacts: int = 20):
    from steward.metrics.models import AlertRule

    if actor is not None and not (actor.has_perm("metrics.add_alertrule")
                                  and Project.objects.visible_to(actor).filter(pk=project.pk).exists()):
        raise PermissionDenied
    if vendor is not None and not project.vendors.filter(pk=vendor.pk).exists():
        raise ValidationError({"vendor": _("This vendor does not serve the project.")})
    scope = {k: v for k, v in (scope or {}).items() if v}
    params = _clean_rule(project=project, metric=metric, params=params, scope=scope, target=target,
                         window=window, intervals=intervals)
    rule = AlertRule(project=project, vendor=vendor, metric=metric, params=params, scope=scope,
                     target=target.strip(), window=window, intervals=intervals, min_contacts=min_contacts,
                     created_by=actor)
    rule.full_clean()
    rule.save()
    return rule


def alert_window(rule, now: dt.datetime):
    """The rule's window at ``now`` as an engine.Period: the last N complete half-hour
    intervals, or the local day (month) from its start up to now."""
    from steward.metrics import engine

    tz = zoneinfo.ZoneInfo(rule.project.time_zone)
    now = now.astimezone(dt.UTC)
    if rule.window == "intervals":
        end = now.replace(minute=now.minute - now.minute % 30, second=0, microsecond=0)
        start = end - dt.timedelta(minutes=30 * rule.intervals)
    else:
        local = now.astimezone(tz).date()
        first = local if rule.window == "day" else local.replace(day=1)
        start, end = engine.period(first, local, rule.project.time_zone).start, now
    return engine.Period(start.astimezone(tz).date(), end.astimezone(tz).date(), rule.project.time_zone, start, end)


TREND = dt.timedelta(hours=2)


def window_end(rule, now: dt.datetime) -> dt.datetime:
    """When a day or month window running at ``now`` ends: the next local midnight (first of the
    next month), as a UTC instant."""
    from steward.metrics import engine

    tz = zoneinfo.ZoneInfo(rule.project.time_zone)
    local = now.astimezone(tz).date()
    if rule.window == "day":
        return engine.period(local, local, rule.project.time_zone).end
    last = (local.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return engine.period(last, last, rule.project.time_zone).end


def _outlook(target, result, recent, *, over: bool, share: bool, pace: float):
    """outlook.outlook for one vendor's result: shares by numerator/denominator (capped: a rate
    above 1 has no best case), means by their exact value."""
    from steward.metrics import outlook

    if result is None or result.value is None:
        return outlook.Outlook("no_data", "")
    n = result.denominator or 0
    if share and n and result.numerator <= n:
        remaining = int(n * pace)
        rx = recent.numerator if recent is not None and recent.value is not None else None
        rn = recent.denominator if rx is not None and recent.numerator <= recent.denominator else None
        return outlook.outlook(target.met, higher_is_better=target.higher_is_better, x=result.numerator, n=n,
                               remaining=remaining, over=over, recent_x=rx, recent_n=rn)
    exact = sla._exact(result)
    return outlook.outlook(target.met, higher_is_better=target.higher_is_better, x=exact, n=1, remaining=0,
                           over=over, share=False)


def _alert_message(rule, vendor, result, look) -> tuple[str, dict]:
    params = {"metric": rule.metric, "vendor": vendor.name, "project": rule.project.name,
              "value": f"{result.value:.4g}", "target": rule.target}
    if look.status == "at_risk" and look.reason == "trend_misses":
        return gettext_noop("At risk: %(metric)s of %(vendor)s in %(project)s is %(value)s so far, but at the last two "
                            "hours' pace it ends at %(projected)s (target %(target)s)"), {
            **params, "projected": f"{float(look.projected):.4g}"}
    if look.status == "at_risk" and look.reason == "cannot_reach":
        return gettext_noop("At risk: %(metric)s of %(vendor)s in %(project)s is %(value)s so far; at the pace so far "
                            "the window cannot reach %(target)s even if every remaining contact succeeds"), params
    if look.status == "at_risk":
        return gettext_noop("At risk: %(metric)s of %(vendor)s in %(project)s is %(value)s so far (target %(target)s); "
                            "the rest of the window can still reach it"), params
    return gettext_noop("Alert: %(metric)s of %(vendor)s in %(project)s is %(value)s (target %(target)s)"), params


def _recipients(rule, vendor):
    from steward.core.models import User

    users = set(User.objects.filter(is_active=True, vendor__isnull=True, role__in=ALERT_CLIENT_ROLES))
    users |= set(User.objects.filter(is_active=True, vendor=vendor, role="vendor_manager"))
    if rule.created_by is not None:
        users.add(rule.created_by)
    return sorted(users, key=lambda u: u.pk)


def evaluate_alerts(now: dt.datetime | None = None) -> dict[str, int]:
    """Evaluate every active rule for each of its vendors at ``now`` (default: the present).

    A breach (a value exists, n ≥ the rule's minimum and it misses the target) opens an alert —
    or updates the one already open or acknowledged for that rule and vendor (de-duplicated; no
    second notification). A window back within target resolves it. New and resolved alerts are
    notified in-app to the client's outsourcing managers and project leads, the vendor's
    managers and the rule's author. Returns counts: opened, updated, resolved."""
    from steward.core.notifications import notify
    from steward.metrics import engine, formulas, selectors
    from steward.metrics.models import Alert, AlertRule

    now = now or timezone.now()
    counts = {"opened": 0, "updated": 0, "resolved": 0}
    outbox = []  # (alert, msgid, params): sent to the project's channels once the loop is done
    rules = AlertRule.objects.filter(active=True).select_related("project", "vendor", "created_by")
    for rule in rules:
        target = sla.parse_target(rule.target)
        window = alert_window(rule, now)
        vendors = [rule.vendor] if rule.vendor else list(rule.project.vendors.order_by("code"))
        common = {"user": SYSTEM_READER, "project": rule.project, "vendors": [v.code for v in vendors],
                  "key": rule.metric, "params": rule.params, "scope": engine.Scope.of(rule.scope)}
        results = selectors.results_by_vendor(period=window, **common)
        over, share = rule.window == "intervals", formulas.CATALOG[rule.metric].kind == "proportion"
        recent, pace = {}, 0.0
        if not over:
            # The window runs to the end of the local day (month): forecast its remaining volume at
            # the pace so far, and read the trend of the last two hours (docs/metrics.md, Alerts).
            ends = window_end(rule, now)
            elapsed = (now - window.start).total_seconds()
            pace = max((ends - now).total_seconds(), 0) / elapsed if elapsed > 0 else 0.0
            if share:
                trend_start = max(window.start, now - TREND)
                trend = engine.Period(window.first, window.last, window.time_zone, trend_start, now)
                recent = selectors.results_by_vendor(period=trend, **common)
        for vendor in vendors:
            result = results[vendor.code]
            look = _outlook(target, result, recent.get(vendor.code), over=over, share=share, pace=pace)
            with transaction.atomic():
                current = (Alert.objects.select_for_update().filter(rule=rule, vendor=vendor)
                           .exclude(status=Alert.Status.RESOLVED).first())
                enough = result.value is not None and result.n >= rule.min_contacts
                if enough and look.status in ("breach", "at_risk"):
                    numbers = {"value": result.value, "numerator": result.numerator, "denominator": result.denominator,
                               "ci_low": result.interval_low, "ci_high": result.interval_high,
                               "window_start": window.start, "window_end": window.end, "last_seen_at": now,
                               "severity": look.status, "reason": look.reason,
                               "projected": None if look.projected is None else float(look.projected)}
                    # Told again, once, when it gets worse: a breach, or out of reach at the pace so far.
                    escalated = current is not None and current.severity == "at_risk" and (
                        look.status == "breach" or (look.reason == "cannot_reach" and current.reason != "cannot_reach"))
                    if current is None or escalated:
                        if current is None:
                            alert = Alert.objects.create(rule=rule, project=rule.project, vendor=vendor,
                                                         opened_at=now, worst_value=result.value, **numbers)
                            counts["opened"] += 1
                        else:
                            alert = current
                            for k, v in numbers.items():
                                setattr(alert, k, v)
                            alert.save()
                            counts["updated"] += 1
                        message = _alert_message(rule, vendor, result, look)
                        notify(_recipients(rule, vendor), *message, url=alert.get_absolute_url())
                        outbox.append((alert, *message))
                    else:
                        worse = (result.value < current.worst_value) if target.higher_is_better else (
                            result.value > current.worst_value)
                        for k, v in numbers.items():
                            setattr(current, k, v)
                        if current.worst_value is None or worse:
                            current.worst_value = result.value
                        current.save()
                        counts["updated"] += 1
                elif current is not None and result.value is not None and look.status == "ok":
                    current.status, current.resolved_at, current.last_seen_at = Alert.Status.RESOLVED, now, now
                    current.value = result.value
                    current.save(update_fields=["status", "resolved_at", "last_seen_at", "value"])
                    counts["resolved"] += 1
                    message = (gettext_noop(
                        "Resolved: %(metric)s of %(vendor)s in %(project)s is back within target (%(value)s)"),
                        {"metric": rule.metric, "vendor": vendor.name, "project": rule.project.name,
                         "value": f"{result.value:.4g}"})
                    notify(_recipients(rule, vendor), *message, url=current.get_absolute_url())
                    outbox.append((current, *message))
    for alert, message, params in outbox:  # after the row locks: the network is slow
        deliver_alert(alert, message, params)
    return counts


CHANNEL_HOSTS = {"feishu": ("open.feishu.cn", "open.larksuite.com"), "dingtalk": ("oapi.dingtalk.com",),
                 "wecom": ("qyapi.weixin.qq.com",)}


def _clean_channel(kind: str, target: str) -> str:
    from urllib.parse import urlsplit

    from django.core.validators import validate_email

    target = (target or "").strip()
    if kind == "email":
        addresses = [a.strip() for a in target.replace(";", ",").split(",") if a.strip()]
        if not addresses:
            raise ValidationError({"target": _("Give one or more email addresses, separated by commas.")})
        for a in addresses:
            try:
                validate_email(a)
            except ValidationError:
                raise ValidationError({"target": _("%(a)s is not an email address.") % {"a": a}}) from None
        return ", ".join(addresses)
    if kind not in CHANNEL_HOSTS:
        raise ValidationError({"kind": _("Unknown channel.")})
    try:
        url = urlsplit(target)
        url.port  # noqa: B018 (a non-numeric port raises here rather than at delivery)
    except ValueError:  # also an unclosed IPv6 bracket ("https://[::1")
        url = urlsplit("")
    if url.scheme not in ("https", "http") or not url.hostname:
        raise ValidationError({"target": _("Give the bot's webhook URL (https://…).")})
    if url.scheme == "http":
        # Plain http only to a receiver on this machine, and only outside production (tests,
        # the demo): in production a rule author must not make the server post to local services.
        if url.hostname not in ("127.0.0.1", "localhost", "::1") or settings.STEWARD_ENV == "production":
            raise ValidationError({"target": _("A bot's webhook must use https.")})
    elif url.hostname not in CHANNEL_HOSTS[kind]:
        # Only the bot service's own host: an arbitrary host would let the server be used to
        # reach internal addresses (SSRF).
        raise ValidationError({"target": _("This bot's webhook URL must be on %(hosts)s.") % {
            "hosts": ", ".join(CHANNEL_HOSTS[kind])}})
    return target


@transaction.atomic
def alert_channel_create(*, actor, project: Project, kind: str, target: str):
    """A project's alert channel (email addresses or a group bot's webhook); client-side rule
    authors only. The bot's own host is not enforced (a proxy or a private deployment is fine),
    but plain http only to this machine."""
    from steward.metrics.models import AlertChannel

    if actor is not None and not (actor.has_perm("metrics.add_alertrule") and actor.is_client_side
                                  and Project.objects.visible_to(actor).filter(pk=project.pk).exists()):
        raise PermissionDenied
    channel = AlertChannel(project=project, kind=kind, target=_clean_channel(kind, target), created_by=actor)
    channel.full_clean()
    channel.save()
    return channel


def alert_channel_toggle(*, actor, channel):
    if actor is not None and not (actor.has_perm("metrics.add_alertrule") and actor.is_client_side):
        raise PermissionDenied
    channel.active = not channel.active
    channel.save(update_fields=["active"])
    return channel


def deliver_alert(alert, message: str, params: dict, *, timeout: float = 5.0) -> list[dict]:
    """Send an alert's message to every active channel of its project — email, or the Feishu,
    DingTalk or WeCom bot in its own format — in the site's language, with a link to the alert
    (absolute when STEWARD_PUBLIC_URL is set). Each attempt is recorded on the alert
    (``deliveries``); a failing channel never stops the others."""
    import json
    import os
    import urllib.error
    import urllib.request

    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import translation

    from steward.metrics import alert_messages
    from steward.metrics.models import AlertChannel

    channels = list(AlertChannel.objects.filter(project=alert.project_id, active=True).order_by("pk"))
    if not channels:
        return []
    base = os.environ.get("STEWARD_PUBLIC_URL", getattr(settings, "STEWARD_PUBLIC_URL", "")).rstrip("/")
    url = base + alert.get_absolute_url()
    records = []
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Steward alert")
        text = _(message) % params
        window = _("Window: %(start)s – %(end)s (UTC)") % {"start": f"{alert.window_start:%Y-%m-%d %H:%M}",
                                                            "end": f"{alert.window_end:%Y-%m-%d %H:%M}"}
        lines = [text, window]
        if alert.denominator is not None:
            lines.append(_("Numbers: %(num)s / %(den)s, 95%% interval %(low)s – %(high)s") % {
                "num": f"{alert.numerator:g}", "den": alert.denominator,
                "low": "—" if alert.ci_low is None else f"{alert.ci_low:.4g}",
                "high": "—" if alert.ci_high is None else f"{alert.ci_high:.4g}"})
        link_text = _("Open the alert")
    for channel in channels:
        record = {"channel": channel.pk, "kind": channel.kind, "ok": True, "error": "",
                  "at": timezone.now().isoformat()}
        try:
            if channel.kind == "email":
                send_mail(f"{title}: {text}", "\n".join([*lines, url]), None,
                          [a.strip() for a in channel.target.split(",")])
            else:
                body = json.dumps(alert_messages.payload(channel.kind, title, lines, url, link_text),
                                  ensure_ascii=False).encode()
                request = urllib.request.Request(channel.target, data=body, method="POST",
                                                 headers={"Content-Type": "application/json; charset=utf-8"})
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (validated URL)
                    answer = json.loads(response.read() or b"{}")
                # The bots answer 200 with an error code in the body (errcode / code ≠ 0).
                code = answer.get("errcode", answer.get("code", 0)) if isinstance(answer, dict) else 0
                if code:
                    record.update(ok=False, error=f"bot answered {code}: {answer.get('errmsg', answer.get('msg', ''))}")
        except Exception as exc:  # noqa: BLE001 (one failing channel must not stop the others or the job)
            record.update(ok=False, error=f"{exc.__class__.__name__}: {exc}"[:300])
        records.append(record)
    alert.deliveries = [*(alert.deliveries or []), *records][-50:]
    alert.save(update_fields=["deliveries"])
    return records


@transaction.atomic
def alert_transition(*, actor, alert, to: str):
    """Acknowledge an open alert, or resolve an open or acknowledged one by hand."""
    from steward.metrics.models import Alert

    if not actor.has_perm("metrics.change_alert") or not Alert.objects.visible_to(actor).filter(pk=alert.pk).exists():
        raise PermissionDenied
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    allowed = {"acknowledged": ("open",), "resolved": ("open", "acknowledged")}
    if alert.status not in allowed.get(to, ()):
        raise ValidationError(_("This alert is %(status)s; it cannot become %(to)s.")
                              % {"status": alert.get_status_display(), "to": to})
    now = timezone.now()
    if to == "acknowledged":
        alert.status, alert.acknowledged_at, alert.acknowledged_by = to, now, actor
    else:
        alert.status, alert.resolved_at = to, now
    alert.save()
    return alert


# ------------------------------------------------------------------ holiday years

HOLIDAY_YEARS = (2000, 2199)  # contacts are stored for 1900–2199; a schedule before 2000 is a typo


@transaction.atomic
def holiday_year_save(*, actor, year: int, holidays: AbstractSet[dt.date],
                      workdays: AbstractSet[dt.date] = frozenset(), source: str = "") -> HolidayYear:
    """Enter (or replace) one year of mainland China's statutory holidays and make-up working
    days. The ``cn-*`` calendars take it at once; business minutes stored in their former
    edition are rebuilt in the background once this commits (as after a calendar change)."""
    errors = holiday_year_problems(year, holidays, workdays)
    if errors:
        raise ValidationError(errors)
    def write(entry: HolidayYear) -> HolidayYear:
        entry.holidays = sorted(d.isoformat() for d in holidays)
        entry.workdays = sorted(d.isoformat() for d in workdays)
        entry.source, entry.updated_by = source.strip()[:300], actor
        entry._history_user = actor  # the audit trail's "who", also from the command line
        entry.save()
        return entry

    try:
        with transaction.atomic():
            entry = write(HolidayYear.objects.select_for_update().filter(year=year).first() or HolidayYear(year=year))
    except IntegrityError:  # the same new year entered at the same moment (a double submit): replace it
        entry = write(HolidayYear.objects.select_for_update().get(year=year))
    _rebuild_stale_business_minutes()
    return entry


def holiday_year_problems(year: int, holidays: AbstractSet[dt.date],
                          workdays: AbstractSet[dt.date]) -> dict[str, list[str]]:
    """What is wrong with a year's schedule, by field (empty: nothing)."""
    if not HOLIDAY_YEARS[0] <= year <= HOLIDAY_YEARS[1]:
        return {"year": [_("Enter a year from %(first)s to %(last)s.") % {
            "first": HOLIDAY_YEARS[0], "last": HOLIDAY_YEARS[1]}]}
    errors: dict[str, list[str]] = {}

    def other_year(days):
        return ", ".join(d.isoformat() for d in sorted(days) if d.year != year)

    if not holidays:
        errors.setdefault("holidays", []).append(_("Enter the year's holidays."))
    if outside := other_year(holidays):
        errors.setdefault("holidays", []).append(_("Not in %(year)s: %(dates)s.") % {"year": year, "dates": outside})
    if outside := other_year(workdays):
        errors.setdefault("workdays", []).append(_("Not in %(year)s: %(dates)s.") % {"year": year, "dates": outside})
    if weekdays := [d for d in sorted(workdays) if d.weekday() < 5]:
        errors.setdefault("workdays", []).append(
            _("A make-up working day is a Saturday or Sunday that is worked; these are weekdays: %(dates)s.")
            % {"dates": ", ".join(d.isoformat() for d in weekdays)})
    if both := holidays & workdays:
        errors.setdefault("workdays", []).append(_("Both a holiday and a working day: %(dates)s.") % {
            "dates": ", ".join(d.isoformat() for d in sorted(both))})
    return errors


@transaction.atomic
def holiday_year_delete(*, actor, entry: HolidayYear) -> None:
    """Remove an entered year: the ``cn-*`` calendars go back to the package's data (or stop
    covering that year), and stored business minutes follow in the background."""
    entry._history_user = actor
    entry.delete()  # the history keeps what it said and who removed it
    _rebuild_stale_business_minutes()


def _rebuild_stale_business_minutes() -> None:
    from steward.interactions import services as interactions, tasks  # the rollups' owner

    def enqueue():
        for project_id in interactions.business_minutes_stale():
            tasks.rebuild_business_minutes.enqueue(project_id)

    transaction.on_commit(enqueue)
