"""The exported PDF against GB/T 9704-2012: text, fonts, page and text block geometry.

The report is rendered once for the module (in a transaction rolled back afterwards) and read
back with pypdf, glyph advances taken from the embedded fonts' width tables."""

import io
import re

import pytest
from django.db import connection, transaction
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from reports.annual import services
from reports.annual.rendering import LAYOUT, render_pdf
from tests.factories import UserFactory
from tests.reports.annual_data import YEAR, build_year

# Marked so that pytest-django sets up the test database even when only this module runs
# (it sets up only the databases that marked tests ask for).
pytestmark = pytest.mark.django_db
MM = 72 / 25.4
TOLERANCE = 1 * MM


@pytest.fixture(scope="module")
def pdf(django_db_setup, django_db_blocker) -> PdfReader:
    with django_db_blocker.unblock(), transaction.atomic():
        # the test database, never the real one (SQLite tests run in memory)
        name = str(connection.settings_dict["NAME"])
        assert name.startswith("test_") or "memorydb" in name
        build_year()
        staff = UserFactory(username="pdf-staff", role="staff")
        report = services.report_create(year=YEAR, user=staff)
        data = render_pdf(report.versions.get())
        transaction.set_rollback(True)
    return PdfReader(io.BytesIO(data))


def _widths(font) -> tuple[dict, float, dict]:
    descendant = font["/DescendantFonts"][0].get_object()
    table, array, index = {}, descendant.get("/W", []), 0
    while index < len(array):
        first, second = array[index], array[index + 1]
        if isinstance(second, ArrayObject):
            table.update({first + k: float(w) for k, w in enumerate(second)})
            index += 2
        else:
            table.update({cid: float(array[index + 2]) for cid in range(first, second + 1)})
            index += 3
    return table, float(descendant.get("/DW", 1000)), descendant["/FontDescriptor"]


def runs(page) -> list[dict]:
    """Each text-showing operation with its start and end x, baseline y (points from the
    bottom-left corner) and font size, as placed on the page."""
    fonts, cache, state, out = page["/Resources"]["/Font"], {}, {}, []

    def before(operator, operands, cm, tm):
        if operator == b"Tf":
            state["font"], state["size"] = operands[0], float(operands[1])
        if operator not in (b"TJ", b"Tj"):
            return
        if state["font"] not in cache:
            cache[state["font"]] = _widths(fonts[state["font"]].get_object())
        widths, default, descriptor = cache[state["font"]]
        size, advance = state["size"], 0.0
        for item in operands[0] if operator == b"TJ" else [operands[0]]:
            if isinstance(item, bytes | str) or hasattr(item, "original_bytes"):
                raw = getattr(item, "original_bytes", item)
                for i in range(0, len(raw), 2):
                    advance += (
                        widths.get(int.from_bytes(raw[i : i + 2], "big"), default) / 1000 * size
                    )
            else:
                advance -= float(item) / 1000 * size
        a, b, c, d, e, f = cm
        x, y = tm[4] * a + tm[5] * c + e, tm[4] * b + tm[5] * d + f
        scale = (a * a + b * b) ** 0.5
        out.append(
            {
                "x0": x,
                "x1": x + advance * scale,
                "y": y,
                "size": round(size * scale, 1),
                "ascent": float(descriptor["/Ascent"]) / 1000,
                "descent": -float(descriptor["/Descent"]) / 1000,
            }
        )

    page.extract_text(visitor_operand_before=before)
    return out


def lines(page) -> list[list[dict]]:
    """Runs grouped by baseline, top line first, without the page number."""
    grouped: dict[float, list] = {}
    for run in runs(page):
        if run["size"] == LAYOUT.page_number_pt:
            continue
        grouped.setdefault(round(run["y"], 1), []).append(run)
    return [grouped[y] for y in sorted(grouped, reverse=True)]


def test_the_text_holds_the_outline_and_the_computed_figures(pdf):
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    for heading in (
        f"区科技局{YEAR}年度工作报告",
        "一、主要工作开展情况",
        "（一）积极培育创新主体",
        "一是谋划创新创业共同体建设",
        "（二）做好科技人才工作",
        "（三）强化创新创业载体建设",
        "四是全力推动规模以上工业企业研发机构全覆盖工作",
        "（四）大力开展科技扶贫",
        "二、存在的主要问题",
        "三、下一步工作计划",
    ):
        assert heading in text, heading
    for figure in (
        "33.33%",
        "列全市第3位",
        "1.50亿元",
        "同比增长50.00%",
        "王教授",
        "通享文化众创空间",
    ):
        assert figure in text, figure


def test_no_placeholder_is_left(pdf):
    text = "".join(page.extract_text() for page in pdf.pages)
    assert not re.search(r"(?<![A-Za-z])X+(?![A-Za-z])", text)
    assert "【待补充" not in text and "{" not in text


def test_fonts_are_embedded_and_subset(pdf):
    fonts = {}
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[str(font["/BaseFont"])] = descriptor
    families = {re.sub(r"^/?[A-Z]{6}\+", "", name).split("-")[1] for name in fonts}
    assert families == {"title", "body", "heading", "kai"}
    for name, descriptor in fonts.items():
        assert re.match(r"^/?[A-Z]{6}\+", name), f"{name} is not subset"
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), name


def test_pages_are_a4(pdf):
    for page in pdf.pages:
        assert abs(float(page.mediabox.width) - 210 * MM) < TOLERANCE
        assert abs(float(page.mediabox.height) - 297 * MM) < TOLERANCE


def _line_box(run, pitch) -> tuple[float, float]:
    """Top and bottom (points from the bottom edge) of the line box around ``run``."""
    half_leading = (pitch - (run["ascent"] + run["descent"]) * run["size"]) / 2
    return (
        run["y"] + run["ascent"] * run["size"] + half_leading,
        run["y"] - run["descent"] * run["size"] - half_leading,
    )


def test_the_text_block_is_156_by_225_mm_at_37_mm_from_the_top_and_28_from_the_left(pdf):
    height = float(pdf.pages[0].mediabox.height)
    pitch = LAYOUT.line_pitch_pt
    for page in pdf.pages:
        page_lines = lines(page)
        starts = [min(run["x0"] for run in line) for line in page_lines]
        ends = [max(run["x1"] for run in line) for line in page_lines]
        assert abs(min(starts) - LAYOUT.margin_left_mm * MM) < TOLERANCE
        assert abs(max(ends) - (210 - LAYOUT.margin_right_mm) * MM) < TOLERANCE

        # The first line box starts 37 mm from the top; no line reaches the bottom margin,
        # and on a full page the last line box ends exactly on it, 35 mm from the bottom.
        top, _bottom = _line_box(page_lines[0][0], pitch)
        assert abs(height - top - LAYOUT.margin_top_mm * MM) < TOLERANCE
        _top, bottom = _line_box(page_lines[-1][0], pitch)
        assert bottom > LAYOUT.margin_bottom_mm * MM - TOLERANCE
        if len(page_lines) == LAYOUT.lines:
            assert abs(bottom - LAYOUT.margin_bottom_mm * MM) < TOLERANCE


def test_a_page_holds_22_lines_of_28_characters(pdf):
    counts = [len(lines(page)) for page in pdf.pages]
    assert max(counts) == LAYOUT.lines, counts
    text_lines = [
        line
        for page in pdf.pages
        for line in page.extract_text().split("\n")
        if not line.startswith("—")
    ]
    full_width = [line for line in text_lines if all(ord(ch) > 0x2E80 for ch in line)]
    assert max(len(line) for line in full_width) == LAYOUT.chars


def test_page_numbers_sit_7_mm_below_the_block_right_on_odd_pages_left_on_even(pdf):
    height = float(pdf.pages[0].mediabox.height)
    for number, page in enumerate(pdf.pages[:2], start=1):
        assert f"— {number} —" in page.extract_text()
        (mark,) = [run for run in runs(page) if run["size"] == LAYOUT.page_number_pt]
        one_char = LAYOUT.page_number_pt
        if number % 2:
            right = (210 - LAYOUT.margin_right_mm) * MM - one_char
            assert abs(max(r["x1"] for r in runs(page) if r["y"] == mark["y"]) - right) < TOLERANCE
        else:
            left = LAYOUT.margin_left_mm * MM + one_char
            assert abs(min(r["x0"] for r in runs(page) if r["y"] == mark["y"]) - left) < TOLERANCE
        glyph_top = height - (mark["y"] + 0.88 * mark["size"])
        block_bottom = (297 - LAYOUT.margin_bottom_mm) * MM
        assert abs(glyph_top - block_bottom - LAYOUT.page_number_gap_mm * MM) < TOLERANCE
