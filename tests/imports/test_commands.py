"""``import_excel`` and ``export_excel`` on the command line."""

import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from enterprises.models import Enterprise
from imports.models import ImportJob
from tests.factories import YearlyFigureFactory
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(tmp_path):
    def write(rows, name="企业.xlsx"):
        path = tmp_path / name
        path.write_bytes(xlsx_bytes(rows))
        return str(path)

    return write


def run(capsys, *args):
    code_ = 0
    try:
        call_command("import_excel", *args)
    except SystemExit as exit_:
        code_ = exit_.code
    out = capsys.readouterr()
    return code_, out.out, out.err


def test_json_output_lists_counts_and_each_error_with_its_sheet_row(capsys, sheet, township):
    path = sheet(
        [
            ["企业名单"],
            ["统一社会信用代码", "企业名称", "乡镇（街道）"],
            [code(1), "甲", "城关街道"],
            ["BAD", "乙", "城关街道"],
        ]
    )
    status, out, _err = run(capsys, "enterprise", path, "--json")
    summary = json.loads(out)
    assert status == 1
    assert summary["counts"] == {"total": 2, "new": 1, "changed": 0, "unchanged": 0, "invalid": 1}
    assert summary["errors"][0]["row"] == 4 and summary["errors"][0]["column"] == "A"
    assert summary["written"] is False and not Enterprise.objects.exists()
    assert ImportJob.objects.get().source == "cli"


def test_clean_file_is_written_and_exits_zero(capsys, sheet, township):
    path = sheet([["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "城关街道"]])
    status, out, _err = run(capsys, "enterprise", path)
    assert status == 0 and "新增1" in out and Enterprise.objects.count() == 1


def test_dry_run_writes_nothing(capsys, sheet, township):
    path = sheet([["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "城关街道"]])
    status, out, _err = run(capsys, "enterprise", path, "--dry-run", "--json")
    assert status == 0 and json.loads(out)["counts"]["new"] == 1
    assert not Enterprise.objects.exists()


def test_skip_invalid_writes_the_rest(capsys, sheet, township):
    path = sheet(
        [
            ["统一社会信用代码", "企业名称", "乡镇（街道）"],
            [code(1), "甲", "城关街道"],
            ["BAD", "乙", "城关街道"],
        ]
    )
    status, _out, err = run(capsys, "enterprise", path, "--skip-invalid")
    assert status == 0 and "第3行" in err and Enterprise.objects.count() == 1


def test_unreadable_file_exits_non_zero_with_the_message(capsys, tmp_path, township):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    status, _out, err = run(capsys, "enterprise", str(path))
    assert status == 1 and "损坏" in err


def test_user_option_applies_the_liaison_rules(
    capsys, sheet, liaison_user, township, other_township
):
    path = sheet([["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "东山镇"]])
    status, out, _err = run(capsys, "enterprise", path, "--user", "liaison", "--json")
    assert status == 1 and "联络员" in json.loads(out)["errors"][0]["message"]


def test_export_excel_by_year_round_trips(capsys, tmp_path, township):
    YearlyFigureFactory(enterprise__township=township, year=2024)
    YearlyFigureFactory(enterprise__township=township, year=2025)
    path = tmp_path / "figures.xlsx"
    call_command("export_excel", "enterpriseyearlyfigure", str(path), "--year", "2024")
    rows = list(load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][2] == 2024
    capsys.readouterr()
    status, out, _err = run(capsys, "enterpriseyearlyfigure", str(path), "--json")
    assert status == 0 and json.loads(out)["counts"]["unchanged"] == 1


def test_export_excel_to_csv(tmp_path, township):
    YearlyFigureFactory(enterprise__township=township)
    path = tmp_path / "e.csv"
    call_command("export_excel", "enterprise", str(path))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
