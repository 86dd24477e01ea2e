import datetime
from decimal import Decimal

import pytest

from imports.engine import normalise as norm


@pytest.mark.parametrize(
    "cell",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        " 2024 年 03 月 05 日 ",
        "２０２４－０３－０５",
        "20240305",
        45356,
        45356.0,
        "45356",
        datetime.datetime(2024, 3, 5, 0, 0),
        datetime.date(2024, 3, 5),
    ],
)
def test_dates_in_every_usual_form_are_read(cell):
    assert norm.parse_date(cell) == datetime.date(2024, 3, 5)


@pytest.mark.parametrize("cell", ["2024-02-30", "明年", "2024年3月"])
def test_impossible_or_unreadable_dates_are_rejected_in_chinese(cell):
    with pytest.raises(ValueError, match="日期"):
        norm.parse_date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("１２３４．５", Decimal("1234.5")),
        (" 300万元 ", Decimal("300")),
        ("１，０００", Decimal("1000")),
        (12.5, Decimal("12.5")),
        (7, Decimal("7")),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_numbers_stored_as_text_with_separators_or_full_width_digits(cell, expected):
    assert norm.parse_decimal(cell) == expected


def test_non_numbers_are_rejected_with_the_value_quoted():
    with pytest.raises(ValueError, match="“十二”不是有效的数字"):
        norm.parse_decimal("十二")
    with pytest.raises(ValueError, match="整数"):
        norm.parse_int("12.5")


@pytest.mark.parametrize("cell", ["是", "√", "✓", "Y", "y", "YES", "true", 1, True])
def test_yes_forms(cell):
    assert norm.parse_bool(cell) is True


@pytest.mark.parametrize("cell", ["否", "×", "N", "no", "", None, 0, False, "  "])
def test_no_forms_and_blank_mean_no(cell):
    assert norm.parse_bool(cell) is False


def test_unknown_yes_no_word_is_rejected():
    with pytest.raises(ValueError, match="是"):
        norm.parse_bool("也许")


def test_header_key_drops_spaces_full_width_brackets_units_and_asterisks():
    assert norm.header_key(" *研发费用（万元） ") == norm.HeaderKey(
        "研发费用(万元)", "研发费用", "万元"
    )
    assert norm.header_key("统一社会 信用代码").base == "统一社会信用代码"


def test_formula_quote_added_on_export_is_dropped_on_import():
    assert norm.clean_text("'=SUM(A1)") == "=SUM(A1)"
    assert norm.clean_text("'普通文本") == "'普通文本"


def test_column_letters_as_excel_names_them():
    assert [norm.column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
