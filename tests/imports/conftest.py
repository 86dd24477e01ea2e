import csv
import io

import pytest
from openpyxl import Workbook

from tests.factories import IndustryFactory, TownshipFactory, valid_credit_code


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def industry(db):
    return IndustryFactory(name="铝电")


@pytest.fixture
def two_townships(township, other_township):
    return township, other_township


def xlsx_bytes(rows, *, merge_title: str | None = None) -> bytes:
    """A workbook whose first sheet holds ``rows`` (``merge_title`` merges A1 across)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    if merge_title:
        sheet.merge_cells(merge_title)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def code(n: int) -> str:
    return valid_credit_code(n)


__all__ = ["xlsx_bytes", "csv_bytes", "code", "TownshipFactory"]
