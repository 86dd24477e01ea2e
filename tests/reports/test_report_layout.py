"""The exported PDF measured against GB/T 9704-2012, and the Word file's text against it.

The report is rendered once for the module (in a transaction rolled back afterwards) with the
default fonts, then read back twice: with pypdf, glyph advances taken from the embedded fonts'
width tables (the page geometry), and with poppler's ``pdftotext -bbox-layout`` (each line's
text and extent)."""

import datetime
import io
import re
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from docx import Document
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from bureau.services import bureau_profile_update
from reports.annual import services
from reports.annual.rendering import (
    LAYOUT,
    MIN_LAST_LINE,
    NO_BREAK,
    NO_LINE_END,
    NO_LINE_START,
    Setter,
    document_paragraphs,
    font_files,
    font_metrics,
    printable,
    render_docx,
    render_pdf,
)
from tests.factories import UserFactory
from tests.reports.annual_data import YEAR, approve, build_year

# Marked so that pytest-django sets up the test database even when only this module runs
# (it sets up only the databases that marked tests ask for).
pytestmark = pytest.mark.django_db
MM = 72 / 25.4
TOLERANCE = 1 * MM
# A justified line ends at the edge of the text block within this (points): a line left ragged
# by WeasyPrint ends short by up to two characters, 32 pt.
JUSTIFIED = 0.05
SIGNED = datetime.date(YEAR + 1, 1, 15)
ISSUER = "鲁川市青河区科学技术局"
PAGE_NUMBER = re.compile(r"^—\s*\d+\s*—$")


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock(), transaction.atomic():
        # the test database, never the real one
        assert str(connection.settings_dict["NAME"]).startswith("test_")
        cache.clear()
        build_year()
        bureau_profile_update(
            user=None,
            data={
                "district_name": "青河区",
                "city_name": "鲁川市",
                "bureau_name": ISSUER,
                "bureau_short_name": "青河区科技局",
                "issuing_unit": ISSUER,
            },
        )
        staff = UserFactory(username="pdf-staff", role="staff")
        leader = UserFactory(username="pdf-leader", role="leader")
        version = services.report_create(year=YEAR, user=staff).versions.get()
        # The official document: approved on the 成文日期.
        at = timezone.make_aware(datetime.datetime(SIGNED.year, SIGNED.month, SIGNED.day, 10))
        version = approve(version, staff=staff, leader=leader, at=at)
        data = render_pdf(version)
        word = render_docx(version)
        texts = [printable(p.text) for p in document_paragraphs(version)]
        transaction.set_rollback(True)
    cache.clear()
    return {"pdf": data, "docx": word, "paragraphs": texts}


@pytest.fixture(scope="module")
def pdf(rendered) -> PdfReader:
    return PdfReader(io.BytesIO(rendered["pdf"]))


@pytest.fixture(scope="module")
def text_lines(rendered, tmp_path_factory) -> list[dict]:
    """Every line of text but the page numbers, in reading order: page, text, left and right
    ends and height (the font size) in points."""
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(rendered["pdf"])
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    xml = re.sub(r' xmlns="[^"]+"', "", xml[xml.index("<doc") : xml.index("</doc>") + 6])
    found = []
    for number, page in enumerate(ElementTree.fromstring(xml).iter("page"), start=1):
        for line in page.iter("line"):
            text = "".join(word.text or "" for word in line.iter("word"))
            if PAGE_NUMBER.match(text):
                continue
            found.append(
                {
                    "page": number,
                    "text": text,
                    "x0": float(line.get("xMin")),
                    "x1": float(line.get("xMax")),
                    "top": float(line.get("yMin")),
                    "size": round(float(line.get("yMax")) - float(line.get("yMin")), 1),
                }
            )
    return found


@pytest.fixture(scope="module")
def paragraph_lines(rendered, text_lines) -> list[list[dict]]:
    """The PDF's lines grouped by the paragraph of the document they set, in order, then the
    落款 (issuing unit and date); fails if the PDF's text is not the paragraphs' text."""
    groups, lines = [], iter(text_lines)
    for text in [*rendered["paragraphs"], ISSUER, f"{SIGNED.year}年1月15日"]:
        want, got, group = re.sub(r"\s", "", text), "", []
        while len(got) < len(want):
            line = next(lines)
            group.append(line)
            got += re.sub(r"\s", "", line["text"])
        assert got == want
        groups.append(group)
    assert next(lines, None) is None, "text after the 落款"
    return groups


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


# --- Fonts ------------------------------------------------------------------------------------


def _embedded_fonts(pdf) -> dict[str, dict]:
    fonts = {}
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[re.sub(r"^/?[A-Z]{6}\+", "", str(font["/BaseFont"]))] = {
                "subset": re.match(r"^/?[A-Z]{6}\+", str(font["/BaseFont"])) is not None,
                "embedded": any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
            }
    return fonts


def test_the_default_fonts_are_the_free_fandol_fangsong_and_song_bold():
    fonts = {role: Path(path).name for role, path in settings.REPORT_FONT_FILES.items()}
    assert fonts == {
        "title": "FandolSong-Bold.otf",
        "body": "FandolFang-Regular.otf",
        "heading": "FandolHei-Regular.otf",
        "kai": "FandolKai-Regular.otf",
        "number": "FandolSong-Regular.otf",
    }


def test_a_fangsong_body_and_a_bold_song_title_are_embedded_and_subset(pdf):
    fonts = _embedded_fonts(pdf)
    # Under their own PostScript names: 仿宋 body, 小标宋-like title, 黑体 and 楷体 headings,
    # 宋体 page numbers.
    assert set(fonts) == {
        "FandolFang-Regular",
        "FandolSong-Bold",
        "FandolHei-Regular",
        "FandolKai-Regular",
        "FandolSong-Regular",
    }
    for name, font in fonts.items():
        assert font["subset"] and font["embedded"], name


def test_the_body_title_and_page_numbers_are_each_set_in_their_font(pdf):
    shown: dict[str, list[float]] = {}  # font name: the sizes it is shown at

    def visit(operator, operands, cm, tm):
        if operator == b"Tf":
            visit.font, visit.size = names[str(operands[0])], float(operands[1]) * cm[0]
        elif operator in (b"TJ", b"Tj"):
            shown.setdefault(visit.font, []).append(round(visit.size, 1))

    for page in pdf.pages[:2]:
        names = {
            str(key): re.sub(r"^/?[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]))
            for key, font in page["/Resources"]["/Font"].items()
        }
        page.extract_text(visitor_operand_before=visit)
    assert set(shown["FandolSong-Bold"]) == {LAYOUT.title_pt}
    assert set(shown["FandolSong-Regular"]) == {LAYOUT.page_number_pt}
    assert set(shown["FandolFang-Regular"]) == {LAYOUT.body_pt}
    assert max(shown, key=lambda name: len(shown[name])) == "FandolFang-Regular"


# --- The page and the text block --------------------------------------------------------------


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
    fonts, cache_, state, out = page["/Resources"]["/Font"], {}, {}, []

    def before(operator, operands, cm, tm):
        if operator == b"Tf":
            state["font"], state["size"] = operands[0], float(operands[1])
        if operator not in (b"TJ", b"Tj"):
            return
        if state["font"] not in cache_:
            cache_[state["font"]] = _widths(fonts[state["font"]].get_object())
        widths, default, descriptor = cache_[state["font"]]
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


def test_a_page_holds_22_lines_of_28_characters(pdf, text_lines):
    counts = [len(lines(page)) for page in pdf.pages]
    assert max(counts) == LAYOUT.lines, counts
    assert all(count <= LAYOUT.lines for count in counts), counts
    full_width = [
        line["text"]
        for line in text_lines
        if line["size"] == LAYOUT.body_pt and all(ord(ch) > 0x2E80 for ch in line["text"])
    ]
    assert max(len(text) for text in full_width) == LAYOUT.chars


def test_lines_are_one_grid_pitch_apart(text_lines):
    for above, below in zip(text_lines, text_lines[1:], strict=False):
        if above["page"] == below["page"] and above["size"] == below["size"] == LAYOUT.body_pt:
            gap = below["top"] - above["top"]
            assert abs(gap - LAYOUT.line_pitch_pt) < 0.05 or gap > LAYOUT.line_pitch_pt, gap


def test_page_numbers_sit_7_mm_below_the_block_right_on_odd_pages_left_on_even(pdf):
    height = float(pdf.pages[0].mediabox.height)
    assert len(pdf.pages) >= 2
    for number, page in enumerate(pdf.pages, start=1):
        assert f"— {number} —" in page.extract_text()
        marks = [run for run in runs(page) if run["size"] == LAYOUT.page_number_pt]
        one_char = LAYOUT.page_number_pt
        if number % 2:
            right = (210 - LAYOUT.margin_right_mm) * MM - one_char
            assert abs(max(r["x1"] for r in marks) - right) < TOLERANCE
        else:
            left = LAYOUT.margin_left_mm * MM + one_char
            assert abs(min(r["x0"] for r in marks) - left) < TOLERANCE
        glyph_top = height - (marks[0]["y"] + 0.88 * marks[0]["size"])
        block_bottom = (297 - LAYOUT.margin_bottom_mm) * MM
        assert abs(glyph_top - block_bottom - LAYOUT.page_number_gap_mm * MM) < TOLERANCE


# --- Justification ----------------------------------------------------------------------------

LEFT = LAYOUT.margin_left_mm * MM
RIGHT = (210 - LAYOUT.margin_right_mm) * MM


def test_every_continuing_line_ends_exactly_at_the_right_edge(paragraph_lines):
    continuing = [line for group in paragraph_lines[1:-2] for line in group[:-1]]
    assert len(continuing) > 40  # most of the text
    ragged = [
        (round(line["x1"] - RIGHT, 3), line["text"])
        for line in continuing
        if abs(line["x1"] - RIGHT) > JUSTIFIED
    ]
    assert not ragged
    # and starts at the left edge, or two characters in on a paragraph's first line
    for group in paragraph_lines[1:-2]:
        assert abs(group[0]["x0"] - (LEFT + 2 * LAYOUT.cell_pt)) < JUSTIFIED, group[0]["text"]
        for line in group[1:]:
            assert abs(line["x0"] - LEFT) < JUSTIFIED, line["text"]


def test_lines_with_digits_and_latin_text_are_justified_too(paragraph_lines):
    mixed = [
        line
        for group in paragraph_lines[1:-2]
        for line in group[:-1]
        if re.search(r"[0-9A-Za-z%]", line["text"])
    ]
    assert len(mixed) > 10
    assert all(abs(line["x1"] - RIGHT) <= JUSTIFIED for line in mixed)


def test_the_last_line_of_a_paragraph_stays_on_the_grid_left_aligned(paragraph_lines):
    last_lines = [group[-1] for group in paragraph_lines[1:-2]]
    short = [line for line in last_lines if len(line["text"]) < LAYOUT.chars - 4]
    assert len(short) > 10
    spacing = LAYOUT.cell_pt - LAYOUT.body_pt  # a character takes one cell of the grid
    for line in short:
        assert line["x1"] < RIGHT - 2 * LAYOUT.cell_pt
        if all(ord(ch) > 0x2E80 for ch in line["text"]):
            # within WeasyPrint's rounding of each glyph's position (a thousandth of an em)
            grid = len(line["text"]) * LAYOUT.cell_pt - spacing
            assert abs(line["x1"] - line["x0"] - grid) < 0.25, line["text"]


def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one(text_lines):
    body = [line["text"] for line in text_lines if line["size"] == LAYOUT.body_pt]
    assert not [text for text in body if text[0] in NO_LINE_START]
    assert not [text for text in body if text[-1] in NO_LINE_END]


def test_numbers_are_not_broken_across_lines(paragraph_lines):
    for group in paragraph_lines:
        for above, below in zip(group, group[1:], strict=False):
            assert not (above["text"][-1].isdigit() and below["text"][0].isdigit()), (
                above["text"],
                below["text"],
            )


def test_no_paragraph_ends_on_a_line_of_one_or_two_characters(paragraph_lines):
    ends = [group[-1]["text"] for group in paragraph_lines[1:-2] if len(group) > 1]
    assert len(ends) > 10
    assert not [text for text in ends if len(text.strip()) < MIN_LAST_LINE]


def test_dates_and_numbers_with_their_units_are_not_split(paragraph_lines):
    checked = 0
    for group in paragraph_lines:
        texts = [line["text"] for line in group]
        edges = {sum(len(t) for t in texts[: i + 1]) for i in range(len(texts) - 1)}
        for match in NO_BREAK.finditer("".join(texts)):
            checked += 1
            assert not any(match.start() < edge < match.end() for edge in edges), (
                match.group(),
                texts,
            )
    assert checked > 10


@pytest.fixture(scope="module")
def setter():
    grid = LAYOUT.cell_pt - LAYOUT.body_pt
    metrics = font_metrics("body", font_files()["body"])
    return Setter(metrics, LAYOUT.body_pt, LAYOUT.measure_pt, grid)


def _broken(setter, text):
    return [text[a:b] for a, b in setter.break_lines(text, indent=2 * LAYOUT.cell_pt)]


def test_a_paragraphs_last_character_or_two_are_never_alone_on_a_line(setter):
    # indented two characters: 26 on the first line, 28 on the second, then "家。" alone
    text = "全区共有规上工业企业" * 5 + "研究机构" + "家。"
    lines = _broken(setter, text)
    assert "".join(lines) == text
    assert len(lines[-1]) >= MIN_LAST_LINE and len(lines[-2]) >= LAYOUT.chars - 4, lines


@pytest.mark.parametrize("words", ["10月2日", "88.89%", "3.12亿元", "2025年10月2日", "46家"])
def test_a_date_or_a_number_with_its_unit_is_never_split(setter, words):
    for filler in range(18, 30):  # the words fall across the end of the first line somewhere
        text = "测" * filler + words + "，测试" + "测" * 30
        lines = _broken(setter, text)
        assert any(words in line for line in lines), (filler, lines)


def test_headings_follow_the_standard(paragraph_lines, rendered):
    title = paragraph_lines[0]
    assert {line["size"] for line in title} == {LAYOUT.title_pt}
    for line in title:  # centred in the text block
        assert abs((line["x0"] + line["x1"]) / 2 - (LEFT + RIGHT) / 2) < TOLERANCE
    headings = [
        group
        for group, text in zip(paragraph_lines, rendered["paragraphs"], strict=False)
        if re.match(r"^[一二三四五六七八九十]+、|^（[一二三四五六七八九十]+）", text)
    ]
    assert headings
    for group in headings:
        assert group[0]["size"] == LAYOUT.body_pt
        assert abs(group[0]["x0"] - (LEFT + 2 * LAYOUT.cell_pt)) < JUSTIFIED


# --- 落款 and 成文日期 ---------------------------------------------------------------------------


def test_the_issuing_unit_is_centred_over_the_date_four_characters_from_the_right(
    paragraph_lines,
):
    (unit,), (date,) = paragraph_lines[-2:]
    assert unit["text"] == ISSUER and date["text"] == "2026年1月15日"
    assert abs(date["x1"] - (RIGHT - 4 * LAYOUT.cell_pt)) < TOLERANCE
    centre = (date["x0"] + date["x1"]) / 2
    assert abs((unit["x0"] + unit["x1"]) / 2 - centre) < TOLERANCE
    # one blank line under the text, the date on the line under the unit
    last_text = paragraph_lines[-3][-1]
    if last_text["page"] == unit["page"]:
        assert abs(unit["top"] - last_text["top"] - 2 * LAYOUT.line_pitch_pt) < 0.5
    assert abs(date["top"] - unit["top"] - LAYOUT.line_pitch_pt) < 0.5


# --- The Word file ----------------------------------------------------------------------------


def test_the_word_file_carries_the_same_text_as_the_pdf_including_the_signature(
    rendered, text_lines
):
    word = Document(io.BytesIO(rendered["docx"]))
    docx_text = "".join(p.text for p in word.paragraphs)
    pdf_text = "".join(line["text"] for line in text_lines)
    assert re.sub(r"\s", "", docx_text) == re.sub(r"\s", "", pdf_text)
    assert [p.text for p in word.paragraphs][-2:] == [ISSUER, "2026年1月15日"]
