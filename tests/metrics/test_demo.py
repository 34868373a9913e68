"""Demo SLA policies: one per demo project, valid, measuring only the project's channels, and
loaded once however often the demo runs."""

from io import StringIO

from steward.core import demo as core_demo
from steward.core.models import Project
from steward.metrics import demo, sla
from steward.metrics.models import SlaPolicy


def test_demo_policies_are_attached_once(db):
    core_demo.load(StringIO())
    demo.load(StringIO())
    demo.load(StringIO())
    assert SlaPolicy.objects.count() == Project.objects.count() == len(demo.POLICIES)
    for row in SlaPolicy.objects.select_related("project"):
        policy = sla.parse_policy(row.yaml_text)
        assert (row.version, policy.sla) == (1, row.project.code)
        for term in policy.terms:
            assert set(term.scope_values.get("channel", row.project.channels)) <= set(row.project.channels)
