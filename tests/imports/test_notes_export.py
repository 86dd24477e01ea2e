"""跟进记录 exported with their records: the list's filters and township scope, every note of
each record, formula-like text neutralised."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bureau.follow_up import note_add
from bureau.models import FollowUpNote
from tests import factories as f

pytestmark = pytest.mark.django_db


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def test_the_notes_of_the_listed_records_export_with_them(
    township, other_township, staff_user, liaison_client, client_for
):
    mine = f.EnterpriseFactory(township=township, name="甲科技")
    theirs = f.EnterpriseFactory(township=other_township, name="乙科技")
    for record, text in ((mine, "电话询问研发投入"), (mine, "=HYPERLINK(1)"), (theirs, "走访")):
        note_add(
            user=staff_user, record=record, date=datetime.date(2025, 5, 1), kind="call", text=text
        )
    url = reverse("imports:export-notes", args=["enterprise"])

    rows = _rows(client_for(staff_user).get(url))
    assert rows[0] == ("记录", "记录编号", "日期", "方式", "内容", "记录人")
    assert {row[0] for row in rows[1:]} == {"甲科技", "乙科技"} and len(rows) == 4
    assert "=HYPERLINK(1)" in {row[4] for row in rows}  # stored as text, not a formula

    rows = _rows(client_for(staff_user).get(url, {"q": "乙"}))
    assert [row[4] for row in rows[1:]] == ["走访"]
    rows = _rows(liaison_client.get(url))  # their township's records only
    assert {row[0] for row in rows[1:]} == {"甲科技"}
    assert FollowUpNote.objects.count() == 3


def test_entities_without_notes_have_no_notes_export(staff_client):
    url = reverse("imports:export-notes", args=["commissioner"])
    assert staff_client.get(url).status_code == 404
    page = staff_client.get(reverse("enterprises:enterprise-list")).content.decode()
    assert reverse("imports:export-notes", args=["enterprise"]) in page
