"""Setting the report's text: line breaking on the 28-character grid with the 避头尾 rules, the
落款's date, and exports that survive control characters stored in a paragraph."""

import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from bureau.models import BureauProfile
from bureau.services import bureau_profile_update
from reports.annual import services
from reports.annual.rendering import (
    LAYOUT,
    PANGO_SCALE,
    PX_PER_PT,
    FontMetrics,
    Setter,
    _pdf_line_end,
    chinese_date,
    render_docx,
    render_pdf,
    signing_date,
)
from reports.models import ReportParagraph, ReportVersion
from tests.reports.annual_data import YEAR, approve, build_year

CELL = LAYOUT.cell_pt
INDENT = 2 * CELL
# Full-width characters one em, the rest half an em: what the fallback widths give.
setter = Setter(FontMetrics("test", {}), LAYOUT.body_pt, LAYOUT.measure_pt, CELL - LAYOUT.body_pt)


def lines_of(text: str) -> list[str]:
    return [text[a:b] for a, b in setter.break_lines(text, indent=INDENT)]


def test_a_line_holds_28_characters_the_first_26_after_its_indent():
    text = "科" * 100
    assert [len(line) for line in lines_of(text)] == [26, 28, 28, 18]


def test_closing_punctuation_never_starts_a_line_it_takes_the_character_before_along():
    text = "科" * 26 + "，" + "技" * 10
    first, second = lines_of(text)
    assert first == "科" * 25 and second.startswith("科，")
    for mark in "。、；：？！）」》”":
        assert not any(line[0] == mark for line in lines_of("科" * 26 + mark + "技" * 30))


def test_an_opening_bracket_or_quote_never_ends_a_line():
    for mark in "（“《「":
        first, second = lines_of("科" * 25 + mark + "技术" * 10)
        assert first == "科" * 25 and second.startswith(mark + "技")


def test_numbers_and_latin_words_are_kept_whole():
    # 25 characters and a four-digit year (two cells) do not fit the first line's 26 cells
    first, second, *_rest = lines_of("科" * 25 + "2025年" + "技" * 30)
    assert first == "科" * 25 and second.startswith("2025年")
    first, second, *_rest = lines_of("科" * 24 + "46.35%，" + "技" * 30)
    assert first == "科" * 24 and second.startswith("46.35%，")
    # digits count by their width: more than 28 characters fit on a line with numbers
    assert len(lines_of("技" * 30 + "1234567890" * 2 + "技" * 30)[1]) > LAYOUT.chars


def test_a_run_longer_than_a_line_is_broken_by_characters():
    code = "9" * 80
    lines = lines_of("见" + code + "。")
    assert "".join(lines) == "见" + code + "。"
    assert all(setter.width(line) <= LAYOUT.measure_pt + 0.01 for line in lines)


def test_dashes_and_ellipses_stay_whole():
    for mark in ("——", "……"):
        text = "科" * 25 + mark + "技" * 30
        assert not any(
            line.startswith(mark[0]) and not line.startswith(mark) for line in lines_of(text)
        )
        assert all(mark in line or mark[0] not in line for line in lines_of(text))


def test_each_continuing_line_is_spaced_to_end_at_the_measure_and_the_last_is_on_the_grid():
    # a number pushed to the next line leaves the line before it short, stretched by a point
    # or more; the number itself then starts a line that is short too
    text = "科" * 24 + "18.96%" + "科" * 22 + "12345678" + "科技创新2025年增长18.96%，" * 6
    grid = round((CELL - LAYOUT.body_pt) * PX_PER_PT * PANGO_SCALE)
    lines = setter.justify(text, indent=INDENT)
    assert len(lines) > 3
    spaced_words = set()
    for number, line in enumerate(lines):
        chunk = text[line.start : line.end]
        ems = [setter.metrics.em(char) for char in chunk]
        runs = [
            (
                ems[box.start : box.end],
                line.grid if box.word else line.spacing,
                line.spacing - line.grid if box.word_end else 0,
            )
            for box in line.boxes
        ]
        end = _pdf_line_end(runs, LAYOUT.body_pt)  # where WeasyPrint puts the last glyph
        room = LAYOUT.measure_pt - (INDENT if number == 0 else 0)
        if number < len(lines) - 1:
            assert abs(end - room) < 0.03, chunk
            # where the stretch shows, numbers keep the grid's spacing
            words = {chunk[box.start : box.end] for box in line.boxes if box.word}
            assert words <= {"2025", "18.96%", "12345678"}, chunk
            if words:
                assert line.spacing > grid + 0.3 * PX_PER_PT * PANGO_SCALE
            spaced_words |= words
        else:
            assert line.spacing == grid and end < room
    assert "18.96%" in spaced_words


def test_a_long_title_is_balanced_over_its_lines():
    title = Setter(FontMetrics("test", {}), LAYOUT.title_pt, LAYOUT.measure_pt, 0)
    text = "鲁川市青河区科学技术局关于二〇二五年度科技创新工作情况的报告"
    lines = [text[line.start : line.end] for line in title.balance(text)]
    assert "".join(lines) == text and len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 1


# --- 成文日期 ---------------------------------------------------------------------------------


class _Version:
    def __init__(self, approved_at=None):
        self.approved_at = approved_at


def test_the_date_is_the_approval_date_and_a_version_not_approved_has_none():
    approved = timezone.make_aware(datetime.datetime(2026, 2, 3, 10, 0))
    assert signing_date(_Version(approved)) == datetime.date(2026, 2, 3)
    assert signing_date(_Version()) is None


def test_the_date_is_written_in_arabic_numerals_without_leading_zeros():
    assert chinese_date(datetime.date(2026, 1, 5)) == "2026年1月5日"
    assert chinese_date(datetime.date(2025, 12, 31)) == "2025年12月31日"


# --- Control characters -----------------------------------------------------------------------


@pytest.mark.django_db
def test_exports_survive_control_characters_stored_in_a_paragraph(staff_user):
    build_year()
    cache.clear()
    bureau_profile_update(
        user=None,
        data={
            "district_name": "青河区",
            "bureau_name": "青河区科学技术局",
            "bureau_short_name": "青河区科技局",
            "issuing_unit": "青河区科学技术局",
        },
    )
    # stored before input was cleaned (PostgreSQL refuses only NUL)
    BureauProfile.objects.update(issuing_unit="青河区科学\x1f技术局")
    cache.clear()
    version = services.report_create(year=YEAR, user=staff_user).versions.get()
    stored = "一是含有\x1f控制\x0b字符\x0c和\x7f\x85删除符的段落。"
    paragraph = version.paragraphs.filter(kind=ReportParagraph.Kind.BODY).first()
    ReportParagraph.objects.filter(pk=paragraph.pk).update(
        content=[{"text": stored}, {"text": "【待补充：\x1f说明】", "missing": True, "key": "x"}]
    )
    clean = "一是含有控制字符和删除符的段落。【待补充：说明】"
    # Rendered as the official document, so that the 落款 (the stored unit) is printed: the
    # placeholder would keep a leader from approving it, the renderer is what is tried here.
    ReportVersion.objects.filter(pk=version.pk).update(
        approved_at=timezone.now(), approved_by=staff_user
    )
    version.refresh_from_db()

    pdf = PdfReader(io.BytesIO(render_pdf(version)))
    pdf_text = re.sub(r"\s", "", "".join(page.extract_text() for page in pdf.pages))
    assert clean in pdf_text and "青河区科学技术局" in pdf_text
    word = Document(io.BytesIO(render_docx(version)))
    assert clean in [p.text for p in word.paragraphs]
    assert "青河区科学技术局" in [p.text for p in word.paragraphs]
    assert not re.search(
        r"[\x00-\x1f\x7f-\x9f]", pdf_text + "".join(p.text for p in word.paragraphs)
    )


@pytest.mark.django_db
def test_the_preview_ends_with_the_same_signature_as_the_exports(
    staff_user, leader_user, leader_client
):
    build_year()
    cache.clear()
    bureau_profile_update(
        user=None,
        data={
            "district_name": "青河区",
            "bureau_name": "鲁川市青河区科学技术局",
            "bureau_short_name": "青河区科技局",
            "issuing_unit": "鲁川市青河区科学技术局",
        },
    )
    version = services.report_create(year=YEAR, user=staff_user).versions.get()
    approved = timezone.make_aware(datetime.datetime(2026, 1, 15, 9, 30))
    version = approve(version, staff=staff_user, leader=leader_user, at=approved)
    page = leader_client.get(reverse("reports:annual-preview", args=[YEAR])).content.decode()
    signature = page[page.index('class="doc-signature') :]
    assert "鲁川市青河区科学技术局" in signature and "2026年1月15日" in signature
    word = Document(io.BytesIO(render_docx(version)))
    assert [p.text for p in word.paragraphs][-2:] == ["鲁川市青河区科学技术局", "2026年1月15日"]
