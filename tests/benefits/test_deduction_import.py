"""The tax bureau's 研发费用加计扣除 list imports as the bureau receives it: title rows above the
header, amounts in 元, credit codes typed with spaces, a 合计 row at the foot."""

from decimal import Decimal

import pytest

from benefits.models import RdDeduction
from imports.engine.pipeline import run_import
from tests import factories as f
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db


def _spaced(credit_code: str) -> str:
    """ "9137 0302 MA00 0000 1X" as the tax bureau's sheets print codes."""
    return " ".join(credit_code[i : i + 4] for i in range(0, 18, 4))


def test_the_tax_bureaus_list_imports_from_its_usual_shape(township):
    first = f.EnterpriseFactory(township=township, credit_code=code(1), name="鲁川甲新材料有限公司")
    second = f.EnterpriseFactory(township=township, credit_code=code(2), name="鲁川乙机床有限公司")
    data = xlsx_bytes(
        [
            ["国家税务总局鲁川市青河区税务局2025年度研发费用加计扣除享受情况明细表"],
            ["填报单位：青河区税务局", None, None, None, "金额单位：元"],
            [
                "序号",
                "纳税人识别号",
                "纳税人名称",
                "所属年度",
                "加计扣除金额（元）",
                "加计扣除比例",
            ],
            [1, _spaced(code(1)), "鲁川甲新材料有限公司", 2025, 3568000, "100%"],
            [2, f" {code(2).lower()} ", "鲁川乙机床有限公司", "2025", "1,200,000.50", "120%"],
            ["合计", None, None, None, 4768000.5, None],
        ],
        merge_title="A1:F1",
    )
    result = run_import("rddeduction", data, dry_run=False, file_name="加计扣除明细.xlsx")
    assert result.errors == [] and not result.file_error, result.summary()
    assert (result.header_row, result.total, result.new) == (3, 2, 2)
    rows = {d.enterprise_id: d for d in RdDeduction.objects.all()}
    assert rows[first.pk].deducted_amount == Decimal("3568000.00")  # 元, to the fen
    assert (rows[first.pk].year, rows[first.pk].rate) == (2025, 100)
    assert rows[second.pk].deducted_amount == Decimal("1200000.50") and rows[second.pk].rate == 120


def test_an_unknown_taxpayer_is_named_with_its_row(township):
    data = xlsx_bytes(
        [
            ["2025年度研发费用加计扣除名单"],
            ["纳税人识别号", "纳税人名称", "所属年度", "加计扣除额"],
            [_spaced(code(9)), "不存在的公司", 2025, "50"],
        ]
    )
    result = run_import("rddeduction", data, dry_run=True)
    assert result.errors and RdDeduction.objects.count() == 0
    assert any(error.row == 3 for error in result.errors), result.errors
