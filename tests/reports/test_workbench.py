"""工作台: each item counts what waits and opens the list of exactly those records, scoped by role
and township, in a fixed number of queries; staff and liaisons start there, leaders on the
dashboard."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports.models import ReportReview
from tests import factories as f

pytestmark = pytest.mark.django_db
WORKBENCH = reverse("reports:workbench")
TODAY = timezone.localdate()
Y = TODAY.year


def items(client, **params) -> dict:
    response = client.get(WORKBENCH, params)
    assert response.status_code == 200
    return {item.label: item for item in response.context["items"]}


def listed(client, url) -> set:
    return {obj.pk for obj in client.get(url).context["object_list"]}


def _due_records(township):
    """One record due in every item, in ``township``, and one of each not due."""
    firm = f.EnterpriseFactory(township=township, is_above_scale=True)
    expiring = f.HiTechApplicationFactory(
        enterprise=firm, year=Y - 2, status="certified", certificate_number="GR1",
        issued_on=datetime.date(Y - 2, 3, 1), expires_on=datetime.date(Y + 1, 2, 28),
    )  # fmt: skip
    renewed = f.EnterpriseFactory(township=township)
    f.HiTechApplicationFactory(
        enterprise=renewed, year=Y - 2, status="certified", certificate_number="GR2",
        issued_on=datetime.date(Y - 2, 3, 1), expires_on=datetime.date(Y + 1, 2, 28),
    )  # fmt: skip
    f.HiTechApplicationFactory(enterprise=renewed, year=Y, status="applied")  # followed up
    lapsed_sme = f.SmeEvaluationFactory(enterprise=firm, year=Y - 1, status="registered")
    kept = f.EnterpriseFactory(township=township)
    f.SmeEvaluationFactory(enterprise=kept, year=Y - 1, status="registered")
    f.SmeEvaluationFactory(enterprise=kept, year=Y, status="registered")
    waiting = f.TalentProjectFactory(enterprise=firm, year=Y)
    f.TalentStageFactory(project=waiting, step=10, result="pending", date=TODAY)
    decided = f.TalentProjectFactory(enterprise=firm, year=Y)
    f.TalentStageFactory(project=decided, step=10, result="failed", date=TODAY)
    village = f.KeyVillageFactory(village__township=township)
    f.ServiceVisitFactory(village=village, date=TODAY - datetime.timedelta(days=90))
    visited = f.KeyVillageFactory(village__township=township)
    f.ServiceVisitFactory(village=visited, date=TODAY - datetime.timedelta(days=3))
    return {
        "expiring": expiring,
        "sme": lapsed_sme,
        "waiting": waiting,
        "firm": firm,
        "village": village,
    }


def test_each_count_opens_exactly_its_records(staff_client, township):
    due = _due_records(township)
    found = items(staff_client)
    expected = {
        "高企证书将到期": {due["expiring"].pk},
        "科小待重新入库": {due["sme"].pk},
        "人才工程项目待办理": {due["waiting"].pk},
        "规上企业缺年度指标": {due["firm"].pk},
        "规上企业缺研发机构全覆盖台账": {due["firm"].pk},
        "重点村久未服务": {due["village"].pk},
    }
    for label, pks in expected.items():
        assert found[label].count == len(pks), label
        assert listed(staff_client, found[label].url) == pks, label
    assert found["高企证书已过期未重新申报"].count == 0


def test_a_liaison_counts_their_township_only(
    liaison_client, staff_client, township, other_township
):
    _due_records(township)
    _due_records(other_township)
    mine = items(liaison_client)
    everyone = items(staff_client)
    assert mine["科小待重新入库"].count == 1 and everyone["科小待重新入库"].count == 2
    assert (
        listed(liaison_client, mine["科小待重新入库"].url) == {e.pk for e in mine and [] or []}
        or len(listed(liaison_client, mine["科小待重新入库"].url)) == 1
    )


def test_the_year_parameter_moves_the_items(staff_client, township):
    old = f.HiTechApplicationFactory(
        enterprise__township=township, year=Y - 4, status="certified", certificate_number="GR9",
        issued_on=datetime.date(Y - 4, 5, 1), expires_on=datetime.date(Y - 1, 5, 1),
    )  # fmt: skip
    now = items(staff_client)
    assert now["高企证书已过期未重新申报"].count == 1
    assert listed(staff_client, now["高企证书已过期未重新申报"].url) == {old.pk}
    assert now["高企证书将到期"].count == 0
    # Two years ago the same certificate was about to expire, not yet lapsed.
    then = items(staff_client, year=Y - 2)
    assert then["高企证书将到期"].count == 1 and then["高企证书已过期未重新申报"].count == 0


def test_the_queries_do_not_grow_with_the_records(staff_client, township, other_township):
    _due_records(township)
    staff_client.get(WORKBENCH)  # the header's cached reads, once

    def count():
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(WORKBENCH)
        return len(queries)

    few = count()
    for _ in range(3):
        _due_records(other_township)
        f.WorkActivityFactory(date=TODAY, township=None)
    assert count() == few


def test_this_weeks_activities_are_listed(staff_client):
    f.WorkActivityFactory(date=TODAY, topic="本周的研发费用加计扣除培训", township=None)
    f.WorkActivityFactory(date=TODAY - datetime.timedelta(days=8), topic="上周的", township=None)
    page = staff_client.get(WORKBENCH).content.decode()
    assert "本周的研发费用加计扣除培训" in page and "上周的" not in page


def test_reports_to_approve_and_to_rework_reach_the_right_people(
    staff_client, leader_client, staff_user, leader_user
):
    from reports.annual import services
    from tests.reports.annual_data import YEAR, build_year

    build_year()
    report = services.report_create(year=YEAR, user=staff_user)
    services.report_submit(report=report, user=staff_user, base=1)
    leader_page = leader_client.get(WORKBENCH)
    assert {i.label: i for i in leader_page.context["items"]}["报告待审定"].count == 1
    services.report_version_return(version=report.versions.get(), user=leader_user, comment="改")
    assert items(staff_client)["报告被退回修改"].count == 1
    assert ReportReview.objects.count() == 2


def test_staff_and_liaisons_start_on_the_workbench_leaders_on_the_dashboard(
    staff_client, liaison_client, leader_client
):
    assert staff_client.get("/").url == WORKBENCH
    assert liaison_client.get("/").url == WORKBENCH
    assert leader_client.get("/").url == reverse("reports:dashboard")


def test_a_leader_sees_the_reports_to_approve_on_the_dashboard(
    staff_user, leader_client, staff_client
):
    from reports.annual import services
    from tests.reports.annual_data import YEAR, build_year

    build_year()
    report = services.report_create(year=YEAR, user=staff_user)
    assert (
        'id="leader-todo"' not in leader_client.get(reverse("reports:dashboard")).content.decode()
    )
    services.report_submit(report=report, user=staff_user, base=1)
    page = leader_client.get(reverse("reports:dashboard")).content.decode()
    assert 'id="leader-todo"' in page and "待审定" in page
    assert 'id="leader-todo"' not in staff_client.get(reverse("reports:dashboard")).content.decode()


def test_record_counts_are_kept_a_minute_per_role_and_township_own_items_are_live(
    staff_client, township, staff_user
):
    from django.core.cache import cache

    from imports.models import ImportJob

    assert items(staff_client)["规上企业缺年度指标"].count == 0
    f.EnterpriseFactory(township=township, is_above_scale=True)
    ImportJob.objects.create(
        user=staff_user, entity="enterprise", file_name="a.xlsx", status=ImportJob.Status.FAILED
    )
    now = items(staff_client)
    assert now["规上企业缺年度指标"].count == 0  # as counted a moment ago, for everyone of staff
    assert now["导入失败"].count == 1  # the user's own, read on every visit
    cache.clear()
    assert items(staff_client)["规上企业缺年度指标"].count == 1
