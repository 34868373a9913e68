"""Alert channels per project: email and the Feishu, DingTalk and WeCom group bots, each in its
own message format, sent once when an alert opens and once when it resolves; a failing bot is
recorded and never stops the others. A real HTTP receiver on this machine stands in for the
bots' servers (it answers as they do: 200 with an error code in the body)."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.interactions import services as interactions
from steward.metrics import alert_messages, services
from steward.metrics.models import Alert, AlertChannel

from .test_alerts import at, project, rule  # noqa: F401  (fixtures)
from .test_portfolio import voice

pytestmark = pytest.mark.django_db


def test_bot_formats_by_hand():
    lines = ["SL of Bravo is 0 (target >= 0.80)", "Window: 2025-03-03 00:00 – 10:00 (UTC)"]
    feishu = alert_messages.payload("feishu", "Steward alert", lines, "https://s.example/metrics/alerts/1/", "Open")
    assert feishu == {"msg_type": "post", "content": {"post": {"zh_cn": {"title": "Steward alert", "content": [
        [{"tag": "text", "text": lines[0]}], [{"tag": "text", "text": lines[1]}],
        [{"tag": "a", "text": "Open", "href": "https://s.example/metrics/alerts/1/"}]]}}}}
    ding = alert_messages.payload("dingtalk", "Steward alert", lines, "https://s.example/a/1/", "Open [here]")
    assert ding == {"msgtype": "markdown", "markdown": {"title": "Steward alert", "text": (
        "### Steward alert\n\nSL of Bravo is 0 (target >= 0.80)\n> Window: 2025-03-03 00:00 – 10:00 (UTC)"
        "\n\n[Open \\[here\\]](https://s.example/a/1/)")}}
    wecom = alert_messages.payload("wecom", "告警", ["中" * 3000], "https://s.example/a/1/", "打开")
    content = wecom["markdown"]["content"]
    assert wecom["msgtype"] == "markdown" and len(content.encode()) <= 4096
    assert content.startswith("**告警**\n中") and content.endswith("[打开](https://s.example/a/1/)")
    with pytest.raises(ValueError):
        alert_messages.payload("slack", "t", [], "", "")


class Bots(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Bots.received.append((self.path, self.headers["Content-Type"], body))
        answer = {"errcode": 93000, "errmsg": "invalid webhook url"} if self.path == "/bad" else {"errcode": 0}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def bots():
    Bots.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Bots)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_open_and_resolve_reach_every_channel_once(world, project, rule, bots, settings):  # noqa: F811
    settings.LANGUAGE_CODE = "en"
    manager = world.user("outsourcing_manager")
    for kind, path in (("feishu", "/feishu"), ("dingtalk", "/ding"), ("wecom", "/bad")):
        services.alert_channel_create(actor=manager, project=project, kind=kind, target=bots + path)
    services.alert_channel_create(actor=manager, project=project, kind="email", target="ops@client.example; qa@client.example")
    paused = services.alert_channel_create(actor=manager, project=project, kind="dingtalk", target=bots + "/paused")
    services.alert_channel_toggle(actor=manager, channel=paused)
    assert services.evaluate_alerts(at(3, 18))["opened"] == 1
    alert = Alert.objects.get()
    paths = [p for p, _t, _b in Bots.received]
    assert sorted(paths) == ["/bad", "/ding", "/feishu"]  # the paused channel is skipped
    by_path = {p: (t, b) for p, t, b in Bots.received}
    assert by_path["/feishu"][0] == "application/json; charset=utf-8"
    post = by_path["/feishu"][1]["content"]["post"]["zh_cn"]
    assert post["title"] == "Steward alert"
    assert post["content"][0][0]["text"] == ("At risk: service_level of Bravo Secretcorp in Project alert-voice is 0 "
                                             "so far; at the pace so far the window cannot reach >= 0.80 even if "
                                             "every remaining contact succeeds")
    assert post["content"][-1][0]["href"].endswith(f"/metrics/alerts/{alert.pk}/")
    assert "0 / 40" in by_path["/ding"][1]["markdown"]["text"]
    assert by_path["/bad"][1]["msgtype"] == "markdown"
    [email] = mail.outbox
    assert email.to == ["ops@client.example", "qa@client.example"] and "Bravo Secretcorp" in email.subject
    assert f"/metrics/alerts/{alert.pk}/" in email.body
    outcome = {d["kind"]: (d["ok"], d["error"]) for d in alert.deliveries}
    assert outcome["feishu"] == (True, "") and outcome["email"] == (True, "")
    assert outcome["wecom"] == (False, "bot answered 93000: invalid webhook url")
    # the same alert later: updated, not sent again
    assert services.evaluate_alerts(at(3, 19))["updated"] == 1
    assert len(Bots.received) == 3 and len(mail.outbox) == 1
    # recovery: sent once more, as a resolution
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b,
                                records=[{**r, "arrived_at": (at(3, 14) + dt.timedelta(seconds=i)).isoformat()}
                                         for i, r in enumerate(voice("B-fast", 200, 3))],
                                idempotency_key="chan-b2", allow_rejects=False)
    assert services.evaluate_alerts(at(3, 20))["resolved"] == 1
    assert len(Bots.received) == 6 and len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("Steward alert: Resolved")
    alert.refresh_from_db()
    assert len(alert.deliveries) == 8


def test_unreachable_bot_is_recorded(world, project, rule):  # noqa: F811
    services.alert_channel_create(actor=world.user("client_admin"), project=project, kind="feishu",
                                  target="http://127.0.0.1:9/hook")  # the discard port: nobody listens
    services.evaluate_alerts(at(3, 18))
    [delivery] = Alert.objects.get().deliveries
    assert delivery["ok"] is False and delivery["error"]


def test_channels_are_validated_and_client_side_only(client, world, project):  # noqa: F811
    admin = world.user("client_admin")
    for kind, target in (("email", "not-an-address"), ("email", ""), ("feishu", "ftp://x"),
                         ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1"), ("slack", "https://x"),
                         # only the bot service's own host (no SSRF to internal addresses), a numeric port
                         ("feishu", "https://10.0.0.5/hook"), ("dingtalk", "https://169.254.169.254/latest"),
                         ("feishu", "https://open.feishu.cn:abc/open-apis/bot/v2/hook/x"),
                         ("feishu", "https://[::1"), ("dingtalk", "https://[oapi.dingtalk.com/robot")):  # urlsplit raises
        with pytest.raises(ValidationError):
            services.alert_channel_create(actor=admin, project=project, kind=kind, target=target)
    with pytest.raises(PermissionDenied):
        services.alert_channel_create(actor=world.user("b-manager"), project=project, kind="email", target="b@x.example")
    url = reverse("metrics:alert-channels")
    client.force_login(admin)
    assert client.get(reverse("metrics:alerts")).content.decode().count('data-testid="channels-link"') == 1
    bad = client.post(url, {"project": project.code, "kind": "dingtalk", "target": "http://oapi.dingtalk.com/robot"},
                      HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "must use https" in bad.content.decode()
    good = client.post(url, {"project": project.code, "kind": "dingtalk",
                             "target": "https://oapi.dingtalk.com/robot/send?access_token=abc"})
    assert good.status_code == 302
    channel = AlertChannel.objects.get()
    # the webhook URL carries the bot's secret: no vendor-side user reads a channel, even of its project
    for vendor_side in ("a-manager", "b-manager", "a-agent1"):
        assert not AlertChannel.objects.visible_to(world.user(vendor_side)).exists()
    assert AlertChannel.objects.visible_to(admin).get() == channel
    assert client.post(url, {"toggle": channel.pk}).status_code == 302
    assert client.post(url, {"toggle": "abc"}).status_code == 404
    channel.refresh_from_db()
    assert not channel.active
    assert "access_token=abc" in client.get(url).content.decode()
    client.force_login(world.user("b-manager"))
    assert client.get(url).status_code == 403
    assert 'data-testid="channels-link"' not in client.get(reverse("metrics:alerts")).content.decode()
