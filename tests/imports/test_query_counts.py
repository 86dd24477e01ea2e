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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="COPY path; SQLite writes in batches that its limit on query variables sets",
)
def test_bulk_import_query_count_does_not_grow_with_rows(township, industry):
    few = import_queries(3)
    EnterpriseFactory._meta.model.objects.all().delete()
    assert import_queries(60) == few
