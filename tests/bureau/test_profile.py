"""单位信息: the bureau's identity is one record an administrator edits in the portal; the
environment only gives its first-run defaults."""

import pytest
from django.urls import reverse

from bureau.models import BureauProfile
from bureau.selectors import bureau_profile

pytestmark = pytest.mark.django_db
URL = reverse("bureau:profile")
DATA = {
    "city_name": "鲁川市",
    "district_name": "青河区",
    "bureau_name": "鲁川市青河区科学技术局",
    "bureau_short_name": "青河区科技局",
    "issuing_unit": "鲁川市青河区科学技术局",
    "signing_date": "2026-01-15",
}


def test_first_run_defaults_come_from_the_environment(settings):
    settings.BUREAU_DISTRICT_NAME = "东城区"
    settings.BUREAU_CITY_NAME = "鲁川市"
    profile = BureauProfile.current()
    assert not profile.is_saved
    assert profile.report_name == "东城区科技局"
    assert profile.bureau_name == "鲁川市东城区科学技术局"
    assert profile.issuing_unit == "鲁川市东城区科学技术局"


def test_without_any_setting_the_name_reads_qu_keji_ju(settings):
    settings.BUREAU_DISTRICT_NAME = ""
    assert BureauProfile.current().report_name == "区科技局"


def test_an_administrator_saves_the_profile_and_every_page_shows_it(admin_client_, staff_client):
    response = admin_client_.post(URL, DATA)
    assert response.status_code == 302
    profile = BureauProfile.objects.get()
    assert profile.district_name == "青河区" and str(profile.signing_date) == "2026-01-15"
    assert profile.history.get().history_user.username == "admin"
    page = staff_client.get(reverse("reports:dashboard")).content.decode()
    assert "青河区科技局业务平台" in page
    assert "区科技局业务平台</a>" not in page.replace("青河区科技局业务平台</a>", "")


def test_the_profile_asks_for_the_names_in_chinese(admin_client_):
    response = admin_client_.post(URL, {**DATA, "district_name": "", "bureau_name": ""})
    assert response.status_code == 200
    assert "该字段是必填项" in response.content.decode()
    assert not BureauProfile.objects.exists()


@pytest.mark.parametrize("persona", ["staff_user", "leader_user", "liaison_user"])
def test_other_roles_read_the_profile_but_cannot_change_it(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    page = client.get(URL)
    assert page.status_code == 200 and "只有系统管理员可以修改单位信息" in page.content.decode()
    assert client.post(URL, DATA).status_code == 403
    assert not BureauProfile.objects.exists()


def test_an_account_without_a_role_does_not_see_it(client_for, outsider_user):
    assert client_for(outsider_user).get(URL).status_code == 404


def test_a_saved_profile_is_read_from_the_cache_until_it_changes(
    admin_user, django_assert_num_queries
):
    from bureau.services import bureau_profile_update

    bureau_profile_update(
        user=admin_user, data={k: v for k, v in DATA.items() if k != "signing_date"}
    )
    bureau_profile()
    with django_assert_num_queries(0):
        assert bureau_profile().report_name == "青河区科技局"
    bureau_profile_update(user=admin_user, data={"bureau_short_name": "青河科技局"})
    assert bureau_profile().report_name == "青河科技局"
