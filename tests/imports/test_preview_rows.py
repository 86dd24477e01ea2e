"""The preview page shows the file's first rows as the values that will be written, each row
marked 新增/修改/不变, the changed cells marked with their old value."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports.engine.pipeline import PREVIEW_ROWS
from imports.models import ImportJob
from tests.factories import EnterpriseFactory
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "乡镇（街道）"]


def _upload(client, rows):
    client.post(
        reverse("imports:upload", args=["enterprise"]),
        {"file": SimpleUploadedFile("企业.xlsx", xlsx_bytes([HEADER, *rows]))},
    )
    return ImportJob.objects.latest("pk")


def _preview_rows(html):
    table = re.search(r'<table[^>]*id="import-preview".*?</table>', html, re.S).group(0)
    return re.findall(r'<tr data-state="(\w+)">(.*?)</tr>', table, re.S)


def test_preview_shows_values_and_marks_exactly_the_changed_cell(staff_client, township):
    EnterpriseFactory(credit_code=code(1), name="甲公司", township=township)
    EnterpriseFactory(credit_code=code(3), name="丙公司", township=township)
    job = _upload(
        staff_client,
        [
            [code(1), "甲公司（更名）", "城关街道"],
            [code(2), "乙公司", "城关街道"],
            [code(3), "丙公司", "城关街道"],
        ],
    )
    assert job.status == "previewed" and (job.changed_count, job.new_count) == (1, 1)
    html = staff_client.get(job.get_absolute_url()).content.decode()
    rows = _preview_rows(html)
    assert [state for state, _ in rows] == ["changed", "new", "unchanged"]
    changed, new, unchanged = (body for _, body in rows)
    assert "修改" in changed and "新增" in new and "不变" in unchanged
    # The values that will be written, not counts.
    assert code(1) in changed and "甲公司（更名）" in changed and "城关街道" in changed
    assert code(2) in new and "乙公司" in new
    # Exactly one marked cell, the name, with the old name in its tooltip.
    marked = re.findall(r'<td class="table-warning import-changed"([^>]*)>([^<]*)</td>', html)
    assert len(marked) == 1
    attributes, value = marked[0]
    assert value == "甲公司（更名）"
    assert 'title="原值：甲公司"' in attributes
    assert "import-changed" not in new and "import-changed" not in unchanged
    # Once written the rows are no longer "to be written": the page shows the outcome.
    staff_client.post(reverse("imports:job-confirm", args=[job.pk]))
    html = staff_client.get(job.get_absolute_url()).content.decode()
    assert "已导入" in html and 'id="import-preview"' not in html


def test_preview_keeps_the_first_rows_and_the_page_costs_the_same_for_any_size(
    staff_client, township
):
    small = _upload(staff_client, [[code(n), f"企业{n}", "城关街道"] for n in range(1, 4)])
    large = _upload(staff_client, [[code(n), f"企业{n}", "城关街道"] for n in range(1, 301)])
    assert len(large.preview["rows"]) == PREVIEW_ROWS
    assert [r["row"] for r in large.preview["rows"]][:2] == [2, 3]
    counts = []
    staff_client.get(small.get_absolute_url())  # the session's first page does its own queries
    for job in (small, large):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(job.get_absolute_url()).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
