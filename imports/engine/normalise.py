"""Turning the cells of real spreadsheets into Python values.

Sheets arrive as people keep them: numbers stored as text with thousands separators or
full-width digits, dates typed five different ways or stored as Excel serial numbers, yes/no
as 是/否/√/Y/N. Every parser here accepts those forms and raises ``ValueError`` with a Chinese
message naming the offending value, which the importer reports against the sheet row and column.
"""

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from bureau.text import clean_text as strip_unsafe
from portal.spreadsheet import FORMULA_TRIGGERS  # noqa: F401 - what an export's apostrophe marks

# Cells exported by us start with an apostrophe when their text would start a formula; reading
# them back drops it so an export imports unchanged.
EMPTY_MARKERS = {"", "-", "--", "—", "——", "/", "\\", "无", "空", "n/a", "na", "null", "none"}
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Serial numbers Excel can hold as dates (1900-01-01 .. 9999-12-31).
EXCEL_SERIAL_RANGE = (1, 2958465)
TRUE_WORDS = {"是", "√", "✓", "✔", "☑", "y", "yes", "true", "t", "1", "有", "对", "已建", "已"}
FALSE_WORDS = {
    "否",
    "×",
    "✗",
    "✘",
    "x",
    "n",
    "no",
    "false",
    "f",
    "0",
    "无",
    "未建",
    "不是",
    "未",
    "",
}
NUMBER_UNITS = ("万元", "亿元", "元", "人次", "人", "个", "家", "项", "户", "分")
# Bounds checked on the text and the exponent before any conversion, so that ``1e1000000``
# costs no more than ``1``: no field of the portal holds a number of 10^18 or more, nor needs
# more than 30 decimal places, and no honest cell spells a number in more than 60 characters.
NUMBER_MAX_TEXT = 60
NUMBER_MAX_EXPONENT = 17
NUMBER_MIN_EXPONENT = -30
# What Excel shows in a cell whose formula has no result. In an .xlsx they are error cells
# (``reader`` marks them as ``CellError``); in a CSV, their text.
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#PYTHON!",
    }
)


class CellError(str):
    """An error cell of a workbook (``#N/A``, ``#DIV/0!``): its code, as Excel shows it."""


def excel_error(value) -> str | None:
    """The Excel error code ``value`` is, or ``None`` for a real value."""
    if isinstance(value, CellError):
        return str(value) or "#N/A"
    if type(value) is str and value.strip().upper() in EXCEL_ERRORS:
        return value.strip().upper()
    return None


_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SPACES_RE = re.compile(r"\s+")
_TRAILING_BRACKET_RE = re.compile(r"^(.*?)\(([^()]*)\)$")


def nfkc(value: str) -> str:
    """Full-width letters, digits, brackets and spaces to their ASCII forms."""
    return unicodedata.normalize("NFKC", value)


def cell_text(value) -> str:
    """The text of a cell as a person would read it: integral floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def is_blank(value) -> bool:
    return value is None or value == "" or (type(value) is str and not value.strip())


def clean_text(value) -> str:
    """A cell's text without surrounding (full-width too) spaces, our anti-formula quote, or
    control characters and the like (``bureau.text``)."""
    text = strip_unsafe(value if type(value) is str else cell_text(value)).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS and len(text) > 1:
        text = text[1:]
    return text


def compact(value) -> str:
    """Text for matching keys: NFKC, no whitespace at all, case-folded."""
    return _SPACES_RE.sub("", nfkc(cell_text(value))).casefold()


def parse_decimal(value) -> Decimal | None:
    """A number from a cell; ``None`` for an empty cell or a dash."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError(_("“%(v)s”不是有效的数字。") % {"v": cell_text(value)})
        return None
    if isinstance(value, int):
        if value.bit_length() > 64:
            raise _out_of_range(value)
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(_("“%(v)s”不是有效的数字。") % {"v": value})
        return _bounded(Decimal(repr(value)), value)
    if isinstance(value, Decimal):
        return _bounded(value, value)
    text = _SPACES_RE.sub("", nfkc(clean_text(value)))
    if len(text) > NUMBER_MAX_TEXT:
        raise ValueError(_("“%(v)s…”不是有效的数字。") % {"v": text[:20]})
    if text.casefold() in EMPTY_MARKERS:
        return None
    for unit in NUMBER_UNITS:
        if text.endswith(unit):
            text = text[: -len(unit)]
            break
    text = text.replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(v)s”不是有效的数字。") % {"v": clean_text(value)}) from None
    if not number.is_finite():
        raise ValueError(_("“%(v)s”不是有效的数字。") % {"v": clean_text(value)})
    return _bounded(number, value)


def _bounded(number: Decimal, original) -> Decimal:
    if not number.is_finite():
        raise ValueError(_("“%(v)s”不是有效的数字。") % {"v": cell_text(original)[:30]})
    # adjusted() reads the exponent: constant time, whatever the exponent is.
    if number and not NUMBER_MIN_EXPONENT <= number.adjusted() <= NUMBER_MAX_EXPONENT:
        raise _out_of_range(original)
    return number


def _out_of_range(original) -> ValueError:
    return ValueError(
        _("数值“%(v)s”超出可接受的范围（绝对值应小于10的%(e)d次方，小数不超过%(d)d位）。")
        % {
            "v": cell_text(original)[:30],
            "e": NUMBER_MAX_EXPONENT + 1,
            "d": -NUMBER_MIN_EXPONENT,
        }
    )


def parse_int(value) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(_("“%(v)s”应为整数。") % {"v": cell_text(value)})
    return int(number)


def parse_date(value) -> datetime.date | None:
    """A date from a date cell, an Excel serial number or text in the usual Chinese forms.
    Whether the portal keeps such a date (1900..2099) is the write's rule
    (``bureau.services.record_prepare``), answered as a form answers it."""
    return _parse_date(value)


def _parse_date(value) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise ValueError(_("无法识别的日期“%(v)s”。") % {"v": cell_text(value)})
    if isinstance(value, int | float):
        return _date_from_number(value, original=value)
    text = nfkc(clean_text(value)).strip()
    if text.casefold() in EMPTY_MARKERS:
        return None
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise ValueError(_("日期“%(v)s”不存在。") % {"v": clean_text(value)}) from None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(
            _("无法识别的日期“%(v)s”，请按2024-03-05的格式填写。") % {"v": clean_text(value)}
        ) from None
    return _date_from_number(number, original=value)


def _date_from_number(number, *, original) -> datetime.date:
    if float(number).is_integer() and 19000101 <= number <= 29991231:
        return _parse_date(str(int(number)))
    if not EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1]:
        raise ValueError(_("无法识别的日期“%(v)s”。") % {"v": cell_text(original)})
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


def parse_bool(value) -> bool:
    """是/否 in any of the forms people type; an empty cell is 否."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = compact(clean_text(value))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("“%(v)s”应填“是”或“否”。") % {"v": cell_text(value)})


@dataclass(frozen=True, slots=True)
class HeaderKey:
    """A header cell as alias matching reads it."""

    full: str  # the whole header, normalised: ``研发费用(万元)``
    base: str  # without its trailing bracket: ``研发费用``
    unit: str  # what the trailing bracket said: ``万元`` (or ``""``)


def header_key(text) -> HeaderKey:
    """The header's matching key: ``研发费用（万元）`` gives ``HeaderKey("研发费用(万元)",
    "研发费用", "万元")``: full-width brackets and spaces normalised, required-column asterisks
    dropped, the trailing bracket split off as unit."""
    full = compact(text).replace("*", "").replace("※", "")
    match = _TRAILING_BRACKET_RE.match(full)
    if match and match.group(1):
        return HeaderKey(full, match.group(1), match.group(2))
    return HeaderKey(full, full, "")


def column_letter(index: int) -> str:
    """``0 -> A``, ``26 -> AA``: the column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# Written beside the template's example row, and recognised there by the importer: the example
# is never imported, even when left in the file as it came.
EXAMPLE_MARK = "【填写示例，导入时跳过】"
