"""Generic CRUD tests: every domain model's pages, tried by every persona."""

import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bureau.models import DomainModel, ReferenceModel
from portal import registry
from tests.crud_cases import CASES, CASES_BY_MODEL

pytestmark = pytest.mark.django_db


def url(case, action, obj=None):
    model = case.model
    name = f"{model.url_namespace}:{model._meta.model_name}-{action}"
    return reverse(name, args=[obj.pk] if obj is not None else [])


def test_every_domain_model_is_declared():
    models = [
        model
        for model in apps.get_models()
        if issubclass(model, DomainModel | ReferenceModel)
    ]
    declared = {entity.model for entity in registry.declarations()}
    missing = [m.__name__ for m in models if m not in declared]
    assert models and not missing, f"models without a declaration in <app>/entities.py: {missing}"


def test_every_declared_entity_has_a_crud_case():
    missing = [e.model.__name__ for e in registry.declarations() if e.model not in CASES_BY_MODEL]
    assert not missing, f"entities without CRUD test data in tests/crud_cases.py: {missing}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_staff_lists_and_opens_records(case, township, staff_client):
    obj = case.make(township)
    response = staff_client.get(url(case, "list"))
    assert response.status_code == 200
    assert obj.get_absolute_url() in response.content.decode()
    assert "共 " in response.content.decode()
    detail = staff_client.get(url(case, "detail", obj))
    assert detail.status_code == 200
    assert "变更记录" in detail.content.decode()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_list_search_and_sort_keep_working(case, township, staff_client):
    case.make(township)
    response = staff_client.get(url(case, "list"), {"q": "不存在的记录名称", "sort": "-pk"})
    assert response.status_code == 200
    assert "暂无记录" in response.content.decode()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_create_edit_delete_round_trip_keeps_history(
    case, township, admin_user, staff_user, client_for
):
    user = admin_user if case.admin_only else staff_user
    client = client_for(user)
    model = case.model
    before = model.objects.count()
    assert client.get(url(case, "create")).status_code == 200
    response = client.post(url(case, "create"), case.data(township))
    assert response.status_code == 302, _form_errors(response)
    assert model.objects.count() == before + 1
    obj = model.objects.order_by("-pk").first()

    field, value = case.change
    data = _current_form_data(client, url(case, "update", obj))
    data[field] = value
    response = client.post(url(case, "update", obj), data)
    assert response.status_code == 302, _form_errors(response)
    obj.refresh_from_db()
    assert str(getattr(obj, field)) == str(value)

    history = list(obj.history.all())
    # a many-to-many save adds a "~" row of its own, hence the set
    assert history[-1].history_type == "+" and {h.history_type for h in history[:-1]} == {"~"}
    assert history[0].history_user == user
    # The navbar names the user on every page: the history rows are read on their own.
    rows = _history_rows(client.get(url(case, "detail", obj)).content.decode())
    assert any(row.startswith("修改") and row.endswith(f"· {user}") for row in rows), rows

    assert "确认删除" in client.get(url(case, "delete", obj)).content.decode()
    response = client.post(url(case, "delete", obj))
    assert response.status_code == 302
    assert not model.objects.filter(pk=obj.pk).exists()
    assert model.history.filter(id=obj.pk, history_type="-").exists()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_leader_reads_but_changes_nothing(case, township, leader_client):
    obj = case.make(township)
    assert leader_client.get(url(case, "list")).status_code == 200
    assert leader_client.get(url(case, "detail", obj)).status_code == 200
    assert leader_client.get(url(case, "create")).status_code == 403
    assert leader_client.post(url(case, "create"), case.data(township)).status_code == 403
    assert leader_client.post(url(case, "update", obj), {}).status_code == 403
    assert leader_client.post(url(case, "delete", obj)).status_code == 403
    assert case.model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_outsider_gets_nothing(case, township, outsider_client, client):
    obj = case.make(township)
    for path in (url(case, "list"), url(case, "detail", obj), url(case, "create")):
        assert outsider_client.get(path).status_code == 403
        anonymous = client.get(path)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize("case", [c for c in CASES if c.admin_only], ids=str)
def test_only_administrators_change_reference_data(case, township, staff_client):
    obj = case.make(township)
    assert staff_client.get(url(case, "detail", obj)).status_code == 200
    assert staff_client.get(url(case, "create")).status_code == 403
    assert staff_client.post(url(case, "delete", obj)).status_code == 403


@pytest.mark.parametrize("case", [c for c in CASES if c.scoped and not c.admin_only], ids=str)
def test_liaison_sees_and_edits_only_own_township(case, township, other_township, liaison_client):
    own = case.make(township)
    other = case.make(other_township)
    listing = liaison_client.get(url(case, "list")).content.decode()
    assert own.get_absolute_url() in listing
    assert other.get_absolute_url() not in listing
    assert liaison_client.get(url(case, "detail", own)).status_code == 200
    for action in ("detail", "update", "delete"):
        assert liaison_client.get(url(case, action, other)).status_code == 404
    assert liaison_client.post(url(case, "delete", other)).status_code == 404
    response = liaison_client.post(url(case, "create"), case.data(township))
    assert response.status_code == 302, _form_errors(response)


@pytest.mark.parametrize("case", [c for c in CASES if not c.scoped], ids=str)
def test_liaison_has_no_district_wide_records(case, township, liaison_client):
    obj = case.make(township)
    assert liaison_client.get(url(case, "detail", obj)).status_code == 403
    assert liaison_client.get(url(case, "create")).status_code == 403


@pytest.mark.parametrize("case", CASES, ids=str)
def test_list_query_count_does_not_grow_with_rows(case, staff_client, township):
    counts = []
    for target in (5, 50):
        for _ in range(target - case.model.objects.count()):
            case.make(township)
        assert case.model.objects.count() >= target
        cache.clear()  # the filter form is counted too, not served from the first request
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(url(case, "list"))  # 5 rows, then a page of 25
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{case}: {counts[0]} queries for 5 rows, {counts[1]} for 50"


def _history_rows(page: str) -> list[str]:
    """The first line of each entry of the detail page's change history ("修改 · date · who"),
    its markup and surrounding space removed."""
    block = page.split('class="list-group list-group-flush history">', 1)[1].split("</div>", 1)[0]
    entries = re.findall(r'<li class="list-group-item small">(.*?)(?:<ul|</li>)', block, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", entry).split()) for entry in entries]


def _current_form_data(client, path):
    """The edit form's initial values, as a browser would submit them."""
    form = client.get(path).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    return data


def _form_errors(response):
    context = getattr(response, "context", None)
    if context and "form" in context:
        return context["form"].errors.as_json()
    return response.status_code


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hand_edited_addresses_never_break_a_page(case, township, admin_user, client_for, settings):
    """Every filter, sort, page and prefilled field given nonsense answers a page, not a 500."""
    settings.LOOKUP_DROPDOWN_MAX = 0  # the search boxes' widgets read the address too
    case.make(township)
    client = client_for(admin_user)
    viewset = registry.viewset_for(case.model)
    nonsense = {"sort": "-", "page": "-1", "q": "\x00"}
    response = client.get(
        url(case, "list"), {**dict.fromkeys(viewset.filterset.base_filters, "abc"), **nonsense}
    )
    assert response.status_code == 200
    response = client.get(url(case, "create"), dict.fromkeys(viewset.fields, "abc"))
    assert response.status_code == 200
