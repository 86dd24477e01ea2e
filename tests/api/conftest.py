"""API clients per persona and URL helpers for the generic API tests."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient


def api_url(model, pk=None) -> str:
    """``/api/<app>/<entity>/`` or its ``<pk>/``."""
    meta = model._meta
    name = f"api:{meta.app_label}-{meta.model_name}-{'detail' if pk else 'list'}"
    return reverse(name, args=[pk] if pk else [])


@pytest.fixture
def api_for():
    """``api_for(user)``: an API client signed in (session) as ``user``; ``None`` = anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "schemathesis: property-based run against /api/schema/ (about a minute)"
    )
