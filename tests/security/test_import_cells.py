"""Cells and files the importer used to misread: Excel error values taken for blanks, a
UTF-16 CSV refused as unknown, and a liaison told where another township's record is."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from enterprises.models import Enterprise
from imports.engine.pipeline import run_import
from tests import factories as f
from tests.imports.conftest import code

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "乡镇（街道）", "成立日期"]


def _workbook_with_error_cells(codes) -> bytes:
    """A workbook as Excel saves it: formulas whose result is an error value (t="e")."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for n, error in enumerate(codes):
        sheet.append([code(n + 1), f"企业{n}", "城关街道", error])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!"])
def test_an_excel_error_in_a_date_cell_is_a_row_error_not_a_blank(township, error):
    data = _workbook_with_error_cells([error])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # really an error cell, not text
        assert b't="e"' in archive.read("xl/worksheets/sheet1.xml")
    result = run_import("enterprise", data, dry_run=False)
    assert not result.written and not Enterprise.objects.exists()
    assert [(e.row, e.header) for e in result.errors] == [(2, "成立日期")]
    assert f"Excel错误值“{error}”" in result.errors[0].message


def test_an_excel_error_written_as_text_in_a_csv_is_a_row_error(township):
    csv = "\n".join([",".join(HEADER), f"{code(1)},甲,城关街道,#N/A"]).encode("utf-8-sig")
    result = run_import("enterprise", csv, dry_run=False)
    assert [(e.row, e.header) for e in result.errors] == [(2, "成立日期")]
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_unicode_text_file_imports(township, encoding):
    """Excel's 另存为 "Unicode 文本": UTF-16 with its byte-order mark, tab-separated."""
    text = "\r\n".join(["\t".join(HEADER[:3]), f"{code(1)}\t统一码企业\t城关街道"]) + "\r\n"
    data = text.encode(encoding)
    if encoding != "utf-16":
        data = ("\ufeff" + text).encode(encoding)
    result = run_import("enterprise", data, dry_run=False, file_name="企业.txt")
    assert result.written, result.summary()
    assert Enterprise.objects.get().name == "统一码企业"


def test_a_file_with_nul_bytes_and_no_utf16_mark_names_the_encodings(township):
    result = run_import("enterprise", "企业名称\n甲\n".encode("utf-16-le"))
    assert "UTF-16" in result.file_error


def test_a_liaison_learns_nothing_more_from_another_townships_code_than_from_the_form(
    township, other_township, liaison_user, liaison_client
):
    elsewhere = f.EnterpriseFactory(township=other_township, credit_code=code(9), name="外镇")
    rows = [
        ["统一社会信用代码", "企业名称", "乡镇（街道）"],
        [code(9), "改名", "城关街道"],  # exists elsewhere, typed as ours
        [code(9), "改名", "东山镇"],  # exists elsewhere, pointed at the other township
        [code(8), "新企业", "东山镇"],  # unknown, pointed at the other township
    ]
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run_import("enterprise", buffer.getvalue(), user=liaison_user)
    messages = {e.row: e.message for e in result.errors}
    # The form's answer to the same code typed in by the liaison:
    form = liaison_client.post(
        "/enterprises/enterprise/new/",
        {"credit_code": code(9), "name": "改名", "township": township.pk},
    )
    assert messages[2] in form.context["form"].errors["credit_code"]
    # Pointed at another township, a known and an unknown code get the very same answer.
    assert messages[3] == messages[4] == "联络员只能录入本乡镇（街道）的记录。"
    assert other_township.name not in messages[2]
    elsewhere.refresh_from_db()
    assert elsewhere.name == "外镇"


def test_a_formula_saved_without_its_result_is_a_row_error_not_a_blank(township):
    """Programs (openpyxl among them) write formulas without the value Excel would cache."""
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append([code(1), "甲", "城关街道", "=DATE(2020,1,1)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run_import("enterprise", buffer.getvalue(), dry_run=False)
    assert [(e.row, e.header) for e in result.errors] == [(2, "成立日期")]
    assert "没有保存它的计算结果" in result.errors[0].message
    assert not Enterprise.objects.exists()
