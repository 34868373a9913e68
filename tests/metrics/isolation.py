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
