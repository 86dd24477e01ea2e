"""The 培育库 over records: the selectors read a fixed number of queries whatever the number of
enterprises, the lists pick the candidates (scoped for a liaison, the margin and the score
difference filters), the breakdown page shows each criterion with its figures."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cultivation import scoring, selectors
from enterprises.models import Enterprise, IntellectualProperty, IpKind, SmeEvaluation
from platforms.models import Level, Platform
from tests import factories as f

YEAR = 2025
D = Decimal


def _figures(enterprise, *, tech_staff, rd, years=(2023, 2024, 2025)):
    for year in years:
        f.YearlyFigureFactory(
            enterprise=enterprise,
            year=year,
            staff_total=100,
            tech_staff=tech_staff,
            sales_revenue=D("1000"),
            total_assets=D("800"),
            total_costs=D("900"),
            rd_expense=D(rd),
            hitech_product_income=D("700"),
            industrial_output=None,
            hitech_output=None,
        )


@pytest.fixture
def records(township, other_township):
    """A: 100 points by hand (科技人员30% 20分, 研发费用占销售收入6% 50分, Ⅰ类知识产权30分),
    every decidable 高企 condition met, a recorded (rejected) score of 80. B: 36 points (10% 4分,
    3% 20分, two class-II 12分; a third lapsed mid-2025 does not count). C, in another township,
    holds a certificate valid at 2025's end."""
    a = f.EnterpriseFactory(
        township=township, name="甲科技有限公司", founded_on=datetime.date(2010, 1, 1)
    )
    _figures(a, tech_staff=30, rd="60")
    f.IntellectualPropertyFactory(
        enterprise=a, kind=IpKind.INVENTION, granted_on=datetime.date(2020, 3, 1)
    )
    f.HiTechApplicationFactory(enterprise=a, year=2022, status="rejected")
    f.SmeEvaluationFactory(
        enterprise=a,
        year=YEAR,
        status=SmeEvaluation.Status.REJECTED,
        score=80,
        registration_number="",
    )

    b = f.EnterpriseFactory(
        township=township, name="乙科技有限公司", founded_on=datetime.date(2012, 1, 1)
    )
    _figures(b, tech_staff=10, rd="30")
    f.IntellectualPropertyFactory.create_batch(2, enterprise=b)
    f.IntellectualPropertyFactory(
        enterprise=b,
        status=IntellectualProperty.Status.LAPSED,
        lapsed_on=datetime.date(2025, 6, 1),
    )

    c = f.EnterpriseFactory(
        township=other_township, name="丙科技有限公司", founded_on=datetime.date(2008, 1, 1)
    )
    _figures(c, tech_staff=30, rd="60")
    f.HiTechApplicationFactory(
        enterprise=c,
        year=2024,
        status="certified",
        certificate_number="GR202437000001",
        issued_on=datetime.date(2024, 11, 1),
        expires_on=datetime.date(2027, 11, 1),
    )
    return a, b, c


def _by_name(assessments):
    return {a.enterprise.name: a for a in assessments}


def test_the_worked_examples(records):
    found = _by_name(selectors.assess(Enterprise.objects.all(), YEAR))
    a, b, c = found["甲科技有限公司"], found["乙科技有限公司"], found["丙科技有限公司"]
    assert (a.sme.staff_points, a.sme.rd_points, a.sme.ip_points) == (20, 50, 30)
    assert a.sme.verdict == scoring.QUALIFIED and a.hitech.all_met
    assert a.tech_field == "新材料" and a.score_differs
    assert (b.holdings.class_one_ip, b.holdings.class_two_ip) == (0, 2)
    assert b.sme.total == 36 and b.sme.verdict == scoring.NOT_QUALIFIED
    assert c.holdings.hitech_certificate and c.certificate is not None
    assert c.sme.direct_grounds == ["持有有效的高新技术企业证书"]


def test_ip_that_lapsed_mid_year_counts_for_the_year_before(records):
    found = _by_name(selectors.assess(Enterprise.objects.all(), 2024))
    assert found["乙科技有限公司"].holdings.class_two_ip == 3


def test_a_provincial_platform_qualifies_directly(records):
    _a, b, _c = records
    Platform.objects.create(
        name="乙省级工程技术研究中心",
        kind=Platform.Kind.ENGINEERING_CENTRE,
        level=Level.PROVINCIAL,
        host=b,
        status=Platform.Status.RECOGNISED,
        year=2023,
    )
    found = _by_name(selectors.assess(Enterprise.objects.all(), YEAR))
    assert found["乙科技有限公司"].sme.verdict == scoring.QUALIFIED


def _queries(year):
    with CaptureQueriesContext(connection) as captured:
        selectors.assess(Enterprise.objects.all(), year)
    return len(captured)


def test_a_fixed_number_of_queries_at_two_sizes(records, township):
    few = _queries(YEAR)
    for _n in range(6):
        e = f.EnterpriseFactory(township=township, founded_on=datetime.date(2015, 1, 1))
        _figures(e, tech_staff=15, rd="25")
        f.IntellectualPropertyFactory(enterprise=e)
        f.HiTechApplicationFactory(enterprise=e, year=2024)
        f.SmeEvaluationFactory(enterprise=e, year=YEAR)
    assert _queries(YEAR) == few == 7


def _names(response):
    return {a.enterprise.name for a in response.context["rows"]}


def test_sme_candidates_and_the_margin(staff_client, records):
    url = reverse("cultivation:sme")
    response = staff_client.get(url, {"year": YEAR})
    assert response.status_code == 200
    # C qualifies directly; B is 24 points short, beyond the default margin of 10
    assert _names(response) == {"甲科技有限公司", "丙科技有限公司"}
    wide = staff_client.get(url, {"year": YEAR, "margin": 30})
    assert "乙科技有限公司" in _names(wide)
    assert "综合得分36分，低于60分（差24分）" in wide.content.decode()


def test_sme_list_filters_for_a_recorded_score_that_differs(staff_client, records):
    response = staff_client.get(reverse("cultivation:sme"), {"year": YEAR, "differs": "1"})
    assert _names(response) == {"甲科技有限公司"}


def test_registered_enterprises_are_not_candidates(staff_client, records):
    a, _b, _c = records
    SmeEvaluation.objects.filter(enterprise=a).update(
        status=SmeEvaluation.Status.REGISTERED, registration_number="X1"
    )
    response = staff_client.get(reverse("cultivation:sme"), {"year": YEAR})
    assert "甲科技有限公司" not in _names(response)


def test_lists_are_scoped_for_a_liaison(liaison_client, records):
    response = liaison_client.get(reverse("cultivation:sme"), {"year": YEAR})
    assert _names(response) == {"甲科技有限公司"}
    renewal = liaison_client.get(reverse("cultivation:renewal"), {"year": 2026})
    assert list(renewal.context["rows"]) == []


def test_hitech_candidates_hold_no_certificate(staff_client, records):
    response = staff_client.get(reverse("cultivation:hitech"), {"year": YEAR})
    assert _names(response) == {"甲科技有限公司"}


def test_certificates_due_for_renewal(staff_client, records):
    response = staff_client.get(reverse("cultivation:renewal"), {"year": 2026})
    assert [app.certificate_number for app in response.context["rows"]] == ["GR202437000001"]


def test_lists_filter_by_township(staff_client, records, other_township):
    response = staff_client.get(
        reverse("cultivation:sme"), {"year": YEAR, "township": other_township.pk}
    )
    assert _names(response) == {"丙科技有限公司"}


def test_the_list_exports_the_rows_shown(staff_client, records):
    response = staff_client.get(reverse("cultivation:sme"), {"year": YEAR, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "企业名称"
    assert {row[0] for row in rows[1:]} == {"甲科技有限公司", "丙科技有限公司"}


def test_the_breakdown_page(staff_client, records):
    a, _b, _c = records
    response = staff_client.get(reverse("cultivation:enterprise", args=[a.pk]), {"year": YEAR})
    text = response.content.decode()
    assert response.status_code == 200
    assert "研发费用占销售收入比例6.00%" in text
    assert '<strong id="sme-total">100</strong>' in text
    assert '<strong id="sme-recorded">80</strong>' in text
    assert "近三年研发费用占同期销售收入比例" in text and "需专家评价" in text
    detail = staff_client.get(a.get_absolute_url())
    assert reverse("cultivation:enterprise", args=[a.pk]) in detail.content.decode()


def test_a_liaison_cannot_open_another_townships_breakdown(liaison_client, records):
    _a, _b, c = records
    response = liaison_client.get(reverse("cultivation:enterprise", args=[c.pk]))
    assert response.status_code == 404


def test_an_account_without_a_role_sees_nothing(outsider_client, records):
    assert outsider_client.get(reverse("cultivation:sme")).status_code == 403


def test_a_liaison_sees_their_townships_candidates_on_the_workbench(
    liaison_client, staff_client, records
):
    response = liaison_client.get(reverse("reports:workbench"), {"year": YEAR})
    found = {item.label: item for item in response.context["items"]}
    assert found["后备科小"].count == 1 and found["后备高企"].count == 1
    assert liaison_client.get(found["后备科小"].url).context["rows"][0].enterprise.name == (
        "甲科技有限公司"
    )
    staff = {item.label for item in staff_client.get(reverse("reports:workbench")).context["items"]}
    assert "后备科小" not in staff


def test_ip_marked_lapsed_without_its_date_counts_for_no_year(records):
    _a, b, _c = records
    f.IntellectualPropertyFactory(
        enterprise=b, kind=IpKind.INVENTION, status=IntellectualProperty.Status.TRANSFERRED
    )
    for year in (2023, YEAR):
        found = _by_name(selectors.assess(Enterprise.objects.filter(pk=b.pk), year))
        assert found["乙科技有限公司"].holdings.class_one_ip == 0


def test_one_condition_short_is_still_a_hitech_candidate(staff_client, records):
    a, _b, _c = records
    a.hitech_applications.all().delete()  # no field recorded: 数据不全, one short
    response = staff_client.get(reverse("cultivation:hitech"), {"year": YEAR})
    (only,) = response.context["rows"]
    assert [c.key for c in only.hitech.short] == ["field"]
