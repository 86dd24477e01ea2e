"""Production mode, each in a fresh process with the production environment: the deployment
checklist is clean, the development secret key is refused, and responses carry HSTS, CSP and
secure cookies."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.portal_process import database_url

ROOT = Path(settings.BASE_DIR)
SECRET = "test-only-9c1f0e7a4b2d8e6f3a5c7b9d1e3f5a7c9b1d3e5f7a9c-not-for-production"


@pytest.fixture
def empty_database():
    """A database of its own on the test server, with no tables: what a portal not yet
    migrated meets."""
    server = connection.settings_dict
    params = {
        "dbname": "postgres",
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
    }
    name = f"test_production_{os.getpid()}"

    def admin(sql):
        server_connection = psycopg2.connect(**params)
        try:
            server_connection.autocommit = True
            server_connection.cursor().execute(sql)
        finally:
            server_connection.close()

    admin(f'DROP DATABASE IF EXISTS "{name}"')
    admin(f'CREATE DATABASE "{name}"')
    yield database_url(server, name)
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def production_env(empty_database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return env | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": empty_database,
        "REDIS_URL": "",
    }


def manage(env, *args, check=True):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=check,
    )


def test_check_deploy_is_clean_in_production_mode(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("key", [None, "dev-insecure-bureau-portal-key-change-me"])
def test_production_refuses_to_start_on_the_development_secret_key(production_env, key):
    env = {k: v for k, v in production_env.items() if k != "DJANGO_SECRET_KEY"}
    if key:
        env["DJANGO_SECRET_KEY"] = key
    result = manage(env, "check", check=False)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


# Static files are hashed by collectstatic in production; the probe renders without that step.
PROBE = """
import json
from django.conf import settings
from django.test import Client, override_settings
plain_static = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
override_settings(STORAGES=plain_static).enable()
c = Client(HTTP_HOST="portal.example.gov.cn")
secure = c.get("/accounts/login/", secure=True)
plain = c.get("/accounts/login/")
health = c.get("/healthz")
print("PROBE", json.dumps({
    "status": secure.status_code,
    "headers": dict(secure.headers),
    "cookies": {k: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
                    "samesite": m["samesite"]} for k, m in secure.cookies.items()},
    "plain": [plain.status_code, plain.headers.get("Location")],
    "health": [health.status_code, health.json()],
}))
"""


@pytest.fixture
def production_probe(production_env):
    lines = manage(production_env, "shell", "-c", PROBE).stdout.splitlines()
    # Other lines are the JSON logs of production mode.
    return json.loads(next(line for line in lines if line.startswith("PROBE "))[6:])


def test_https_pages_carry_hsts_csp_and_hardening_headers(production_probe):
    headers = production_probe["headers"]
    assert production_probe["status"] == 200
    assert headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    csp = headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_cookies_are_secure_and_http_only_where_they_can_be(production_probe):
    csrf = production_probe["cookies"]["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_plain_http_is_redirected_except_the_health_probe(production_probe):
    status, location = production_probe["plain"]
    assert status == 301 and location.startswith("https://portal.example.gov.cn/")
    # The probe answers itself instead of redirecting: 503 naming the migrations, because the
    # probe's fresh database has no tables.
    status, body = production_probe["health"]
    assert status == 503
    assert body["status"] == "error" and body["checks"]["migrations"]["ok"] is False, body


def test_session_cookie_is_secure_in_production(production_env):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE)"
    )
    assert manage(production_env, "shell", "-c", code).stdout.split()[-3:] == ["True"] * 3


def test_plain_http_mode_serves_production_pages_without_https(production_env):
    """``DJANGO_PLAIN_HTTP`` (scripts/serve.sh): DEBUG stays off, but pages answer over plain
    HTTP with cookies a browser keeps there, and no HSTS a browser would remember."""
    env = production_env | {"DJANGO_PLAIN_HTTP": "1"}
    probe = PROBE.replace("secure=True", "secure=False")
    lines = manage(env, "shell", "-c", probe).stdout.splitlines()
    result = json.loads(next(line for line in lines if line.startswith("PROBE "))[6:])
    assert result["status"] == 200 and result["plain"][0] == 200
    assert "Strict-Transport-Security" not in result["headers"]
    assert result["cookies"]["csrftoken"]["secure"] is False
    code = "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE)"
    assert manage(env, "shell", "-c", code).stdout.split()[-2:] == ["False", "False"]
