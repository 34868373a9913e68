"""SLA policies for both walked vendors' own projects; vendor B's policy name and text are
markers that must not reach vendor A (the KPI pages are walked with the interactions rows)."""

from steward.metrics import services

POLICY = """sla: {name}
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    target: ">= 0.80"
    allocation_percent: 100
"""


def seed(world):
    admin = world.user("client_admin")
    for project, name in ((world.project_a, "alphasla-hotline"), (world.project_b, "bravosecret-sla")):
        services.sla_policy_save(actor=admin, project=project, text=POLICY.format(name=name))
    seed_alerts(world)
    # alert channels: client-side configuration; vendor B's project's bot URL must reach no vendor user
    services.alert_channel_create(actor=admin, project=world.project_b, kind="feishu",
                                  target="https://open.feishu.cn/open-apis/bot/v2/hook/bravosecret-hook")


def seed_alerts(world):
    """An alert of vendor B on its own project: its page, transition and API row must not reach A."""
    import datetime as dt

    from steward.metrics.models import Alert

    # the same rule on A's project, so the rule's texts (metric, target) are not secrets of B's
    services.alert_rule_create(actor=world.user("client_admin"), project=world.project_a,
                               metric="service_level", target=">= 0.80", window="day")
    rule = services.alert_rule_create(actor=world.user("client_admin"), project=world.project_b,
                                      metric="service_level", target=">= 0.80", window="day")
    now = dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)
    Alert.objects.create(rule=rule, project=world.project_b, vendor=world.vendor_b, opened_at=now, last_seen_at=now,
                         window_start=now - dt.timedelta(hours=2), window_end=now, value=0.1, numerator=1,
                         denominator=10, worst_value=0.1)
