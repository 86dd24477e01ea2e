"""A liaison never reaches another township's award: not through the list, its search, the API,
the export or a bulk action. The control: staff reach it through each."""

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from benefits.models import Award
from tests import factories as f
from tests.api.conftest import api_url

pytestmark = pytest.mark.django_db

MARKER = "外镇兑现企业甲"


@pytest.fixture
def api_for():
    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def theirs(other_township):
    enterprise = f.EnterpriseFactory(township=other_township, name=MARKER)
    return f.AwardFactory(enterprise=enterprise, publicity_number="青科公示〔2025〕99号")


@pytest.fixture
def mine(township):
    return f.AwardFactory(enterprise=f.EnterpriseFactory(township=township, name="本镇兑现企业"))


def _export_text(client) -> str:
    response = client.get("/imports/award/export/?format=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(content))
    return " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)


def _reaches(client, api, award) -> dict:
    return {
        "list": MARKER in client.get("/benefits/award/").content.decode(),
        "search": MARKER in client.get("/benefits/award/?q=外镇").content.decode(),
        "search_number": MARKER in client.get("/benefits/award/?q=99号").content.decode(),
        "detail": client.get(award.get_absolute_url()).status_code == 200,
        "api_list": MARKER in api.get(api_url(Award)).content.decode(),
        "api_search": MARKER in api.get(api_url(Award) + "?search=外镇").content.decode(),
        "api_detail": api.get(api_url(Award, award.pk)).status_code == 200,
        "export": MARKER in _export_text(client),
    }


def test_staff_reach_the_award_every_way(staff_client, staff_user, api_for, theirs, mine):
    assert all(_reaches(staff_client, api_for(staff_user), theirs).values())


def test_liaison_never_reaches_another_townships_award(
    liaison_client, liaison_user, api_for, theirs, mine
):
    reached = _reaches(liaison_client, api_for(liaison_user), theirs)
    assert not any(reached.values()), reached
    assert "本镇兑现企业" in liaison_client.get("/benefits/award/").content.decode()


def test_liaison_bulk_action_cannot_touch_another_townships_award(liaison_client, theirs, mine):
    url = "/benefits/award/bulk/"
    for step in ("", "preview", "confirm"):
        data = {"action": "edit", "pk": [theirs.pk, mine.pk], "set_status": "on"}
        data |= {"status": "review", **({"bulk_step": step} if step else {})}
        liaison_client.post(url, data)
        liaison_client.post(url, {"action": "delete", "pk": [theirs.pk], "bulk_step": "confirm"})
    theirs.refresh_from_db()
    assert theirs.status == Award.Status.APPLIED
    assert Award.objects.filter(pk=theirs.pk).exists()
