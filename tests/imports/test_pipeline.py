"""The import pipeline on messy real-world sheets: matching, validation, upsert, atomicity."""

import datetime
import io
from decimal import Decimal

import pytest
import xlwt

from enterprises.models import Enterprise, EnterpriseYearlyFigure, HiTechApplication
from imports.engine.pipeline import run_import
from tests.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    TownshipFactory,
    VillageFactory,
    YearlyFigureFactory,
)
from tests.imports.conftest import code, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "乡镇（街道）", "所属产业", "规上工业企业", "成立日期"]


def test_messy_sheet_with_title_rows_blank_rows_aliases_and_total_row(township, industry):
    data = xlsx_bytes(
        [
            ["2024年规上工业企业名单"],
            ["填报单位：区科技局", None, None, None, "2024年12月"],
            ["序号", " 单位名称 ", "社会信用代码", "所属乡镇", "产业链", "是否规上", "成立时间"],
            [1, "甲公司", code(1), "城关街道", "铝电", "√", "2024/3/5"],
            [None, None, None, None, None, None, None],
            [2, "乙公司", code(2).lower(), "370302001", "铝电", "否", 45356],
            [3, "丙公司", f" {code(3)} ", "城关街道", None, "Y", "2024年3月5日"],
            ["合计", "3家"],
        ],
        merge_title="A1:G1",
    )
    result = run_import("enterprise", data, dry_run=False, file_name="名单.xlsx")
    assert result.errors == []
    assert (result.header_row, result.total, result.new) == (3, 3, 3)
    assert result.written
    second = Enterprise.objects.get(credit_code=code(2))
    assert second.township == township and second.is_above_scale is False
    assert second.founded_on == datetime.date(2024, 3, 5)
    assert Enterprise.objects.get(credit_code=code(3)).industry is None


def test_every_error_is_listed_with_sheet_row_column_and_chinese_message(township, industry):
    data = xlsx_bytes(
        [
            ["企业名单"],
            HEADER,
            [code(1), "好公司", "城关街道", "铝电", "是", "2020-01-01"],
            ["91370302MA0000003X", "坏公司", "不存在镇", "无此产业", "也许", "2020-02-30"],
            [code(4), "", "城关街道", "铝电", "否", "2099-01-01"],
        ]
    )
    result = run_import("enterprise", data, dry_run=True)
    assert result.invalid == 2 and result.new == 1
    found = {(e.row, e.column) for e in result.errors}
    assert {(4, "A"), (4, "C"), (4, "D"), (4, "E"), (4, "F")} <= found
    assert {(5, "B"), (5, "F")} <= found
    messages = " ".join(e.message for e in result.errors)
    assert "校验位" in messages and "未找到乡镇（街道）“不存在镇”" in messages
    assert "成立日期不能晚于今天" in messages


def test_any_invalid_row_blocks_the_whole_import_by_default(township, industry):
    data = xlsx_bytes(
        [
            HEADER,
            [code(1), "好公司", "城关街道", "铝电", "是", ""],
            [code(2), "坏", "无", "", "", ""],
        ]
    )
    result = run_import("enterprise", data, dry_run=False)
    assert result.invalid == 1 and not result.written and result.blocked
    assert not Enterprise.objects.exists()


def test_skip_invalid_writes_the_valid_rows_and_reports_the_rest(township, industry):
    data = xlsx_bytes(
        [
            HEADER,
            [code(1), "好公司", "城关街道", "铝电", "是", ""],
            [code(2), "坏", "无", "", "", ""],
        ]
    )
    result = run_import("enterprise", data, dry_run=False, skip_invalid=True)
    assert result.written and result.new == 1 and result.invalid == 1
    assert list(Enterprise.objects.values_list("credit_code", flat=True)) == [code(1)]


def test_reimporting_the_same_file_changes_nothing(township, industry):
    data = xlsx_bytes([HEADER, [code(1), "甲", "城关街道", "铝电", "是", "2020-01-01"]])
    run_import("enterprise", data, dry_run=False)
    updated = Enterprise.objects.get().updated_at
    again = run_import("enterprise", data, dry_run=False)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)
    assert Enterprise.objects.get().updated_at == updated
    assert Enterprise.history.count() == 1


def test_changed_rows_update_on_the_natural_key_with_history(staff_user, township, industry):
    enterprise = EnterpriseFactory(credit_code=code(1), name="旧名", township=township)
    data = xlsx_bytes([["统一社会信用代码", "企业名称"], [code(1), "新名"]])
    preview = run_import("enterprise", data, user=staff_user, dry_run=True)
    assert preview.changed == 1
    assert preview.changes[0]["fields"] == [["企业名称", "旧名", "新名"]]
    result = run_import("enterprise", data, user=staff_user, dry_run=False, file_name="改名.xlsx")
    enterprise.refresh_from_db()
    assert result.changed == 1 and enterprise.name == "新名"
    # Columns the file does not have keep their values.
    assert enterprise.township == township
    latest = enterprise.history.first()
    assert latest.history_type == "~" and latest.history_user == staff_user
    assert "改名.xlsx" in latest.history_change_reason


def test_new_rows_get_history_naming_the_importing_user(staff_user, township, industry):
    data = xlsx_bytes([HEADER, [code(1), "甲", "城关街道", "铝电", "是", ""]])
    run_import("enterprise", data, user=staff_user, dry_run=False, file_name="a.xlsx")
    record = Enterprise.history.get()
    assert record.history_type == "+" and record.history_user == staff_user


def test_duplicate_keys_inside_the_file_are_reported_on_each_row(township):
    data = xlsx_bytes(
        [
            ["统一社会信用代码", "企业名称", "乡镇（街道）"],
            [code(1), "甲", "城关街道"],
            [code(2), "乙", "城关街道"],
            [code(1).lower(), "甲二", "城关街道"],
        ]
    )
    result = run_import("enterprise", data, dry_run=False)
    assert {e.row for e in result.errors} == {2, 4}
    assert "与第4行" in result.errors[0].message
    assert not Enterprise.objects.exists()


def test_liaison_imports_only_rows_of_their_own_township(liaison_user, township, other_township):
    outside = EnterpriseFactory(credit_code=code(9), name="外镇企业", township=other_township)
    data = xlsx_bytes(
        [
            ["统一社会信用代码", "企业名称", "乡镇（街道）"],
            [code(1), "本镇企业", "城关街道"],
            [code(2), "想放到外镇", "东山镇"],
            [code(9), "改外镇企业", "城关街道"],
        ]
    )
    result = run_import("enterprise", data, user=liaison_user, dry_run=False, skip_invalid=True)
    assert result.new == 1 and result.invalid == 2
    messages = {e.row: e.message for e in result.errors}
    assert "联络员只能录入本乡镇" in messages[3]
    # the form's answer to the same code typed in: never where the record is
    assert messages[4] == "该统一社会信用代码的企业已存在。"
    outside.refresh_from_db()
    assert outside.name == "外镇企业"


def test_leader_may_not_import_at_all(leader_user, township):
    data = xlsx_bytes(
        [["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "城关街道"]]
    )
    result = run_import("enterprise", data, user=leader_user, dry_run=False)
    assert "没有导入" in result.file_error and not Enterprise.objects.exists()


def test_reference_data_is_imported_by_administrators_only(staff_user, admin_user):
    data = xlsx_bytes([["区划代码", "名称"], ["370302150", "新镇"]])
    assert "没有导入" in run_import("township", data, user=staff_user, dry_run=False).file_error
    assert run_import("township", data, user=admin_user, dry_run=False).new == 1


def test_csv_in_gbk_as_excel_saves_it_on_chinese_windows(township):
    rows = [
        ["统一社会信用代码", "企业名称", "乡镇（街道）"],
        [code(1), "甲公司（山东）", "城关街道"],
    ]
    result = run_import("enterprise", csv_bytes(rows, encoding="gbk"), dry_run=False)
    assert result.new == 1 and Enterprise.objects.get().name == "甲公司（山东）"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_in_utf8_with_or_without_bom(township, encoding):
    rows = [["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "城关街道"]]
    result = run_import("enterprise", csv_bytes(rows, encoding=encoding), dry_run=True)
    assert result.errors == [] and result.new == 1 and result.header_row == 1


def test_legacy_xls_workbooks_are_read(township):
    book = xlwt.Workbook()
    sheet = book.add_sheet("企业")
    for r, row in enumerate(
        [["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "城关街道"]]
    ):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    result = run_import("enterprise", buffer.getvalue(), dry_run=False, file_name="old.xls")
    assert result.new == 1


def test_yearly_figures_by_enterprise_name_when_the_code_column_is_missing(township):
    enterprise = EnterpriseFactory(name="甲公司", township=township)
    data = xlsx_bytes(
        [
            ["企业名称", "年份", "从业人员", "研发费用（元）", "销售收入（万元）"],
            ["甲公司", "２０２４", "1,200", "1,234,500", "8,000.5"],
        ]
    )
    result = run_import("enterpriseyearlyfigure", data, dry_run=False)
    assert result.errors == [] and result.new == 1
    assert any("换算为万元" in n for n in result.notices)
    figure = EnterpriseYearlyFigure.objects.get()
    assert figure.enterprise == enterprise and figure.year == 2024
    assert figure.staff_total == 1200
    assert figure.rd_expense == Decimal("123.45")
    assert figure.sales_revenue == Decimal("8000.50")


def test_model_clean_rules_apply_as_in_the_forms(township):
    enterprise = EnterpriseFactory(township=township)
    data = xlsx_bytes(
        [
            ["统一社会信用代码", "年度", "职工总数", "科技人员数"],
            [enterprise.credit_code, 2024, 10, 20],
        ]
    )
    result = run_import("enterpriseyearlyfigure", data, dry_run=True)
    assert result.invalid == 1
    assert result.errors[0].header == "科技人员数"
    assert "不能超过职工总数" in result.errors[0].message


def test_derived_fields_follow_clean_on_update(township):
    enterprise = EnterpriseFactory(township=township)
    header = ["统一社会信用代码", "年度", "技术领域", "状态", "证书编号", "发证日期"]
    first = xlsx_bytes(
        [header, [enterprise.credit_code, 2024, "新材料", "认定", "GR1", "2024-11-01"]]
    )
    run_import("hitechapplication", first, dry_run=False)
    later = xlsx_bytes(
        [header, [enterprise.credit_code, 2024, "新材料", "认定", "GR1", "2024-12-01"]]
    )
    assert run_import("hitechapplication", later, dry_run=False).changed == 1
    assert HiTechApplication.objects.get().expires_on == datetime.date(2027, 12, 1)


def test_check_constraints_are_validated_per_row(township):
    enterprise = EnterpriseFactory(township=township)
    data = xlsx_bytes(
        [
            [
                "登记编号",
                "合同名称",
                "合同类型",
                "卖方统一社会信用代码",
                "买方",
                "成交额（万元）",
                "技术交易额（万元）",
                "签订日期",
                "登记日期",
            ],
            [
                "R1",
                "合同",
                "技术开发",
                enterprise.credit_code,
                "某大学",
                100,
                120,
                "2025-01-01",
                "2025-01-02",
            ],
        ]
    )
    result = run_import("techcontract", data, dry_run=False)
    assert result.invalid == 1 and "技术交易额不能超过成交额" in result.errors[0].message


def test_unique_fields_other_than_the_key_are_checked_against_the_database(township):
    VillageFactory(township=township, code="370302001001", name="东关社区")
    data = xlsx_bytes(
        [["乡镇（街道）", "村级区划代码", "名称"], ["城关街道", "370302001002", "东关社区"]]
    )
    result = run_import("village", data, dry_run=True)
    assert result.invalid == 1 and "已存在" in result.errors[0].message


def test_many_to_many_columns_are_saved_row_by_row(admin_user, township, other_township):
    data = xlsx_bytes([["部门", "帮包乡镇"], ["区工信局", "城关街道、370302101"]])
    result = run_import("department", data, user=admin_user, dry_run=False)
    assert result.new == 1
    department = DepartmentFactory._meta.model.objects.get(name="区工信局")
    assert set(department.townships.all()) == {township, other_township}
    again = run_import("department", data, user=admin_user, dry_run=False)
    assert again.unchanged == 1


def test_dry_run_of_row_by_row_entities_writes_nothing(admin_user, township):
    data = xlsx_bytes([["部门", "帮包乡镇"], ["区工信局", "城关街道"]])
    assert run_import("department", data, user=admin_user, dry_run=True).new == 1
    assert not DepartmentFactory._meta.model.objects.exists()


def test_updates_of_yearly_figures_leave_other_years_alone(township):
    figure = YearlyFigureFactory(enterprise__township=township, year=2024, staff_total=100)
    other = YearlyFigureFactory(enterprise=figure.enterprise, year=2023, staff_total=90)
    data = xlsx_bytes(
        [["统一社会信用代码", "年度", "职工总数"], [figure.enterprise.credit_code, 2024, 150]]
    )
    assert run_import("enterpriseyearlyfigure", data, dry_run=False).changed == 1
    figure.refresh_from_db()
    other.refresh_from_db()
    assert (figure.staff_total, other.staff_total) == (150, 90)


def test_a_village_is_found_by_name_within_its_township(township, other_township):
    VillageFactory(township=township, code="370302001001", name="王家村")
    wanted = VillageFactory(township=other_township, code="370302101001", name="王家村")
    data = xlsx_bytes(
        [
            ["统一社会信用代码", "企业名称", "乡镇（街道）", "村（社区）"],
            [code(1), "甲", "东山镇", "王家村"],
        ]
    )
    assert run_import("enterprise", data, dry_run=False).new == 1
    assert Enterprise.objects.get().village == wanted


def test_ambiguous_enterprise_name_asks_for_the_credit_code(township):
    EnterpriseFactory(name="同名公司", township=township)
    EnterpriseFactory(name="同名公司", township=TownshipFactory(code="370302102", name="西山镇"))
    data = xlsx_bytes([["企业名称", "年度", "职工总数"], ["同名公司", 2024, 10]])
    result = run_import("enterpriseyearlyfigure", data, dry_run=True)
    assert "对应多条企业" in result.errors[0].message


def test_amount_units_are_declared_on_the_fields_the_import_converts_to():
    from enterprises.models import AmountField
    from imports.engine.registry import entities

    amounts = [
        f
        for entity in entities().values()
        for f in entity.model._meta.concrete_fields
        if isinstance(f, AmountField)
    ]
    assert amounts and all(f.unit in ("万元", "元") for f in amounts)
    for entity in entities().values():
        for column in entity.resource().fields.values():
            widget = column.widget
            if hasattr(widget, "unit"):
                field = entity.model._meta.get_field(column.attribute)
                # the template's note names the unit the field declares
                assert widget.unit == getattr(field, "unit", ""), (entity.name, field.name)


def test_a_column_headed_in_another_unit_of_money_is_converted_to_the_fields_unit(township):
    enterprise = EnterpriseFactory(township=township)
    header = [
        "统一社会信用代码",
        "年度",
        "研发费用（亿元）",
        "销售收入（千元）",
        "资产总额（万元）",
    ]
    result = run_import(
        "enterpriseyearlyfigure",
        xlsx_bytes([header, [enterprise.credit_code, 2025, "0.5", "1500", "30"]]),
        dry_run=False,
    )
    assert result.written, result.errors
    figure = EnterpriseYearlyFigure.objects.get(enterprise=enterprise)
    assert figure.rd_expense == Decimal("5000.00")
    assert figure.sales_revenue == Decimal("150.00")
    assert figure.total_assets == Decimal("30.00")
    assert sorted(result.notices) == sorted(
        [
            "列“研发费用（亿元）”的单位为亿元，已换算为万元。",
            "列“销售收入（千元）”的单位为千元，已换算为万元。",
        ]
    )
