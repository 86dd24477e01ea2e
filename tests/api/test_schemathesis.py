"""Property-based run of every operation in ``/api/schema/`` (schemathesis).

Random valid and invalid requests, as an administrator (who may call every operation), against
the in-process WSGI app and the test database. Checks: no server error, responses match the
schema, declared content types, and a bulk action's ``filter`` with a key its list does not
know writes nothing (issue 23). Bounded to a few examples per operation so it stays well under
a minute in CI; ``-m "not schemathesis"`` skips it.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)
from schemathesis.config import SchemathesisConfig

from config.wsgi import application
from tests.factories import EnterpriseFactory, TownshipFactory, UserFactory

EXAMPLES_PER_OPERATION = 3

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Random uploads to /api/imports/jobs/ are stored: keep them out of the working tree.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_token(db):
    admin = UserFactory(username="fuzz-admin", role="admin", is_superuser=True)
    # A few rows so that filters by id and foreign keys meet real records now and then.
    EnterpriseFactory(township=TownshipFactory(code="370302001", name="城关街道"))
    return Token.objects.create(user=admin).key


@pytest.fixture
def keep_test_connection():
    """Through the real WSGI handler every request would close the database connection, and
    with it the test's transaction; Django's own test client disconnects the same handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _load_schema():
    # Generated in-process (no request, no database) so that pytest gets one item per
    # operation at collection; test_schema_endpoint checks /api/schema/ serves the same.
    global _DOCUMENT
    document = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    _DOCUMENT = document
    # The coverage phase adds dozens of deterministic cases per operation regardless of
    # max_examples; the random phase alone keeps the run bounded.
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
    loaded = schemathesis.openapi.from_dict(json.loads(document), config=config)
    loaded.app = application
    return loaded


_DOCUMENT = b"{}"
schema = _load_schema()


def _list_filters(path: str) -> set[str]:
    """The query parameters the entity's list (``GET …/``) documents, ``page`` aside."""
    operation = json.loads(_DOCUMENT)["paths"].get(path, {}).get("get", {})
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"} - {
        "page",
        "ordering",
    }


def bulk_filters_are_the_lists_own(ctx, response, case):
    """A bulk action whose ``filter`` names a key the list does not know writes nothing: 400.
    (A key it ignored once selected every record.)"""
    path = case.operation.path
    if not path.endswith(("/bulk-update/", "/bulk-delete/")) or not isinstance(case.body, dict):
        return None
    selection = case.body.get("filter")
    if not isinstance(selection, dict) or "ids" in case.body:
        return None
    unknown = set(selection) - _list_filters(path.rsplit("/bulk-", 1)[0] + "/")
    if unknown and response.status_code in (200, 202):
        raise AssertionError(
            f"bulk filter with unknown keys {sorted(unknown)} answered {response.status_code}"
        )
    return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,  # no .hypothesis/ example store in the working tree
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_survives_random_requests(case, api_token, keep_test_connection):
    case.call_and_validate(
        headers={"Authorization": f"Token {api_token}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            bulk_filters_are_the_lists_own,
        ],
    )
