"""Every choice list a user sees is scoped to what they may choose, in the browsable API's
filter form as on the pages, and a cached filter form is never served to someone whose choices
differ. (The walk in test_township_isolation.py covers every page and API list generically.)"""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_liaison_browsable_api_filter_form_offers_only_their_key_villages(liaison_client, township):
    ours = f.KeyVillageFactory(village=f.VillageFactory(township=township, name="本镇重点村"))
    for n in range(20):
        other = f.TownshipFactory(code=f"370302{210 + n}", name=f"外镇{n}")
        f.KeyVillageFactory(village=f.VillageFactory(township=other, name=f"外镇重点村{n}"))
    page = liaison_client.get("/api/poverty/servicevisit/", {"format": "api"})
    assert page.status_code == 200
    body = page.content.decode()
    assert str(ours) in body
    assert "外镇重点村" not in body


def test_a_staff_account_with_a_township_never_fills_the_liaisons_cached_filter_form(
    settings, client_for, staff_user, liaison_client, township, other_township
):
    settings.LIST_FILTER_CACHE_SECONDS = 60  # as in production
    staff_user.township = township  # the same township as the liaison's
    staff_user.save()
    staff_page = client_for(staff_user).get("/enterprises/enterprise/").content.decode()
    assert other_township.name in staff_page  # staff choose among every township
    liaison_page = liaison_client.get("/enterprises/enterprise/").content.decode()
    assert township.name in liaison_page
    assert other_township.name not in liaison_page


def test_the_filter_form_cache_is_on_in_the_tests_as_in_production(settings):
    assert settings.LIST_FILTER_CACHE_SECONDS > 0
