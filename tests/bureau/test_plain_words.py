"""No programmer's text on the pages (issue 14): keys show as their labels, numbers without
trailing zeros, empty choices as 请选择; a demo external figure saves unchanged."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bureau.models import ExternalFigure
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_targets_and_external_figures_show_the_figures_name_not_its_key(
    staff_client, admin_client_
):
    f.AnnualTargetFactory(year=2025, indicator="coverage_rate", value=Decimal("75"))
    figure = ExternalFigure.objects.create(
        year=2025,
        key="hitech_output_share_rank",
        value=Decimal("3.0000"),
        unit="位",
        source="市科技局",
    )
    targets = staff_client.get(reverse("bureau:annualtarget-list")).content.decode()
    assert "规上工业企业研发机构覆盖率" in targets and ">coverage_rate<" not in targets
    listing = staff_client.get(reverse("bureau:externalfigure-list")).content.decode()
    assert "高新技术产业产值占比全市位次" in listing and "3.0000" not in listing
    detail = staff_client.get(figure.get_absolute_url()).content.decode()
    assert "高新技术产业产值占比全市位次" in detail and "hitech_output_share_rank" not in detail


def test_the_citys_share_the_demo_records_saves_unchanged(admin_client_):
    figure = ExternalFigure.objects.create(
        year=2025,
        key="hitech_output_share_city",
        value=Decimal("46.0000"),
        unit="%",
        source="鲁川市科学技术局通报",
        as_of="2025-10-31",
    )
    edit = reverse("bureau:externalfigure-update", args=[figure.pk])
    form = admin_client_.get(edit).content.decode()
    assert 'value="2025-10-31"' in form
    response = admin_client_.post(
        edit,
        {
            "year": 2025,
            "key": "hitech_output_share_city",
            "value": "46.0000",
            "unit": "%",
            "source": "鲁川市科学技术局通报",
            "as_of": "2025-10-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_an_empty_choice_reads_please_choose(admin_client_):
    for url in (
        reverse("bureau:annualtarget-create"),
        reverse("enterprises:enterprise-create"),
        reverse("enterprises:hitechapplication-create"),
    ):
        page = admin_client_.get(url).content.decode()
        assert "---------" not in page, url
        assert "请选择" in page, url


def test_a_dashboard_drill_down_ticks_statuses_by_their_labels(staff_client, township):
    applied = f.HiTechApplicationFactory(enterprise__township=township, status="applied")
    review = f.HiTechApplicationFactory(enterprise__township=township, status="review")
    f.HiTechApplicationFactory(enterprise__township=township, status="cultivating")
    url = reverse("enterprises:hitechapplication-list") + "?status__in=applied,review"
    response = staff_client.get(url)
    assert {obj.pk for obj in response.context["object_list"]} == {applied.pk, review.pk}
    page = response.content.decode()
    assert "applied,review" not in page and "逗号" not in page
    assert '<option value="applied" selected>已申报</option>' in page
    assert '<option value="review" selected>专家评审</option>' in page
    # Ticking them in the form sends them one by one: the same records.
    ticked = staff_client.get(url.split("?")[0], {"status__in": ["applied", "review"]})
    assert {obj.pk for obj in ticked.context["object_list"]} == {applied.pk, review.pk}
