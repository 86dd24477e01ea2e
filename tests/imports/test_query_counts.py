"""Query budgets: neither an export nor a bulk import makes a query per row."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports.engine import export as exporting
from imports.engine.pipeline import run_import
from imports.engine.registry import get_entity
from tests.factories import (
    CommissionerFactory,
    EnterpriseFactory,
    KeyVillageFactory,
    ServiceVisitFactory,
    VillageFactory,
    YearlyFigureFactory,
)
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db


def export_queries(name) -> int:
    entity = get_entity(name)
    with CaptureQueriesContext(connection) as captured:
        exporting.write_xlsx(entity.resource(), entity.model.objects.all(), io.BytesIO())
    return len(captured)


@pytest.mark.parametrize("name", ["enterprise", "enterpriseyearlyfigure", "servicevisit"])
def test_export_query_count_does_not_grow_with_rows(name, township):
    village = KeyVillageFactory(village=VillageFactory(township=township))
    commissioners = [CommissionerFactory(), CommissionerFactory()]

    def add(n):
        for _ in range(n):
            YearlyFigureFactory(enterprise=EnterpriseFactory(township=township))
            ServiceVisitFactory(village=village).commissioners.set(commissioners)

    add(2)
    few = export_queries(name)
    add(20)
    assert export_queries(name) == few


def import_queries(rows) -> int:
    header = ["统一社会信用代码", "企业名称", "乡镇（街道）", "所属产业"]
    data = xlsx_bytes([header] + [[code(i), f"企业{i}", "城关街道", "铝电"] for i in range(rows)])
    with CaptureQueriesContext(connection) as captured:
        result = run_import("enterprise", data, dry_run=False)
    assert result.new == rows
    return len(captured)


def test_bulk_import_query_count_does_not_grow_with_rows(
    township, industry, django_capture_on_commit_callbacks
):
    # Each import as if committed: the write service's hook marks the summaries once per
    # transaction, so a second import in the same one would mark nothing.
    with django_capture_on_commit_callbacks(execute=True):
        few = import_queries(3)
    EnterpriseFactory._meta.model.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert import_queries(60) == few


def duplicate_queries(rows: int, township, admin_user) -> int:
    """A file of ``rows`` enterprises' figures, each enterprise twice (duplicate keys in the
    file), and ``rows`` villages named as villages already in the database (unique
    township and name): every row an error naming a related record."""
    enterprises = [EnterpriseFactory(township=township) for _ in range(rows)]
    figures = [["统一社会信用代码", "年度", "职工总数"]]
    for enterprise in enterprises:
        figures += [[enterprise.credit_code, 2025, 10], [enterprise.credit_code, 2025, 11]]
    villages = [["乡镇（街道）", "区划代码", "名称"]]
    for i in range(rows):
        existing = VillageFactory(township=township)
        villages.append([township.name, f"{township.code}{900 + i:03d}", existing.name])
    with CaptureQueriesContext(connection) as captured:
        by_key = run_import("enterpriseyearlyfigure", xlsx_bytes(figures), user=admin_user)
        by_name = run_import("village", xlsx_bytes(villages), user=admin_user)
    assert by_key.invalid == 2 * rows and "文件中有重复记录" in by_key.errors[0].message
    assert enterprises[0].name in by_key.errors[0].message
    assert by_name.invalid == rows and "与已有记录重复" in by_name.errors[0].message
    assert township.name in by_name.errors[0].message
    return len(captured)


def test_duplicate_key_errors_cost_the_same_queries_for_few_rows_or_many(township, admin_user):
    few = duplicate_queries(2, township, admin_user)
    assert duplicate_queries(20, township, admin_user) == few
