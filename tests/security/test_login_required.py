"""Every page needs login except the login page and the health endpoint.

The test walks every URL pattern of the project (so pages added later are covered): an
anonymous GET is sent to the login page, or answered 401/403 by the API; only the views listed
in ``PUBLIC`` open without login. Templates carry no inline script, so the CSP can forbid them.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.security.urlwalk import fill, is_regex, iter_routes

pytestmark = pytest.mark.django_db

# URL names (with namespace) that must answer without login.
PUBLIC = {"login", "healthz"}
# Django's admin has its own login page; its other views check staff rights themselves.
ADMIN_NAMESPACE = "admin"
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


def _sample_path(route: str) -> str | None:
    # Regular expressions (admin internals) are covered by the exemption check instead.
    return None if is_regex(route) else fill(route)


ROUTES = list(iter_routes())


def _is_api_view(callback) -> bool:
    return hasattr(callback, "cls") or hasattr(callback, "initkwargs")


def test_only_login_health_api_and_admin_are_exempt_from_the_login_middleware():
    exempt = {
        name or route
        for route, name, callback in ROUTES
        if getattr(callback, "login_required", True) is False
        and not _is_api_view(callback)
        and not (name or "").startswith(f"{ADMIN_NAMESPACE}:")
        and not route.startswith("static/")
    }
    assert exempt == PUBLIC


@pytest.mark.parametrize(
    "route,name",
    [(route, name) for route, name, _ in ROUTES if _sample_path(route)],
    ids=lambda value: str(value),
)
def test_anonymous_get_is_sent_to_login_or_refused(route, name, settings):
    # /healthz checks only the database and migrations without a broker, so it answers 200
    # here whether or not the suite runs with Redis (with Redis and no worker it would be 503).
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    path = _sample_path(route)
    response = Client().get(path)
    if name in PUBLIC or name == f"{ADMIN_NAMESPACE}:login":
        assert response.status_code == 200, path
    elif name == "api:token":
        # Open by design (it is where a program logs in), and for POST only: a GET gets 405.
        assert response.status_code == 405, path
    elif path.startswith("/api/") and not path.startswith("/api/docs/"):
        # Programs get 401 before anything else is looked at (their sample id, the method).
        assert response.status_code == 401, (path, response.status_code)
    else:
        assert response.status_code == 302, (path, response.status_code)
        assert response["Location"].startswith(LOGIN_PAGES), (path, response["Location"])


def test_login_page_itself_opens(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_pages_carry_a_csp_without_inline_scripts(client):
    csp = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\s on[a-z]+\s*=\s*[\"']", re.I | re.X)


def test_no_template_has_an_inline_script_or_event_handler():
    """The CSP allows scripts from the portal's own files only; inline ones would not run."""
    offenders = []
    roots = [Path(settings.BASE_DIR) / "templates"] + [
        p for p in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in str(p)
    ]
    for root in roots:
        for template in root.rglob("*.html"):
            text = template.read_text("utf-8")
            if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text) or "javascript:" in text:
                offenders.append(str(template.relative_to(settings.BASE_DIR)))
    assert not offenders, f"inline scripts in {offenders}"
