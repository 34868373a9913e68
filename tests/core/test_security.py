"""Production posture: headers, CSRF, sessions, log-in throttling, secrets."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse


def test_security_headers_and_content_security_policy(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_forms_refuse_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "auditor", "password": "correct horse battery"})
    assert response.status_code == 403


def test_session_key_changes_at_log_in(world):
    """Session fixation: a key planted before log-in is not the one used after it."""
    client = Client()
    client.get(reverse("login"))
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    response = client.post(reverse("login"), {"username": "auditor", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.session.session_key != before


def test_repeated_failed_log_ins_lock_the_account(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "auditor", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "auditor", "password": "correct horse battery"})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_successful_log_in_resets_the_failure_count(world):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": "auditor", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "auditor", "password": "correct horse battery"}).status_code == 302


def _settings_in_a_fresh_process(env: dict) -> subprocess.CompletedProcess:
    code = "import django; from django.conf import settings; django.setup(); print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STEWARD_", "DJANGO_"))}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "steward.settings", **env})


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings_in_a_fresh_process({})
    assert result.returncode != 0 and "STEWARD_SECRET_KEY" in result.stderr


def test_production_has_debug_off_and_secure_cookies():
    result = _settings_in_a_fresh_process({"STEWARD_SECRET_KEY": "x" * 50})
    assert result.stdout.split() == ["False", "True"]


def test_demo_generates_and_keeps_its_own_key(tmp_path):
    env = {"STEWARD_ENV": "demo", "STEWARD_VAR_DIR": str(tmp_path)}
    assert _settings_in_a_fresh_process(env).stdout.split()[0] == "True"
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 40 and oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    _settings_in_a_fresh_process(env)
    assert (tmp_path / "secret_key").read_text() == key


@pytest.mark.parametrize("url", ["/vendors/?q=a%00b", "/projects/?q=%00", "/api/vendors?q=%00"])
def test_nul_bytes_in_input_get_a_400_not_a_500(client, world, url):
    client.force_login(world.user("client_admin"))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    if not url.startswith("/api/"):
        assert "could not be read" in response.content.decode()


def test_nul_bytes_in_a_form_get_a_400_and_nothing_is_written(client, world):
    from steward.core.models import Vendor

    client.force_login(world.user("client_admin"))
    response = client.post(reverse("vendor-create"), {"code": "nul", "name": "a\x00b", "status": "active"})
    assert response.status_code == 400 and not Vendor.objects.filter(code="nul").exists()
