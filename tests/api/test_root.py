"""``/api/`` answers with the API's root: links to the schema, the documentation and each entity
the user may read; the API's 404 and the admin speak Chinese."""

import re

import pytest

from bureau.models import BureauProfile
from enterprises.models import Enterprise
from tests.api.conftest import api_url
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_the_api_root_links_the_schema_the_docs_and_every_entity(api_for, staff_user):
    response = api_for(staff_user).get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    root = response.json()
    assert root["schema"].endswith("/api/schema/") and root["docs"].endswith("/api/docs/")
    entities = {entity["key"]: entity for entity in root["entities"]}
    assert entities["enterprises.enterprise"]["name"] == "企业"
    assert entities["enterprises.enterprise"]["url"].endswith(api_url(Enterprise))
    client = api_for(staff_user)
    for entity in root["entities"]:
        assert client.get(entity["url"]).status_code == 200, entity
    for key in ("schema", "docs", "token", "indicators", "import_jobs", "report_exports"):
        assert key in root


def test_the_api_root_lists_only_what_the_user_may_read(api_for, staff_user, liaison_user):
    staff = {e["key"] for e in api_for(staff_user).get("/api/").json()["entities"]}
    liaison = {e["key"] for e in api_for(liaison_user).get("/api/").json()["entities"]}
    assert liaison < staff  # reference data administrators keep is not a liaison's
    assert "enterprises.enterprise" in liaison


def test_the_api_root_needs_a_login(api_for):
    assert api_for().get("/api/").status_code == 401


def test_an_api_404_is_chinese_not_the_model_s_class_name(api_for, staff_user, liaison_user):
    other = EnterpriseFactory()  # another township's: a liaison must not learn it exists
    for user, pk in ((staff_user, 999_999_999), (liaison_user, other.pk)):
        response = api_for(user).get(api_url(Enterprise, pk))
        assert response.status_code == 404
        assert response.json() == {"detail": "记录不存在，或不在您的管辖范围内。"}
        assert "matches the given query" not in response.content.decode()


def test_the_admin_header_names_the_district_and_axes_reads_in_chinese(admin_client_):
    BureauProfile.defaults().__class__.objects.update_or_create(
        pk=BureauProfile.SINGLETON_PK, defaults={"district_name": "青河区"}
    )
    page = admin_client_.get("/admin/").content.decode()
    assert "青河区科技局业务平台 · 后台管理" in page
    assert "登录限制" in page and "Axes" not in page
    # every model name in the admin index is Chinese (the catalogue gives axes' theirs)
    names = re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]*">([^<]+)</a>', page)
    assert names and all(re.search(r"[\u4e00-\u9fff]", name) for name in names), names
