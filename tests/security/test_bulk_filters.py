"""Bulk filters (issue 23, finding 4): a ``filter`` key the list does not know, or a value it
refuses, is a 400 naming each, and nothing is written; the API's bulk ``filter`` accepts exactly
the list's own parameters, ``search`` included, and selects exactly the rows ``GET …/`` lists;
the page's "all matching" selection refuses the same; the trash restores a whole bulk deletion.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enterprises.models import Enterprise
from portal.bulk import Selection, SelectionError
from portal.registry import viewset_for
from tests import factories as f

pytestmark = pytest.mark.django_db
UPDATE = "/api/enterprises/enterprise/bulk-update/"
DELETE = "/api/enterprises/enterprise/bulk-delete/"
LIST = "/api/enterprises/enterprise/"


@pytest.fixture
def records(township):
    return f.EnterpriseFactory.create_batch(4, township=township, is_above_scale=False)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize(
    "key, value",
    [("pk", "1"), ("id__in", "1,2"), ("township__in", "1"), ("q", "x"), ("ordering", "name")],
)
def test_an_unknown_filter_key_is_named_and_nothing_is_written(
    key, value, records, staff_user, client_for
):
    client = client_for(staff_user)
    response = _post(client, UPDATE, {"filter": {key: value}, "changes": {"is_above_scale": True}})
    assert response.status_code == 400
    assert key in str(response.json()["filter"]) and "未知的筛选参数" in str(response.json())
    assert not Enterprise.objects.filter(is_above_scale=True).exists()
    response = _post(client, DELETE, {"filter": {key: value}})
    assert response.status_code == 400
    assert Enterprise.objects.count() == len(records)


def test_an_invalid_filter_value_is_named_and_nothing_is_written(records, staff_user, client_for):
    response = _post(
        client_for(staff_user),
        DELETE,
        {"filter": {"township": "not-a-number", "bogus": "1"}},
    )
    assert response.status_code == 400
    errors = str(response.json()["filter"])
    assert "township" in errors and "bogus" in errors
    assert Enterprise.objects.count() == len(records)


def test_search_selects_exactly_the_rows_the_list_shows(records, staff_user, client_for):
    client = client_for(staff_user)
    target = records[1]
    listed = client.get(LIST, {"search": target.credit_code}).json()["results"]
    assert [row["id"] for row in listed] == [target.pk]
    response = _post(
        client,
        UPDATE,
        {"filter": {"search": target.credit_code}, "changes": {"is_above_scale": True}},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["written"] == 1
    assert list(Enterprise.objects.filter(is_above_scale=True)) == [target]


def test_the_pages_all_matching_selection_refuses_an_unknown_key(records, staff_user):
    viewset = viewset_for(Enterprise)
    with pytest.raises(SelectionError, match="bogus"):
        Selection(None, "bogus=1").resolve(viewset, staff_user)
    found, total = Selection(None, f"q={records[0].credit_code}&sort=-name").resolve(
        viewset, staff_user
    )
    assert total == 1 and list(found) == [records[0]]


FILTER_KEYS = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key=FILTER_KEYS, value=st.text(max_size=10))
def test_generated_filter_keys_select_what_the_list_shows_or_are_refused(
    key, value, records, staff_user, client_for
):
    """Any key: either the list knows it and the bulk action selects exactly the list's rows,
    or the answer is 400 naming it and nothing changes."""
    client = client_for(staff_user)
    listed = client.get(LIST, {key: value, "page_size": 1000})
    response = _post(client, UPDATE, {"filter": {key: value}, "changes": {"is_above_scale": True}})
    changed = set(Enterprise.objects.filter(is_above_scale=True).values_list("pk", flat=True))
    Enterprise.objects.update(is_above_scale=False)
    if response.status_code == 400:
        assert not changed
        assert "filter" in response.json() or "changes" in response.json()
        return
    assert response.status_code == 200, response.json()
    assert listed.status_code == 200
    assert changed == {row["id"] for row in listed.json()["results"]}


def test_the_trash_restores_a_whole_bulk_deletion_in_one_action(
    records, township, staff_user, client_for, admin_client_
):
    single = f.EnterpriseFactory(township=township)
    response = _post(client_for(staff_user), DELETE, {"filter": {"township": str(township.pk)}})
    assert response.json()["written"] == len(records) + 1
    trash = admin_client_.get(reverse("bureau:trash")).content.decode()
    assert "恢复整批（5 条）" in trash
    reason = Enterprise.history.filter(id=single.pk, history_type="-").get().history_change_reason
    response = admin_client_.post(
        reverse("bureau:trash-restore-batch", args=["enterprises", "enterprise"]),
        {"reason": reason},
    )
    assert response.status_code == 302
    assert Enterprise.objects.count() == len(records) + 1
