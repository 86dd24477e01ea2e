"""The rule for 创新创业共同体 across townships (issue 23, finding 11; docs/roles.md).

A community belongs to its lead enterprise's township. Whoever sees it sees every member's name,
members of other townships included, and nothing more of them: no link, their page 404, their
other data behind the wall. A community led from elsewhere is not shown to the liaison.
"""

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import InnovationCommunity
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def communities(township, other_township):
    mine = f.EnterpriseFactory(township=township, name="本镇牵头企业")
    theirs = f.EnterpriseFactory(
        township=other_township, name="外镇成员企业", contact_phone="0533-9999999"
    )
    ours = InnovationCommunity.objects.create(name="本镇共同体", year=2025, lead_enterprise=mine)
    ours.member_enterprises.set([mine, theirs])
    elsewhere = InnovationCommunity.objects.create(
        name="外镇共同体", year=2025, lead_enterprise=theirs
    )
    elsewhere.member_enterprises.set([theirs, mine])
    return ours, elsewhere, mine, theirs


def test_a_liaison_sees_the_names_of_other_townships_members_and_nothing_more(
    liaison_client, communities
):
    ours, _elsewhere, _mine, theirs = communities
    page = liaison_client.get(ours.get_absolute_url()).content.decode()
    assert "外镇成员企业" in page
    assert theirs.get_absolute_url() not in page  # named, not linked
    assert "0533-9999999" not in page
    assert liaison_client.get(theirs.get_absolute_url()).status_code == 404


def test_the_export_names_the_members_and_nothing_more(liaison_client, communities):
    response = liaison_client.get(
        reverse("imports:export", args=["innovationcommunity"]), {"format": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(
        __import__("io").BytesIO(b"".join(response.streaming_content)), read_only=True
    ).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("外镇成员企业" in c for c in cells)
    assert not any("0533-9999999" in c for c in cells)
    assert not any("外镇共同体" in c for c in cells)


def test_a_community_led_from_another_township_is_not_shown(liaison_client, communities):
    _ours, elsewhere, _mine, _theirs = communities
    assert liaison_client.get(elsewhere.get_absolute_url()).status_code == 404
    listing = liaison_client.get(reverse("enterprises:innovationcommunity-list")).content.decode()
    assert "本镇共同体" in listing and "外镇共同体" not in listing
