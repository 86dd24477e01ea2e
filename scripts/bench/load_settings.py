"""Production settings for the load test, except static files: plain storage instead of the
hashed manifest, so no collectstatic into the shared tree is needed (the test fetches no static
file)."""

from bureau.settings import *  # noqa: F403
from bureau.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
