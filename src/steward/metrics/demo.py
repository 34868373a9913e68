"""Demo SLA policies: DESIGN.md's example adapted to each demo project's channels, so the demo
dashboard and SLA pages show Cedar (which deteriorates) missing terms and paying credits.

Idempotent: a policy already saved for a project is left as it is (new versions are the
user's to write). Each policy term also becomes an alert rule, evaluated at the end of the
demo data's last days, so Cedar shows open alerts."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from steward.core.models import Project
from steward.interactions.models import Rollup
from steward.metrics import services, sla
from steward.metrics.models import AlertRule, SlaPolicy

POLICIES = {
    "presales-chat": """sla: presales-chat
version: 1
calendar: cn-9x18
at_risk_percent: 10            # share of the period's fees at risk
terms:
  - metric: service_level
    params: {threshold_seconds: 30, short_abandon_seconds: 5}
    scope: {channel: chat}
    period: month
    target: ">= 0.50"
    allocation_percent: 40     # share of the at-risk pool on this term
    credit_tiers: [{below: 0.50, credit_percent: 50}, {below: 0.40, credit_percent: 100}]
  - metric: abandon_rate
    params: {short_abandon_seconds: 5}
    scope: {channel: chat}
    target: "<= 0.10"
    allocation_percent: 20
  - metric: csat
    params: {scale: 5, top_box: 2}
    target: ">= 0.75"
    allocation_percent: 40
    bonus: {at_or_above: 0.90, bonus_percent: 2}
""",
    "aftersales-voice": """sla: aftersales-voice
version: 1
at_risk_percent: 12
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    scope: {channel: voice}
    target: ">= 0.40"
    allocation_percent: 40
    credit_tiers: [{below: 0.40, credit_percent: 50}, {below: 0.30, credit_percent: 100}]
  - metric: abandon_rate
    params: {short_abandon_seconds: 5}
    scope: {channel: voice}
    target: "<= 0.10"
    allocation_percent: 20
    credit_tiers: [{above: 0.10, credit_percent: 50}, {above: 0.15, credit_percent: 100}]
  - metric: csat
    params: {scale: 5, top_box: 2}
    target: ">= 0.70"
    allocation_percent: 40
    bonus: {at_or_above: 0.90, bonus_percent: 2}
""",
    "support-email": """sla: support-email
version: 1
at_risk_percent: 10
terms:
  - metric: first_response_within
    params: {threshold: {urgent: 4h, high: 8h, normal: 8h, low: 24h}}
    scope: {channel: [email, ticket]}
    target: ">= 0.85"
    allocation_percent: 50
    credit_tiers: [{below: 0.85, credit_percent: 50}, {below: 0.70, credit_percent: 100}]
  - metric: csat
    params: {scale: 5, top_box: 2}
    target: ">= 0.75"
    allocation_percent: 30
  - metric: complaint_rate
    target: "<= 0.02"
    allocation_percent: 20
""",
}


ALERT_DAYS = 5  # the demo evaluates the alert rules at the end of each of the data's last days


def _alert_rules() -> int:
    """An alert rule per term of each demo policy (its metric, parameters, scope and target),
    watching the day so far; service-level and first-response terms also the month so far."""
    created = 0
    for row in SlaPolicy.objects.filter(name__in=POLICIES, version=1).select_related("project"):
        if AlertRule.objects.filter(project=row.project).exists():
            continue
        for term in sla.parse_policy(row.yaml_text).terms:
            windows = ["day"] + (["month"] if term.metric in ("service_level", "first_response_within") else [])
            for window in windows:
                services.alert_rule_create(actor=None, project=row.project, metric=term.metric, target=str(term.target),
                                           window=window, params=term.params, scope=term.scope, min_contacts=30)
                created += 1
    return created


def load(stdout) -> None:
    created = 0
    for code, text in POLICIES.items():
        project = Project.objects.filter(code=code).first()
        if project is None or SlaPolicy.objects.filter(project=project, name=code).exists():
            continue
        services.sla_policy_save(actor=None, project=project, text=text)
        created += 1
    rules = _alert_rules()
    counts = {"opened": 0}
    if rules and Rollup.objects.exists():
        # The demo contacts end yesterday: evaluate as the scheduled task would have at the end
        # of each of the last days, so Cedar's deterioration shows as open alerts.
        tz = zoneinfo.ZoneInfo("Asia/Shanghai")
        today = dt.datetime.now(tz).date()
        for back in range(ALERT_DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            now = dt.datetime.combine(day, dt.time(23, 59), tz)
            for k, v in services.evaluate_alerts(now).items():
                counts[k] = counts.get(k, 0) + v
    stdout.write(f"Metrics: {created} demo SLA policies attached, {rules} alert rules, "
                 f"{counts['opened']} alerts opened.")
