"""Exports, templates and error reports: what is written imports back unchanged."""

import io
import re

import pytest
from openpyxl import load_workbook

from enterprises.models import Enterprise
from imports.engine import export as exporting
from imports.engine.pipeline import Importer, run_import
from imports.engine.registry import entities, get_entity
from tests import factories as f
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db


def make_all(township):
    """At least one record of every importable entity, linked through the district."""
    enterprise = f.EnterpriseFactory(township=township, name='=HYPERLINK("x")公司')
    village = f.VillageFactory(township=township, code=f"{township.code}001", name="东关社区")
    key_village = f.KeyVillageFactory(village=village)
    project = f.TalentProjectFactory(enterprise=enterprise)
    expert = f.ForeignExpertFactory(employer=enterprise)
    department = f.DepartmentFactory()
    department.townships.set([township])
    community = f.InnovationCommunityFactory(lead_enterprise=enterprise)
    community.member_enterprises.set([f.EnterpriseFactory(township=township)])
    visit = f.ServiceVisitFactory(village=key_village)
    visit.commissioners.set([f.CommissionerFactory(), f.CommissionerFactory()])
    intro = f.IntroProjectFactory(host=enterprise, expert_names="-某专家")
    intro.experts.set([expert])
    f.IndustryFactory(name="汽车零部件", is_key_chain=True)
    f.AnnualTargetFactory()
    f.WorkActivityFactory(township=township, topic="+政策宣讲")
    f.ExternalFigureFactory()
    f.YearlyFigureFactory(enterprise=enterprise, year=2024, rd_expense="123.40")
    f.HiTechApplicationFactory(
        enterprise=enterprise, status="certified", certificate_number="GR1", issued_on="2024-12-01"
    )
    f.SmeEvaluationFactory(enterprise=enterprise)
    f.IntellectualPropertyFactory(
        enterprise=enterprise, status="transferred", lapsed_on="2025-06-30", kind="invention"
    )
    f.TechContractFactory(seller=enterprise)
    f.TalentStageFactory(project=project)
    f.WorkPermitFactory(expert=expert)
    f.PlatformFactory(host=enterprise, upgraded=True)
    f.RdCoverageFactory(enterprise=enterprise)
    f.CoverageMilestoneFactory(township=township)
    f.AgriStationFactory(village=key_village)
    f.DemoBaseFactory(village=key_village)
    f.AchievementFactory(village=key_village)
    f.AwardFactory(enterprise=enterprise)
    f.RdDeductionFactory(enterprise=enterprise)
    f.VoucherFactory(enterprise=enterprise)


@pytest.mark.parametrize("name", sorted(entities()))
def test_every_entity_exports_and_imports_back_without_changes(name, township, admin_user):
    make_all(township)
    entity = get_entity(name)
    queryset = entity.model._default_manager.all()
    assert queryset.exists(), f"no {name} to export"
    buffer = io.BytesIO()
    count = exporting.write_xlsx(entity.resource(), queryset, buffer)
    result = Importer(entity, user=admin_user, file_name="export.xlsx").run(
        buffer.getvalue(), dry_run=False
    )
    assert result.errors == [] and not result.file_error, result.summary()
    assert (result.new, result.changed, result.unchanged) == (0, 0, count)


@pytest.mark.parametrize("name", ["enterprise", "enterpriseyearlyfigure", "servicevisit"])
def test_csv_export_imports_back_without_changes(name, township, admin_user):
    make_all(township)
    entity = get_entity(name)
    data = "".join(exporting.iter_csv(entity.resource(), entity.model.objects.all())).encode()
    assert data.startswith("\ufeff".encode())
    result = run_import(name, data, user=admin_user, dry_run=True)
    assert result.errors == [] and result.changed == 0 and result.unchanged > 0


def test_cells_that_would_start_a_formula_are_neutralised(township):
    f.EnterpriseFactory(
        township=township, name="=cmd|' /C calc'!A0", legal_representative="@SUM(1)"
    )
    entity = get_entity("enterprise")
    buffer = io.BytesIO()
    exporting.write_xlsx(entity.resource(), Enterprise.objects.all(), buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    cell = sheet["B2"]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.startswith("=cmd")
    text = "".join(exporting.iter_csv(entity.resource(), Enterprise.objects.all()))
    assert "'=cmd" in text and "'@SUM(1)" in text


def test_template_has_notes_drop_downs_and_an_example_row_that_is_never_imported(
    township, industry
):
    entity = get_entity("enterprise")
    buffer = io.BytesIO()
    exporting.write_template(entity.resource(), buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1] if c.value]
    assert headers[:3] == ["统一社会信用代码", "企业名称", "乡镇（街道）"]
    assert sheet.cell(row=2, column=len(headers) + 1).value == "【填写示例，导入时跳过】"
    assert "必填" in sheet["A1"].comment.text and "18位" in sheet["A1"].comment.text
    assert "选填" in sheet["G1"].comment.text
    formulas = [dv.formula1 for dv in sheet.data_validations.dataValidation]
    assert any("选项" in formula for formula in formulas)
    assert sheet["B2"].value == "山东某某新材料有限公司"
    # Left in as it came, the example (a valid-looking company) is not imported.
    untouched = run_import("enterprise", buffer.getvalue(), dry_run=True)
    assert untouched.new == 0 and "第2行是模板的填写示例，未导入。" in untouched.notices
    # Filled below the example, the real rows are.
    sheet["A3"], sheet["B3"], sheet["C3"] = "91350100M000100Y43", "真实企业有限公司", township.name
    sheet["A2"] = "91350100M000100Y43"  # the example's own code stays: still the example
    filled = io.BytesIO()
    workbook.save(filled)
    result = run_import("enterprise", filled.getvalue(), dry_run=True)
    assert result.errors == [] and result.new == 1
    assert "第2行是模板的填写示例，未导入。" in result.notices
    # Its mark beside it removed, the row is a row like any other (an export's rows, which
    # may well name the example's township, are never taken for it).
    sheet.cell(row=2, column=len(headers) + 1).value = None
    unmarked = io.BytesIO()
    workbook.save(unmarked)
    assert "填写示例" not in " ".join(run_import("enterprise", unmarked.getvalue()).notices)


def test_template_drop_downs_cover_every_row_an_import_accepts(settings):
    settings.IMPORT_MAX_ROWS = 1234
    buffer = io.BytesIO()
    exporting.write_template(get_entity("enterprise").resource(), buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    ranges = [str(dv.sqref) for dv in sheet.data_validations.dataValidation]
    # below the header, as many rows as one import takes
    assert ranges and all(re.fullmatch(r"([A-Z]+)2:\1(1235)", r) for r in ranges), ranges


def test_choice_template_lists_every_label():
    buffer = io.BytesIO()
    exporting.write_template(get_entity("hitechapplication").resource(), buffer)
    options = load_workbook(io.BytesIO(buffer.getvalue()))["选项"]
    values = {c.value for row in options.iter_rows() for c in row if c.value}
    assert {"电子信息", "先进制造与自动化", "首次申报", "认定", "是"} - values == {"是"}


def test_error_report_lists_invalid_rows_with_messages_beside_them(township):
    data = xlsx_bytes(
        [
            ["名单"],
            ["统一社会信用代码", "企业名称", "乡镇（街道）"],
            [code(1), "甲", "城关街道"],
            ["BAD", "乙", "城关街道"],
        ]
    )
    result = run_import("enterprise", data, dry_run=True)
    buffer = io.BytesIO()
    exporting.write_error_report(result, buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("原行号", "错误信息", "统一社会信用代码")
    assert rows[1][0] == 4 and "A列" in rows[1][1] and rows[1][2] == "BAD"
    assert len(rows) == 2
    # Fixed and uploaded again, the report imports as it is.
    fixed = xlsx_bytes([list(rows[0]), [4, "", code(2), "乙", "城关街道"]])
    assert run_import("enterprise", fixed, dry_run=True).new == 1
