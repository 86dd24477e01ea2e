"""The Word file: the same layout as the PDF, for bureaus that finish documents in Word or WPS."""

import io
import re

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from reports.annual import services
from reports.annual.rendering import LAYOUT, render_docx
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db


def east_asian_font(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


@pytest.fixture
def document(staff_user):
    build_year()
    report = services.report_create(year=YEAR, user=staff_user)
    return Document(io.BytesIO(render_docx(report.versions.get())))


def test_the_page_is_a4_with_the_standard_margins_and_line_grid(document):
    section = document.sections[0]
    for actual, expected in (
        (section.page_width, Mm(210)),
        (section.page_height, Mm(297)),
        (section.top_margin, Mm(37)),
        (section.bottom_margin, Mm(35)),
        (section.left_margin, Mm(28)),
        (section.right_margin, Mm(26)),
    ):
        assert abs(actual - expected) < Mm(1)
    body = document.paragraphs[1].paragraph_format
    assert abs(body.line_spacing - Pt(LAYOUT.line_pitch_pt)) < Pt(0.1)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == str(round(LAYOUT.line_pitch_pt * 20))


def test_each_level_has_its_font(document):
    by_text = {p.text: p for p in document.paragraphs}
    title = by_text[f"区科技局{YEAR}年度工作报告"]
    assert east_asian_font(title.runs[0]) == "方正小标宋简体"
    assert title.runs[0].font.size == Pt(22)
    assert east_asian_font(by_text["一、主要工作开展情况"].runs[0]) == "黑体"
    assert east_asian_font(by_text["（一）积极培育创新主体"].runs[0]) == "楷体_GB2312"
    body = by_text[next(text for text in by_text if text.startswith("一是部分年度目标"))]
    assert east_asian_font(body.runs[0]) == "仿宋_GB2312"
    assert body.runs[0].font.size == Pt(16)


def test_page_numbers_alternate_sides(document):
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for footer in (odd, even):
        assert "PAGE" in footer._element.xml and footer.text.startswith("— ")
    assert odd.alignment == 2 and even.alignment == 0  # right, left


def test_the_text_holds_the_figures_and_no_placeholder(document):
    text = "\n".join(p.text for p in document.paragraphs)
    assert "33.33%" in text and "二、存在的主要问题" in text
    assert not re.search(r"(?<![A-Za-z])X+(?![A-Za-z])", text)


def test_missing_figures_are_highlighted(staff_user):
    report = services.report_create(year=YEAR, user=staff_user)
    document = Document(io.BytesIO(render_docx(report.versions.get())))
    marked = [
        run
        for paragraph in document.paragraphs
        for run in paragraph.runs
        if run.text.startswith("【待补充")
    ]
    assert marked and all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW for run in marked)
