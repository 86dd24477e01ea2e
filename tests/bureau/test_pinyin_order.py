"""Names sorted for people come out in pinyin order (东 光 佳 云 中: dōng, guāng, jiā, yún,
zhōng), as Excel and WPS sort them, not in code-point order (东 中 云 佳 光): in a list, its
column sort, an export, a drop-down, a search box's answers and the report's name lists."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bureau.collation import pinyin_sorted
from reports.indicators.base import township_names
from tests import factories as f

pytestmark = pytest.mark.django_db

CHARS = ["东", "中", "云", "佳", "光"]  # code-point order
PINYIN = ["东", "光", "佳", "云", "中"]


def names_in(html: str, suffix: str) -> list[str]:
    # each name once, where it first appears (a row may show it twice: its link and its title)
    return list(dict.fromkeys(re.findall(rf"([\u4e00-\u9fff]){suffix}", html)))


@pytest.fixture
def enterprises(township):
    # created in code-point order, so the primary key's order is no pinyin order either
    return [f.EnterpriseFactory(township=township, name=f"{c}拼序企业") for c in CHARS]


def test_the_database_has_the_pinyin_collation():
    assert pinyin_sorted(CHARS) == PINYIN
    assert sorted(CHARS) == CHARS  # the order a plain sort gives: the test can fail


def test_a_list_and_its_column_sort_are_in_pinyin_order(staff_client, enterprises):
    url = reverse("enterprises:enterprise-list")
    assert names_in(staff_client.get(url).content.decode(), "拼序企业") == PINYIN
    html = staff_client.get(url, {"sort": "-name"}).content.decode()
    assert names_in(html, "拼序企业") == PINYIN[::-1]


def test_an_export_is_in_pinyin_order(staff_client, enterprises):
    url = reverse("imports:export", args=["enterprise"])
    response = staff_client.get(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [n[0] for n in names if n and n.endswith("拼序企业")] == PINYIN


def test_a_drop_down_and_a_search_box_are_in_pinyin_order(staff_client, enterprises):
    for c in CHARS:
        f.IndustryFactory(name=f"{c}拼序产业", is_key_chain=False)
    html = staff_client.get(reverse("enterprises:enterprise-create")).content.decode()
    assert names_in(html, "拼序产业") == PINYIN
    answer = staff_client.get(reverse("lookup", args=["enterprises.enterprise"]), {"q": "拼序"})
    assert [r["text"][0] for r in answer.json()["results"]] == PINYIN


def test_the_reports_township_order_is_pinyin(db):
    for i, c in enumerate(CHARS):
        f.TownshipFactory(name=f"{c}拼序镇", code=f"371402{100 + i}")
    names = [n for n in township_names().values() if n and n.endswith("拼序镇")]
    assert [n[0] for n in names] == PINYIN
