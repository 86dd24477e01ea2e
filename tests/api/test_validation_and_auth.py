"""The API refuses what the forms refuse, with the same Chinese messages; token login; filters."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.models import Enterprise, EnterpriseYearlyFigure, TechContract
from tests.api.conftest import api_url
from tests.factories import (
    EnterpriseFactory,
    IndustryFactory,
    TechContractFactory,
    YearlyFigureFactory,
    valid_credit_code,
)

pytestmark = pytest.mark.django_db


def _enterprise_payload(township, **overrides):
    return {
        "credit_code": valid_credit_code(4242),
        "name": "接口测试有限公司",
        "township": township.pk,
    } | overrides


def test_wrong_credit_code_check_digit_is_400_with_the_forms_message(township, api_for, staff_user):
    response = api_for(staff_user).post(
        api_url(Enterprise),
        _enterprise_payload(township, credit_code="91350100M000100Y44"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["credit_code"] == [
        "统一社会信用代码校验位错误：第18位应为“3”，实为“4”。"
    ]
    assert not Enterprise.objects.exists()


def test_credit_code_is_normalised_as_on_the_form(township, api_for, staff_user):
    response = api_for(staff_user).post(
        api_url(Enterprise),
        _enterprise_payload(township, credit_code=" 91350100m000100y43 "),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["credit_code"] == "91350100M000100Y43"


def test_duplicate_credit_code_has_the_models_message(township, api_for, staff_user):
    existing = EnterpriseFactory(township=township)
    response = api_for(staff_user).post(
        api_url(Enterprise),
        _enterprise_payload(township, credit_code=existing.credit_code),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["credit_code"] == ["该统一社会信用代码的企业已存在。"]


def test_rule_of_the_models_clean_is_a_field_error(township, api_for, staff_user):
    enterprise = EnterpriseFactory(township=township)
    response = api_for(staff_user).post(
        api_url(EnterpriseYearlyFigure),
        {"enterprise": enterprise.pk, "year": 2025, "staff_total": 10, "tech_staff": 11},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"tech_staff": ["科技人员数不能超过职工总数。"]}


def test_unique_together_and_check_constraints_are_non_field_errors(township, api_for, staff_user):
    figure = YearlyFigureFactory(enterprise=EnterpriseFactory(township=township))
    client = api_for(staff_user)
    duplicate = client.post(
        api_url(EnterpriseYearlyFigure),
        {"enterprise": figure.enterprise_id, "year": figure.year},
        format="json",
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {"non_field_errors": ["该企业本年度的指标已存在。"]}

    contract = TechContractFactory(seller=figure.enterprise)
    over = client.patch(api_url(TechContract, contract.pk), {"tech_amount": "999"}, format="json")
    assert over.status_code == 400
    assert over.json() == {"non_field_errors": ["技术交易额不能超过成交额。"]}
    contract.refresh_from_db()
    assert contract.tech_amount < 999


def test_malformed_values_are_refused_in_chinese(api_for, staff_user):
    response = api_for(staff_user).post(
        api_url(EnterpriseYearlyFigure), {"enterprise": "x", "year": "今年"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["year"] == ["请填写合法的整数值。"]
    assert "enterprise" in body


def test_record_still_referenced_cannot_be_deleted(township, api_for, staff_user):
    contract = TechContractFactory(seller=EnterpriseFactory(township=township))
    response = api_for(staff_user).delete(api_url(Enterprise, contract.seller_id))
    assert response.status_code == 409
    assert response.json()["detail"].startswith("无法删除：仍有相关记录引用它")
    assert Enterprise.objects.filter(pk=contract.seller_id).exists()


def test_liaison_cannot_point_a_record_at_another_township(
    township, other_township, api_for, liaison_user
):
    response = api_for(liaison_user).post(
        api_url(Enterprise), _enterprise_payload(other_township), format="json"
    )
    assert response.status_code == 400
    assert "township" in response.json()
    assert not Enterprise.objects.exists()


def test_token_obtained_with_password_opens_the_api(township, staff_user):
    client = APIClient()
    refused = client.post(reverse("api:token"), {"username": "staff", "password": "wrong"})
    assert refused.status_code == 400
    token = client.post(reverse("api:token"), {"username": "staff", "password": "Bureau-2026"})
    assert token.status_code == 200
    EnterpriseFactory(township=township)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = client.get(api_url(Enterprise))
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_token_of_a_leader_still_cannot_write(township, leader_user):
    client = APIClient()
    token = client.post(reverse("api:token"), {"username": "leader", "password": "Bureau-2026"})
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = client.post(api_url(Enterprise), _enterprise_payload(township), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "您没有修改此类记录的权限。"


def test_list_filters_search_ordering_and_pagination(township, other_township, api_for, staff_user):
    aluminium = IndustryFactory(name="铝电")
    for n in range(3):
        EnterpriseFactory(
            township=township, name=f"城关铝业{n}", industry=aluminium, is_above_scale=True
        )
    EnterpriseFactory(township=other_township, name="东山汽配", is_above_scale=False)
    client = api_for(staff_user)

    by_township = client.get(api_url(Enterprise), {"township": other_township.pk}).json()
    assert [row["name"] for row in by_township["results"]] == ["东山汽配"]
    above_scale = client.get(api_url(Enterprise), {"is_above_scale": "false"}).json()
    assert above_scale["count"] == 1
    searched = client.get(api_url(Enterprise), {"search": "铝业"}).json()
    assert searched["count"] == 3
    page = client.get(api_url(Enterprise), {"ordering": "-id", "page_size": 2}).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    assert page["results"][0]["name"] == "东山汽配"
    assert client.get(api_url(Enterprise), {"page": 99}).status_code == 404
