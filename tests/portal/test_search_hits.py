"""Each hit of the header search says which field matched, with the fragment highlighted: an
enterprise found by a fragment of its credit code shows the code; an expert found through
their employer's name says so."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db
SEARCH = reverse("search")


def test_a_credit_code_fragment_shows_the_code_highlighted(staff_client, township):
    firm = f.EnterpriseFactory(name="青河晶万汽车尾气净化装置有限公司", township=township)
    fragment = firm.credit_code[-8:]
    html = staff_client.get(SEARCH, {"q": fragment.lower()}).content.decode()
    assert f"统一社会信用代码</span>：{firm.credit_code[:10]}<mark>{fragment}</mark>" in html


def test_a_hit_through_another_field_says_why(staff_client, township):
    firm = f.EnterpriseFactory(name="青河精工科技有限公司", township=township)
    f.ForeignExpertFactory(name="Eitan Cohen", employer=firm)
    html = staff_client.get(SEARCH, {"q": "精工科技"}).content.decode()
    assert "Eitan Cohen" in html
    assert "·企业名称</span>：青河<mark>精工科技</mark>有限公司" in html


def test_a_name_hit_is_highlighted_too(staff_client, township):
    f.EnterpriseFactory(
        name="福嘉农业科技有限公司", legal_representative="张福嘉", township=township
    )
    html = staff_client.get(SEARCH, {"q": "福嘉"}).content.decode()
    assert "企业名称</span>：<mark>福嘉</mark>农业科技有限公司" in html
