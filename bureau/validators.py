"""Validators shared by forms, imports and the API."""

import calendar
import datetime
import functools

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
YEAR_MIN = 2000
YEAR_SPAN_AHEAD = 5


def normalise_credit_code(value: str) -> str:
    """Strip spaces (full-width too) and upper-case; the stored form of a credit code."""
    return "".join(str(value or "").split()).replace("\u3000", "").upper()


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015) for its first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"), code="length", params={"n": len(code)}
        )
    # The 18th character is judged by the check digit below, which names the expected one.
    bad = [c for c in code[:17] if c not in CREDIT_CODE_ALPHABET]
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有非法字符“%(c)s”（不使用I、O、S、V、Z）。"),
            code="charset",
            params={"c": bad[0]},
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误：第18位应为“%(e)s”，实为“%(a)s”。"),
            code="check_digit",
            params={"e": expected, "a": code[17]},
        )


# The only characters a stored code holds: a search for text with any other need not read the
# column (``portal.search``), which at province scale no index serves for a Chinese name.
validate_credit_code.alphabet = CREDIT_CODE_ALPHABET


def validate_year(value: int) -> None:
    latest = datetime.date.today().year + YEAR_SPAN_AHEAD
    if value is None or not YEAR_MIN <= int(value) <= latest:
        raise ValidationError(
            _("年度应在%(lo)d至%(hi)d之间。"), code="year", params={"lo": YEAR_MIN, "hi": latest}
        )


# Dates a record may carry: anything outside is a typing slip (year 20250) or an attack
# (9999-12-31, from which a three-year validity would end in year 10002).
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2099, 12, 31)


def validate_date_range(value) -> None:
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            _("日期应在%(lo)s至%(hi)s之间。"),
            code="date_range",
            params={"lo": DATE_MIN.isoformat(), "hi": DATE_MAX.isoformat()},
        )


def date_fields(model) -> list:
    """The model's date fields (not date-times: those are the portal's own timestamps)."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
    ]


@functools.cache
def _date_fields(model) -> tuple:
    # Every write checks its dates (``bureau.services.record_prepare``): an import checks
    # thousands of rows of one model, which need not look its fields up each time.
    return tuple((field.name, field.attname) for field in date_fields(model))


def check_dates(instance) -> None:
    """Every date of ``instance`` within ``DATE_MIN``..``DATE_MAX``, before ``clean()`` derives
    anything from them; ``ValidationError`` naming each field outside."""
    errors = {}
    for name, attname in _date_fields(type(instance)):
        value = getattr(instance, attname)
        if value is None or DATE_MIN <= value <= DATE_MAX:
            continue
        try:
            validate_date_range(value)
        except ValidationError as error:
            errors[name] = error.error_list
    if errors:
        raise ValidationError(errors)


def years_after(date: datetime.date, years: int) -> datetime.date | None:
    """``date`` moved ``years`` years on (29 February to 28 February); ``None`` past year 9999."""
    year = date.year + years
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return None
    day = 28 if (date.month, date.day) == (2, 29) and not calendar.isleap(year) else date.day
    return date.replace(year=year, day=day)
