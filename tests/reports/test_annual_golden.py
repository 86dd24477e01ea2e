"""The demo district's report, pinned: every paragraph of the drafts of the last full year and
the one before was read by a person once (the files in ``golden/``); any change to the wording or
to a figure shows here as a diff to read again.

The demo is seeded as of a fixed day, and the report drafted as of the same day, so the files do
not move with the calendar. After a deliberate change of wording, rewrite the files with
``UPDATE_GOLDEN=1 pytest tests/reports/test_annual_golden.py`` and read the diff before
committing it.
"""

import datetime
import difflib
import os
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from demo.services import demo_seed
from reports.annual import selectors
from reports.annual.drafting import segments_text
from reports.annual.outline import OUTLINE

GOLDEN = Path(__file__).parent / "golden"
TODAY = datetime.date(2026, 11, 29)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo_seed(scale="district", today=TODAY)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):
    return demo


def report_text(year: int) -> str:
    context = selectors.draft_context(year, selectors.figures_snapshot(year, today=TODAY))
    lines = []
    for slot in OUTLINE:
        text = segments_text(slot.draft(context))
        if text:
            lines.append(f"[{slot.key}] {text}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("year", [2025, 2024])
def test_the_demo_report_reads_as_pinned(seeded, year):
    text = report_text(year)
    path = GOLDEN / f"annual_{year}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    pinned = path.read_text(encoding="utf-8")
    diff = "\n".join(
        difflib.unified_diff(
            pinned.splitlines(), text.splitlines(), "pinned", "drafted", lineterm=""
        )
    )
    assert text == pinned, diff


@pytest.mark.parametrize("year", [2025, 2024])
def test_the_demo_report_is_complete_and_says_nothing_false(seeded, year):
    text = report_text(year)
    assert f"[title] 青河区科技局{year}年度工作报告" in text
    # Where the records hold the data, nothing is left to fill in. The one gap allowed is the
    # growth of 2024, whose year before (2023) the demo does not hold.
    gaps = text.count("【待补充")
    assert gaps == (1 if year == 2024 else 0), text
    # Statements the review found false or stale.
    if year == 2025:
        assert "等待答辩" not in text.split("[work.2.1.body]")[1].split("\n")[0]
    assert "截至10月底，全区高新技术产业产值" not in text
    assert "印发研发机构全覆盖行动方案，印发" not in text
    assert "泰山产业领军人才工程·" not in text
    assert "1家已获" not in text and "1家未通过" not in text
    assert "一是企业研发投入仍然不足" not in text  # the sample's words are not the data's
