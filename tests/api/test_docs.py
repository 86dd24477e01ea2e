"""The schema and its documentation page, served offline from the sidecar's local files."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_schema_is_served_to_signed_in_users_only(api_for, staff_user):
    assert api_for(None).get("/api/schema/").status_code == 401
    response = api_for(staff_user).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "区科技局业务平台 API"
    assert "/api/enterprises/enterprise/" in schema["paths"]
    assert "/api/indicators/" in schema["paths"]
    summary = schema["paths"]["/api/enterprises/enterprise/"]["get"]["summary"]
    assert summary == "企业列表"


def test_docs_page_uses_local_assets_and_no_inline_script(client_for, staff_user):
    client = client_for(staff_user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
        else:
            # The page's own script is served by the same view (the CSP allows 'self' only).
            assert source.startswith("/api/docs/"), source
            script = client.get(source)
            assert script.status_code == 200
            assert "SwaggerUIBundle" in script.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_docs_page_sends_anonymous_visitors_to_login(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
