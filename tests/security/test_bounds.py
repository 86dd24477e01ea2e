"""Numbers and dates are bounded before anything is derived from them: a cell, a filter or a
field value out of range is an error with a Chinese message, never a server error or a long
conversion."""

import datetime

import pytest

from enterprises.models import HiTechApplication
from imports.engine.pipeline import run_import
from tests import factories as f
from tests.imports.conftest import xlsx_bytes

pytestmark = pytest.mark.django_db

RANGE = "日期应在1900-01-01至2099-12-31之间。"


def test_1e1000000_in_an_integer_column_is_a_row_error_naming_the_range(township, liaison_user):
    enterprise = f.EnterpriseFactory(township=township)
    data = xlsx_bytes(
        [
            ["统一社会信用代码", "年度", "职工总数", "科技人员数"],
            [enterprise.credit_code, 2025, "1e1000000", "-1e999999999"],
        ]
    )
    result = run_import("enterpriseyearlyfigure", data, user=liaison_user)  # a dry run
    messages = {e.header: e.message for e in result.errors}
    assert "超出可接受的范围" in messages["职工总数"]
    assert "超出可接受的范围" in messages["科技人员数"]


def test_a_huge_number_under_a_header_in_yuan_is_a_row_error(township):
    # The 元 header multiplies by 0.0001: unbounded, 1e999999999 overflowed the decimal context.
    enterprise = f.EnterpriseFactory(township=township)
    data = xlsx_bytes(
        [
            ["统一社会信用代码", "年度", "研发费用（元）"],
            [enterprise.credit_code, 2025, "1e999999999"],
        ]
    )
    result = run_import("enterpriseyearlyfigure", data)
    assert [e.header for e in result.errors] == ["研发费用（元）"]
    assert "超出可接受的范围" in result.errors[0].message


@pytest.mark.parametrize(
    "path",
    [
        "/bureau/workactivity/",
        "/poverty/servicevisit/",
        "/imports/workactivity/export/",
        "/imports/servicevisit/export/",
    ],
)
@pytest.mark.parametrize("query", ["date__year=99999999999", "date__month=99999999999999999"])
def test_a_year_filter_past_9999_answers_the_page(staff_client, township, path, query):
    f.WorkActivityFactory(township=township)
    response = staff_client.get(f"{path}?{query}")
    assert response.status_code == 200
    if "export" in path:
        assert b"\xe7\xa0\x94\xe5\x8f\x91" not in b"".join(response.streaming_content)  # no rows


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/bureau/workactivity/", "date__year=99999999999"),
        ("/api/poverty/servicevisit/", "date__year=99999999999"),
        ("/api/enterprises/enterpriseyearlyfigure/", "year=1e1000000"),
        ("/api/enterprises/techcontract/", "registered_on__year=-5"),
    ],
)
def test_api_number_filters_out_of_range_are_a_400(api_for, staff_user, path, query):
    response = api_for(staff_user).get(f"{path}?{query}")
    assert response.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.content.decode())


def test_a_list_filter_with_a_huge_exponent_is_a_form_error(staff_client):
    response = staff_client.get("/enterprises/enterpriseyearlyfigure/", {"year": "1e1000000"})
    assert response.status_code == 200
    assert response.context["filter"].errors["year"]


def test_an_issue_date_of_9999_12_31_is_refused_in_chinese(
    admin_client_, api_for, admin_user, township
):
    enterprise = f.EnterpriseFactory(township=township)
    data = {
        "enterprise": enterprise.pk,
        "year": 2025,
        "kind": "first",
        "tech_field": "materials",
        "status": "certified",
        "certificate_number": "GR1",
        "issued_on": "9999-12-31",
    }
    page = admin_client_.post("/enterprises/hitechapplication/new/", data)
    assert page.status_code == 200
    assert RANGE in page.context["form"].errors["issued_on"]
    api = api_for(admin_user).post("/api/enterprises/hitechapplication/", data, format="json")
    assert api.status_code == 400 and api.json()["issued_on"] == [RANGE]
    sheet = xlsx_bytes(
        [
            ["统一社会信用代码", "年度", "技术领域", "状态", "证书编号", "发证日期"],
            [enterprise.credit_code, 2025, "新材料", "认定", "GR1", "9999-12-31"],
        ]
    )
    result = run_import("hitechapplication", sheet)
    assert {e.header for e in result.errors} == {"发证日期"}
    assert any(RANGE in e.message for e in result.errors)
    assert not HiTechApplication.objects.exists()


def test_a_certificate_issued_on_29_february_expires_on_28_february(township):
    application = f.HiTechApplicationFactory(
        enterprise=f.EnterpriseFactory(township=township),
        status="certified",
        certificate_number="GR2",
        issued_on=datetime.date(2024, 2, 29),
    )
    application.full_clean()
    assert application.expires_on == datetime.date(2027, 2, 28)
