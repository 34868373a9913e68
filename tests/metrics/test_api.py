"""The metrics API: the CLI's JSON over HTTP, scoped to the user; bad input is a 400."""

from steward.metrics import services

from .test_pages import POLICY, project  # noqa: F401  (fixture)


def test_kpi_api_is_scoped_and_validated(client, world, project):  # noqa: F811
    url = f"/api/metrics/{project.code}/kpi"
    query = {"date_from": "2025-03-01", "date_to": "2025-03-12", "by": "vendor", "metrics": "service_level,csat"}
    client.force_login(world.user("outsourcing_manager"))
    rows = client.get(url, query).json()
    assert [r["group"]["vendor"] for r in rows] == ["alpha", "bravo"]
    assert set(rows[0]["metrics"]) == {"service_level", "csat"}
    assert client.get(url, {**query, "param": "threshold_seconds=30"}).json()[0]["metrics"]["service_level"][
        "params"]["threshold_seconds"] == 30
    assert client.get(url, {**query, "by": "hour"}).status_code == 400
    assert client.get(url, {**query, "metrics": "speed"}).status_code == 400
    assert client.get(url, {**query, "date_to": "2025-02-01"}).status_code == 400
    client.force_login(world.user("a-manager"))
    assert [r["group"]["vendor"] for r in client.get(url, query).json()] == ["alpha"]
    assert client.get(f"/api/metrics/{world.project_b.code}/kpi", query).status_code == 404
    client.force_login(world.user("a-agent1"))
    assert client.get(url, query).status_code == 403


def test_policies_api(client, world, project):  # noqa: F811
    services.sla_policy_save(actor=world.user("client_admin"), project=project, text=POLICY)
    client.force_login(world.user("b-manager"))
    [policy] = client.get(f"/api/metrics/{project.code}/sla-policies").json()
    assert (policy["name"], policy["version"], policy["yaml_text"]) == ("hotline", 1, POLICY)
