"""The list pages' table: sorting, page links that keep the filters, and how cells read."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from enterprises.models import Enterprise
from tests.factories import EnterpriseFactory, IndustryFactory

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:enterprise-list")


def names(html: str) -> list[str]:
    """Enterprise names in the order the table lists them (the linked first cell of each row)."""
    return re.findall(r'<td[^>]*><a href="/enterprises/enterprise/\d+/">([^<]+)</a></td>', html)


def hrefs(html: str, css_class: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'class="{css_class}" href="([^"]+)"', html)]


def test_a_column_heading_sorts_ascending_then_descending(staff_client, township):
    for name in ["乙公司", "甲公司", "丙公司"]:
        EnterpriseFactory(name=name, township=township)
    by_pinyin = ["丙公司", "甲公司", "乙公司"]  # bǐng, jiǎ, yǐ (code points: 丙 乙 甲)

    html = staff_client.get(LIST, {"sort": "name"}).content.decode()
    assert names(html) == by_pinyin
    assert 'aria-sort="ascending"' in html
    # the heading of the sorted column now offers the other direction, and drops the page
    assert "?sort=-name" in hrefs(html, "sort-link")

    html = staff_client.get(LIST, {"sort": "-name"}).content.decode()
    assert names(html) == by_pinyin[::-1]
    assert 'aria-sort="descending"' in html


def test_an_unknown_sort_is_ignored_not_an_error(staff_client, township):
    EnterpriseFactory(name="甲公司", township=township)
    for sort in ["password", "-township__users__password", "pk;drop"]:
        response = staff_client.get(LIST, {"sort": sort})
        assert response.status_code == 200
        assert names(response.content.decode()) == ["甲公司"]


def test_equal_sort_keys_are_ordered_by_id_so_pages_never_overlap(staff_client, township):
    created = EnterpriseFactory.create_batch(30, township=township)
    # an update moves a row to the end of the table, so storage order is no longer id order
    for enterprise in created[:15]:
        Enterprise.objects.filter(pk=enterprise.pk).update(name=enterprise.name + "（更新）")
    seen = []
    for page in (1, 2):
        html = staff_client.get(LIST, {"sort": "is_above_scale", "page": page}).content.decode()
        seen += [
            int(pk)
            for pk in re.findall(r'<td[^>]*><a href="/enterprises/enterprise/(\d+)/">', html)
        ]
    assert seen == sorted(e.pk for e in created)


def test_page_links_keep_filters_and_sort(staff_client, township):
    industry = IndustryFactory()
    EnterpriseFactory.create_batch(60, township=township, industry=industry)
    EnterpriseFactory.create_batch(5, township=township)  # filtered out

    html = staff_client.get(
        LIST, {"industry": industry.pk, "sort": "-name", "page": 2}
    ).content.decode()
    assert "共 60 条记录" in html
    links = hrefs(html, "page-link")
    assert links, "no page links"
    for href in links:
        assert f"industry={industry.pk}" in href and "sort=-name" in href
    assert any("page=3" in href for href in links)  # next and the last page
    assert re.search(r'aria-current="page">2<', html)


def test_a_page_past_the_end_shows_the_last_page(staff_client, township):
    EnterpriseFactory.create_batch(30, township=township)
    response = staff_client.get(LIST, {"page": 99})
    assert response.status_code == 200
    assert len(names(response.content.decode())) == 5


def test_many_pages_link_the_first_the_window_and_the_last(staff_client, township):
    EnterpriseFactory.create_batch(25 * 12, township=township)
    html = staff_client.get(LIST, {"page": 6}).content.decode()
    numbers = re.findall(
        r'class="page-link" href="\?page=(\d+)"(?: aria-current="page")?>\d+<', html
    )
    assert numbers == ["1", "3", "4", "5", "6", "7", "8", "9", "12"]
    assert html.count("…") == 2


def test_cells_read_as_words_not_python_values(staff_client, township):
    EnterpriseFactory(
        name="甲公司",
        township=township,
        industry=None,
        is_above_scale=False,
        founded_on=datetime.date(2018, 12, 1),
    )
    html = staff_client.get(LIST).content.decode()
    # (after the tick that selects the row for a bulk action)
    row = re.search(
        r"<tr><td class=\"bulk-cell[^>]*>.*?</td><td[^>]*><a[^>]*>甲公司</a></td>(.*?)</tr>", html
    )
    row = row.group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[1:] == [township.name, "—", "否", "2018年12月1日"]


def test_no_records_says_so(staff_client):
    html = staff_client.get(LIST).content.decode()
    assert "暂无记录" in html and "共 0 条记录" in html
    assert "page-link" not in html


def test_filters_are_headed_by_the_field_they_end_on(staff_client):
    html = staff_client.get(reverse("poverty:servicevisit-list")).content.decode()
    labels = [
        " ".join(label.split())
        for label in re.findall(r'<label[^>]*class="form-label"[^>]*>(.*?)</label>', html, re.S)
    ]
    assert labels == ["服务方式", "重点村", "乡镇（街道）", "日期（年份）", "日期（月份）", "搜索"]


def test_print_all_puts_every_filtered_row_on_one_page_up_to_a_limit(
    staff_client, township, settings
):
    from tests import factories as f

    settings.LIST_PRINT_MAX_ROWS = 30
    for n in range(40):
        f.EnterpriseFactory(township=township, name=f"打印企业{n:02d}", is_above_scale=n < 35)
    url = reverse("enterprises:enterprise-list")
    page = staff_client.get(url, {"is_above_scale": "true", "print": "1"})
    html = page.content.decode()
    assert len(page.context["table"].page.object_list) == 30
    assert "共 35 条记录" in html and "打印前 30 条" in html and "data-autoprint" in html
    assert 'print=1"' in staff_client.get(url).content.decode()  # the 打印全部 button
    assert len(staff_client.get(url).context["table"].page.object_list) == 25
