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


# What an import leaves, compared between two ways of running the same file.
RECORD = [
    "credit_code",
    "name",
    "township_id",
    "industry_id",
    "village_id",
    "is_above_scale",
    "founded_on",
    "legal_representative",
    "contact_person",
    "contact_phone",
    "address",
]
HISTORY = [*RECORD, "history_type", "history_change_reason", "history_user_id"]


def import_outcome(data, **kwargs) -> dict:
    """Import ``data`` and roll it back: the result as the user sees it, the records and the
    history rows (without ids and timestamps, which differ between any two runs)."""
    from django.db import transaction

    from enterprises.models import Enterprise
    from imports.engine.pipeline import run_import

    with transaction.atomic():
        before = Enterprise.objects.count(), Enterprise.history.count()
        result = run_import("enterprise", data, file_name="名单.xlsx", **kwargs)
        outcome = {
            "summary": result.summary(),
            "changes": result.changes,
            "records": list(Enterprise.objects.order_by("credit_code").values_list(*RECORD)),
            "history": list(
                Enterprise.history.order_by("credit_code", "history_type").values_list(*HISTORY)
            ),
            "added": (
                Enterprise.objects.count() - before[0],
                Enterprise.history.count() - before[1],
            ),
        }
        transaction.set_rollback(True)
    return outcome
