"""Lost updates (issue 23, finding 7): every edit carries the version it was based on (the
record's ``updated_at``), and a save based on an older version is refused: on the page
记录已被他人修改 with the other person's change beside the user's own; on the API 409 (412 when
the version came as ``If-Match``). A bulk edit made between a form's GET and POST counts too.
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from enterprises.models import Enterprise
from tests import factories as f

pytestmark = pytest.mark.django_db
API = "/api/enterprises/enterprise/"


def _edit_url(enterprise):
    return f"/enterprises/enterprise/{enterprise.pk}/edit/"


def _form_data(client, enterprise) -> dict:
    """The edit form as the browser would post it back: every input's value, unchanged."""
    html = client.get(_edit_url(enterprise)).content.decode()
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return data


@pytest.fixture
def enterprise(township):
    return f.EnterpriseFactory(
        township=township, contact_phone="0533-1111111", address="老地址", is_above_scale=False
    )


def test_the_form_carries_the_version_it_was_opened_on(enterprise, staff_client):
    assert "based_on" in _form_data(staff_client, enterprise)


def test_a_stale_form_is_refused_showing_the_other_persons_change(
    enterprise, staff_client, client_for, admin_user
):
    mine = _form_data(staff_client, enterprise)
    theirs = _form_data(client_for(admin_user), enterprise)
    theirs["contact_phone"] = "0533-2222222"
    assert client_for(admin_user).post(_edit_url(enterprise), theirs).status_code == 302
    mine["address"] = "新地址"
    response = staff_client.post(_edit_url(enterprise), mine)
    page = response.content.decode()
    assert response.status_code == 200
    assert "记录已被他人修改" in page
    conflict = page.split('id="stale-conflict"', 1)[1].split("</table>", 1)[0]
    assert "0533-2222222" in conflict and "0533-1111111" in conflict  # theirs beside the old
    enterprise.refresh_from_db()
    assert (enterprise.contact_phone, enterprise.address) == ("0533-2222222", "老地址")
    # The page now carries the version stored: saving again is a deliberate overwrite.
    again = dict(mine, based_on=re.search(r'name="based_on" value="([^"]+)"', page).group(1))
    assert staff_client.post(_edit_url(enterprise), again).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.address == "新地址"


def test_a_bulk_edit_between_the_forms_get_and_post_is_not_undone(
    enterprise, staff_client, staff_user, client_for
):
    mine = _form_data(staff_client, enterprise)
    response = client_for(staff_user).post(
        f"{API}bulk-update/",
        {"ids": [enterprise.pk], "changes": {"is_above_scale": True}},
        content_type="application/json",
    )
    assert response.status_code == 200
    mine["address"] = "新地址"
    page = staff_client.post(_edit_url(enterprise), mine).content.decode()
    assert "记录已被他人修改" in page
    enterprise.refresh_from_db()
    assert enterprise.is_above_scale and enterprise.address == "老地址"


def test_an_api_put_from_a_stale_get_does_not_overwrite_a_later_patch(enterprise, staff_user):
    client = APIClient()
    client.force_login(staff_user)
    read = client.get(f"{API}{enterprise.pk}/")
    stale = read.json()
    assert read["ETag"]
    patched = client.patch(f"{API}{enterprise.pk}/", {"contact_phone": "0533-3333333"})
    assert patched.status_code == 200
    stale["address"] = "新地址"
    put = client.put(f"{API}{enterprise.pk}/", stale, format="json")
    assert put.status_code == 409 and "记录已被他人修改" in put.json()["detail"]
    enterprise.refresh_from_db()
    assert (enterprise.contact_phone, enterprise.address) == ("0533-3333333", "老地址")
    # If-Match with the old ETag: 412; with the current one the write goes through.
    old = client.patch(
        f"{API}{enterprise.pk}/", {"address": "x"}, HTTP_IF_MATCH=read["ETag"], format="json"
    )
    assert old.status_code == 412
    fresh = client.get(f"{API}{enterprise.pk}/")
    ok = client.patch(
        f"{API}{enterprise.pk}/", {"address": "新地址"}, HTTP_IF_MATCH=fresh["ETag"], format="json"
    )
    assert ok.status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.address == "新地址" and enterprise.contact_phone == "0533-3333333"


WRITES = st.lists(
    st.tuples(st.sampled_from(["put", "patch-if-match", "bulk"]), st.booleans()),
    min_size=2,
    max_size=5,
)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=WRITES)
def test_generated_interleavings_never_lose_a_saved_change(writes, township, staff_user):
    """Several writers read first and write later in a generated order, some reading again
    just before they write: a write is accepted exactly when nothing was saved since its
    read, and an accepted write's value is the one stored (none is silently reverted)."""
    record = f.EnterpriseFactory(township=township, is_above_scale=False)
    client = APIClient()
    client.force_login(staff_user)
    url = f"{API}{record.pk}/"
    version = 0  # how many writes were saved so far
    reads = [(client.get(url), version) for _ in writes]
    for n, ((kind, refresh), (read, read_at)) in enumerate(zip(writes, reads, strict=True)):
        if kind == "bulk":  # sets a value regardless of versions, as 批量修改 does
            response = client.post(
                f"{API}bulk-update/",
                {"ids": [record.pk], "changes": {"is_above_scale": n % 2 == 0}},
                format="json",
            )
            assert response.status_code == 200
            version += response.json()["written"]
            continue
        if refresh:
            read, read_at = client.get(url), version
        value = f"地址{n}"
        if kind == "put":
            response = client.put(url, dict(read.json(), address=value), format="json")
        else:
            response = client.patch(
                url, {"address": value}, HTTP_IF_MATCH=read["ETag"], format="json"
            )
        expected = (409, 412) if read_at != version else (200,)
        assert response.status_code in expected, (kind, response.status_code)
        if response.status_code == 200:
            version += 1
            assert Enterprise.objects.get(pk=record.pk).address == value
