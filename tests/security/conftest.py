import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_for():
    """``api_for(user)``: an API client signed in (session) as ``user``; ``None`` = anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Uploads, error reports and exports of these tests stay out of the working tree.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
