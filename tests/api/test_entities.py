"""Every entity's API endpoints, tried by every persona, with the pages' rules.

The data of each entity comes from ``tests/crud_cases.py`` (shared with the page tests), so a new
model is covered here as soon as it has a case there.
"""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.urls import crud_viewsets
from portal import registry
from tests.api.conftest import api_url
from tests.crud_cases import CASES
from tests.factories import TownshipFactory

pytestmark = pytest.mark.django_db

SCOPED = [case for case in CASES if case.scoped and not case.admin_only]
DISTRICT_WIDE = [case for case in CASES if not case.scoped]
ADMIN_ONLY = [case for case in CASES if case.admin_only]


def _writer(case, admin_user, staff_user):
    return admin_user if case.admin_only else staff_user


def test_every_entity_page_has_an_api_endpoint(api_for, staff_user):
    models = {crud.model for crud in crud_viewsets()}
    client = api_for(staff_user)
    for model in models:
        assert client.get(api_url(model)).status_code == 200, model
    assert models >= {case.model for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_staff_lists_and_retrieves_every_entity(case, township, api_for, staff_user):
    obj = case.make(township)
    client = api_for(staff_user)
    listing = client.get(api_url(case.model))
    assert listing.status_code == 200
    assert obj.pk in [row["id"] for row in listing.json()["results"]]
    detail = client.get(api_url(case.model, obj.pk))
    assert detail.status_code == 200
    assert detail.json()["display"] == str(obj)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_create_update_delete_go_through_the_services(
    case, township, api_for, admin_user, staff_user
):
    user = _writer(case, admin_user, staff_user)
    client = api_for(user)
    model = case.model
    created = client.post(api_url(model), case.data(township), format="json")
    assert created.status_code == 201, created.json()
    obj = model.objects.get(pk=created.json()["id"])
    assert obj.history.latest().history_user == user

    field, value = case.change
    updated = client.patch(api_url(model, obj.pk), {field: value}, format="json")
    assert updated.status_code == 200, updated.json()
    obj.refresh_from_db()
    assert str(getattr(obj, field)) == str(value)

    deleted = client.delete(api_url(model, obj.pk))
    assert deleted.status_code == 204
    assert not model.objects.filter(pk=obj.pk).exists()
    last = model.history.filter(id=obj.pk).latest()
    assert (last.history_type, last.history_user) == ("-", user)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_leader_reads_but_every_write_is_403(case, township, api_for, leader_user):
    obj = case.make(township)
    client = api_for(leader_user)
    assert client.get(api_url(case.model, obj.pk)).status_code == 200
    assert client.post(api_url(case.model), case.data(township), format="json").status_code == 403
    assert client.patch(api_url(case.model, obj.pk), {}, format="json").status_code == 403
    assert client.delete(api_url(case.model, obj.pk)).status_code == 403
    assert case.model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_outsider_is_refused_and_sees_nothing(case, township, api_for, outsider_user):
    obj = case.make(township)
    client = api_for(outsider_user)
    for response in (client.get(api_url(case.model)), client.get(api_url(case.model, obj.pk))):
        assert response.status_code == 403
        assert "角色" in response.json()["detail"]
        assert str(obj) not in response.content.decode()


@pytest.mark.parametrize("case", CASES[:3] + SCOPED[:3], ids=str)
def test_anonymous_request_is_401_not_a_login_redirect(case, township, api_for):
    obj = case.make(township)
    anonymous = api_for(None)
    for response in (
        anonymous.get(api_url(case.model)),
        anonymous.get(api_url(case.model, obj.pk)),
        anonymous.post(api_url(case.model), {}, format="json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("case", SCOPED, ids=str)
def test_liaison_sees_and_changes_only_own_township(
    case, township, other_township, api_for, liaison_user
):
    own = case.make(township)
    other = case.make(other_township)
    client = api_for(liaison_user)

    ids = [
        row["id"] for row in client.get(api_url(case.model), {"page_size": 500}).json()["results"]
    ]
    assert own.pk in ids and other.pk not in ids
    assert client.get(api_url(case.model, own.pk)).status_code == 200
    # Another township's id answers as if it did not exist.
    assert client.get(api_url(case.model, other.pk)).status_code == 404
    assert client.patch(api_url(case.model, other.pk), {}, format="json").status_code == 404
    assert client.delete(api_url(case.model, other.pk)).status_code == 404
    assert case.model.objects.filter(pk=other.pk).exists()

    created = client.post(api_url(case.model), case.data(township), format="json")
    assert created.status_code == 201, created.json()


@pytest.mark.parametrize("case", SCOPED, ids=str)
def test_liaison_cannot_create_in_another_township(case, other_township, api_for, liaison_user):
    client = api_for(liaison_user)
    before = case.model.objects.count()
    response = client.post(api_url(case.model), case.data(other_township), format="json")
    # The other township's related records are not choices a liaison has: the field that
    # leads there is refused as if the record did not exist, and nothing is written.
    assert response.status_code == 400, response.json()
    assert set(response.json()) == {case.model.township_lookup.split("__")[0]}, response.json()
    assert case.model.objects.count() == before


@pytest.mark.parametrize("case", DISTRICT_WIDE, ids=str)
def test_liaison_is_refused_district_wide_records(case, township, api_for, liaison_user):
    obj = case.make(township)
    client = api_for(liaison_user)
    assert client.get(api_url(case.model)).status_code == 403
    assert client.get(api_url(case.model, obj.pk)).status_code == 403


@pytest.mark.parametrize("case", [c for c in ADMIN_ONLY if c.scoped], ids=str)
def test_liaison_reads_own_reference_data_but_cannot_change_it(
    case, township, api_for, liaison_user
):
    obj = case.make(township)
    client = api_for(liaison_user)
    assert client.get(api_url(case.model, obj.pk)).status_code == 200
    assert client.patch(api_url(case.model, obj.pk), {}, format="json").status_code == 403
    assert client.post(api_url(case.model), case.data(township), format="json").status_code == 403


@pytest.mark.parametrize("case", ADMIN_ONLY, ids=str)
def test_reference_data_is_written_by_administrators_only(case, township, api_for, staff_user):
    obj = case.make(township)
    client = api_for(staff_user)
    assert client.get(api_url(case.model, obj.pk)).status_code == 200
    response = client.post(api_url(case.model), case.data(township), format="json")
    assert response.status_code == 403
    assert client.delete(api_url(case.model, obj.pk)).status_code == 403


def test_list_query_count_does_not_grow_with_rows(township, api_for, staff_user):
    client = api_for(staff_user)
    for case in CASES:
        case.make(township)
        with CaptureQueriesContext(connection) as few:
            client.get(api_url(case.model))
        for _ in range(4):
            case.make(TownshipFactory() if case.scoped else township)
        with CaptureQueriesContext(connection) as many:
            client.get(api_url(case.model))
        assert len(many) == len(few), f"{case}: {len(few)} -> {len(many)} queries"


def test_every_domain_model_is_exposed():
    exposed = {crud.model for crud in crud_viewsets()}
    domain = {
        model
        for label in registry.entity_apps()
        for model in apps.get_app_config(label).get_models()
        if hasattr(model, "township_lookup")
    }
    assert domain <= exposed, domain - exposed
