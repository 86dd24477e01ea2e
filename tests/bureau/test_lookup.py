"""Search-as-you-type choices: the lookup endpoint and the forms and filters that use it."""

import re

import pytest
from django.urls import reverse

from enterprises.models import EnterpriseYearlyFigure
from tests.factories import (
    EnterpriseFactory,
    KeyVillageFactory,
    ServiceVisitFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def search_beyond_one(settings):
    """Search boxes as soon as there are two choices, so a few records show them."""
    settings.LOOKUP_DROPDOWN_MAX = 1


ENTERPRISES = reverse("lookup", args=["enterprises.enterprise"])


def texts(response) -> list[str]:
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_search_matches_name_or_credit_code(staff_client, township):
    wanted = EnterpriseFactory(name="泰山新材料有限公司", township=township)
    EnterpriseFactory(name="东岳机械有限公司", township=township)

    # the credit code tells apart enterprises of one name in different districts
    label = f"泰山新材料有限公司（{wanted.credit_code}）"
    assert texts(staff_client.get(ENTERPRISES, {"q": "新材料"})) == [label]
    assert texts(staff_client.get(ENTERPRISES, {"q": wanted.credit_code[-6:]})) == [label]
    assert texts(staff_client.get(ENTERPRISES, {"q": "不存在"})) == []
    assert texts(staff_client.get(ENTERPRISES, {"q": "\x00新材料"})) == [label]
    assert len(texts(staff_client.get(ENTERPRISES))) == 2  # an empty box lists the first ones


def test_answers_are_bounded(staff_client, township):
    EnterpriseFactory.create_batch(25, township=township)
    data = staff_client.get(ENTERPRISES, {"q": "测试"}).json()
    assert len(data["results"]) == 20 and data["more"] is True


def test_a_liaison_finds_only_their_township(liaison_client, township, other_township):
    mine = EnterpriseFactory(name="本镇科技有限公司", township=township)
    EnterpriseFactory(name="外镇科技有限公司", township=other_township)
    assert texts(liaison_client.get(ENTERPRISES, {"q": "科技"})) == [mine.lookup_text]
    villages = reverse("lookup", args=["bureau.village"])
    VillageFactory(township=other_township, name="外镇村")
    assert texts(liaison_client.get(villages, {"q": "外镇"})) == []


def test_outsiders_and_unknown_or_unsearchable_models_get_nothing(
    outsider_client, staff_client, client, township
):
    EnterpriseFactory(township=township)
    assert outsider_client.get(ENTERPRISES).status_code == 404
    assert client.get(ENTERPRISES).status_code == 302  # to the login page
    for label in ["bureau.user", "nosuch.model", "enterprises", "auth.permission"]:
        assert staff_client.get(reverse("lookup", args=[label])).status_code == 404


def test_a_few_choices_stay_a_plain_drop_down(staff_client, township, settings):
    settings.LOOKUP_DROPDOWN_MAX = 3
    enterprises = EnterpriseFactory.create_batch(3, township=township)
    form = staff_client.get(reverse("enterprises:enterpriseyearlyfigure-create")).content.decode()
    select = re.search(r'<select name="enterprise".*?</select>', form, re.S).group(0)
    assert "data-lookup-url" not in select
    assert all(e.name in select for e in enterprises)

    EnterpriseFactory(township=township)  # one more than a drop-down holds
    form = staff_client.get(reverse("enterprises:enterpriseyearlyfigure-create")).content.decode()
    select = re.search(r'<select name="enterprise".*?</select>', form, re.S).group(0)
    assert "data-lookup-url" in select and not any(e.name in select for e in enterprises)


def test_a_form_ships_only_the_chosen_record_and_accepts_any_visible_one(staff_client, township):
    chosen, other = EnterpriseFactory.create_batch(2, township=township)
    form = staff_client.get(
        reverse("enterprises:enterpriseyearlyfigure-create"), {"enterprise": chosen.pk}
    ).content.decode()
    select = re.search(r'<select name="enterprise".*?</select>', form, re.S).group(0)
    assert 'data-lookup-url="/lookup/enterprises.enterprise/"' in select
    assert f'value="{chosen.pk}" selected' in select
    assert other.name not in select

    response = staff_client.post(
        reverse("enterprises:enterpriseyearlyfigure-create"),
        {"enterprise": other.pk, "year": 2025, "staff_total": 10},
    )
    assert response.status_code == 302
    assert EnterpriseYearlyFigure.objects.get().enterprise == other


def test_a_liaison_cannot_post_another_townships_record(liaison_client, township, other_township):
    outside = EnterpriseFactory(township=other_township)
    response = liaison_client.post(
        reverse("enterprises:enterpriseyearlyfigure-create"),
        {"enterprise": outside.pk, "year": 2025, "staff_total": 10},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not EnterpriseYearlyFigure.objects.exists()


def test_a_list_filter_searches_and_keeps_the_chosen_record_selected(staff_client, township):
    east = KeyVillageFactory(village=VillageFactory(township=township, name="东关村"))
    west = KeyVillageFactory(village=VillageFactory(township=township, name="西关村"))
    ServiceVisitFactory(village=east, content="东关的草莓")
    ServiceVisitFactory(village=west, content="西关的苹果")
    html = staff_client.get(
        reverse("poverty:servicevisit-list"), {"village": east.pk}
    ).content.decode()
    select = re.search(r'<select name="village".*?</select>', html, re.S).group(0)
    assert 'data-lookup-url="/lookup/poverty.keyvillage/"' in select
    assert f'value="{east.pk}" selected' in select and "西关村" not in select
    assert "东关的草莓" in html and "西关的苹果" not in html
    lookup = reverse("lookup", args=["poverty.keyvillage"])
    assert texts(staff_client.get(lookup, {"q": "西关"})) == [str(west)]
