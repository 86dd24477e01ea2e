"""Login, navigation, trash and restore."""

import pytest
from django.urls import reverse

from enterprises.models import Enterprise
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_public(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名" in body and "密码" in body and "登录" in body


def test_every_page_redirects_anonymous_users_to_login(client):
    response = client.get("/enterprises/enterprise/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_staff_logs_in_with_password_and_lands_in_the_portal(client, staff_user):
    response = client.post(
        reverse("login"), {"username": "staff", "password": "Bureau-2026"}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == staff_user


def test_wrong_password_gets_a_chinese_message(client, staff_user):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert "请输入一个正确的用户名和密码" in response.content.decode()


def test_sidebar_groups_by_area(staff_client):
    body = staff_client.get("/enterprises/enterprise/").content.decode()
    for title in ("创新主体", "科技人才", "创新载体", "科技扶贫", "工作台账"):
        assert title in body
    assert "系统管理" not in body


def test_administrator_sees_system_management(admin_client_):
    assert "系统管理" in admin_client_.get("/enterprises/enterprise/").content.decode()


def test_liaison_sidebar_hides_district_wide_records(liaison_client):
    body = liaison_client.get("/enterprises/enterprise/").content.decode()
    assert "企业" in body
    assert "科技特派员" not in body and "外部数据" not in body


def test_deleted_record_is_restored_by_an_administrator(admin_client_, staff_client, township):
    enterprise = f.EnterpriseFactory(township=township, name="被删除的公司")
    staff_client.post(reverse("enterprises:enterprise-delete", args=[enterprise.pk]))
    assert not Enterprise.objects.filter(pk=enterprise.pk).exists()

    trash = admin_client_.get(reverse("bureau:trash")).content.decode()
    assert "被删除的公司" in trash
    record = Enterprise.history.get(id=enterprise.pk, history_type="-")
    response = admin_client_.post(
        reverse("bureau:trash-restore", args=["enterprises", "enterprise", record.history_id])
    )
    assert response.status_code == 302
    assert Enterprise.objects.get(pk=enterprise.pk).name == "被删除的公司"
    assert (
        f"/{record.history_id}/restore/"
        not in admin_client_.get(reverse("bureau:trash")).content.decode()
    )


def test_staff_cannot_open_the_trash(staff_client):
    assert staff_client.get(reverse("bureau:trash")).status_code == 403


def test_delete_of_a_referenced_record_is_refused_with_reason(staff_client, township):
    contract = f.TechContractFactory(seller=f.EnterpriseFactory(township=township))
    response = staff_client.post(
        reverse("enterprises:enterprise-delete", args=[contract.seller.pk]), follow=True
    )
    assert "无法删除" in response.content.decode()
    assert Enterprise.objects.filter(pk=contract.seller.pk).exists()


def test_detail_page_lists_related_records_with_a_prefilled_add_link(staff_client, township):
    figure = f.YearlyFigureFactory(enterprise=f.EnterpriseFactory(township=township))
    enterprise = figure.enterprise
    body = staff_client.get(enterprise.get_absolute_url()).content.decode()
    assert "年度指标" in body and figure.get_absolute_url() in body
    add = f"/enterprises/enterpriseyearlyfigure/new/?enterprise={enterprise.pk}"
    assert add in body
    form = staff_client.get(add).context["form"]
    assert str(form.initial["enterprise"]) == str(enterprise.pk)


def test_filter_dropdowns_read_all_rather_than_dashes(staff_client):
    body = staff_client.get("/enterprises/enterprise/").content.decode()
    assert "全部" in body and "---------" not in body and "未知" not in body


def test_filter_form_is_cached_per_query_and_township(
    settings, staff_client, liaison_client, township, other_township
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LIST_FILTER_CACHE_SECONDS = 60
    cache.clear()
    path = "/enterprises/enterprise/"
    with CaptureQueriesContext(connection) as first:
        staff_client.get(path)
    with CaptureQueriesContext(connection) as second:
        body = staff_client.get(path).content.decode()
    assert len(second) < len(first)  # the drop-downs were not queried again
    assert "东山镇" in body
    # a liaison's form offers only their township, whatever staff cached before
    liaison_body = liaison_client.get(path).content.decode()
    assert "城关街道" in liaison_body and "东山镇" not in liaison_body
    selected = staff_client.get(path, {"township": other_township.pk}).content.decode()
    assert f'<option value="{other_township.pk}" selected>' in selected


def _trash_queries(client, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("bureau:trash")).status_code == 200
    return len(queries)


def test_the_trash_costs_the_same_queries_for_one_deleted_record_or_many(
    admin_client_, admin_user, django_assert_max_num_queries
):
    from bureau.services import record_delete
    from tests import factories as f

    def delete_some(n):
        for _ in range(n):
            # Records whose names read a related record (figure -> enterprise, stage -> project).
            record_delete(instance=f.YearlyFigureFactory(), user=admin_user)
            record_delete(instance=f.TalentStageFactory(), user=admin_user)

    delete_some(1)
    admin_client_.get(reverse("bureau:trash"))  # the header's cached reads, once
    few = _trash_queries(admin_client_, django_assert_max_num_queries)
    delete_some(5)
    many = _trash_queries(admin_client_, django_assert_max_num_queries)
    assert many == few
    page = admin_client_.get(reverse("bureau:trash")).content.decode()
    assert page.count("恢复</button>") == 12
