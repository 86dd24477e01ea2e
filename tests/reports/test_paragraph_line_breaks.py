"""A line break typed inside a report paragraph never vanishes: the edit is refused with a
message saying how to split the paragraph, and the text stays in the form as typed."""

import pytest
from django.urls import reverse

from reports.annual import services
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def report(staff_user):
    build_year()
    return services.report_create(year=YEAR, user=staff_user)


def test_a_line_break_inside_a_paragraph_is_refused_with_a_message(staff_client, report):
    url = reverse("reports:annual-paragraph", args=[YEAR, "problems.1"])
    text = "二是高新技术产业比重偏小。\r\n三是乡镇（街道）研发机构建设不平衡。"
    html = staff_client.post(url, {"base": 1, "text": text}, **HTMX).content.decode()
    assert "段落内不能换行" in html and "插入段落" in html
    assert "三是乡镇（街道）研发机构建设不平衡。" in html  # still in the form, not dropped
    assert report.versions.count() == 1  # nothing saved


def test_one_line_with_spaces_around_is_saved(staff_client, report):
    url = reverse("reports:annual-paragraph", args=[YEAR, "problems.1"])
    staff_client.post(url, {"base": 1, "text": "\r\n二是高新技术产业比重偏小。\r\n"}, **HTMX)
    assert report.versions.count() == 2
