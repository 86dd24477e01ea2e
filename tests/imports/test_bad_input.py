"""Bad files get one clear Chinese message and nothing is written."""

import io
import zipfile

import msoffcrypto
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from enterprises.models import Enterprise
from imports.engine.pipeline import run_import
from tests.imports.conftest import code, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD_ROWS = [["统一社会信用代码", "企业名称", "乡镇（街道）"], [code(1), "甲", "城关街道"]]


def refused(data, **kwargs):
    result = run_import("enterprise", data, dry_run=False, **kwargs)
    assert result.file_error, result.summary()
    assert not result.written and result.blocked
    assert not Enterprise.objects.exists()
    return result.file_error


def test_a_picture_is_not_a_spreadsheet(township):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert "无法识别的文件格式" in refused(png)


def test_a_pdf_is_not_a_spreadsheet(township):
    assert "PDF" in refused(b"%PDF-1.4\n%...")


def test_a_word_document_is_named_as_such(township):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "Word" in refused(buffer.getvalue())


def test_an_html_table_saved_as_xls_is_explained(township):
    assert "另存为" in refused("<html><table><tr><td>企业名称</td></tr></table></html>".encode())


def test_a_truncated_workbook_is_reported_corrupt(township):
    data = xlsx_bytes(GOOD_ROWS)
    assert "损坏" in refused(data[: len(data) // 2])


def test_a_password_protected_workbook_is_explained(township):
    plain = io.BytesIO(xlsx_bytes(GOOD_ROWS))
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", encrypted)
    assert msoffcrypto.olefile.isOleFile(io.BytesIO(encrypted.getvalue()))
    assert "密码" in refused(encrypted.getvalue())


def test_an_empty_file_and_an_empty_sheet(township):
    assert "空" in refused(b"")
    assert "空" in refused(xlsx_bytes([]))
    assert "空" in refused(xlsx_bytes([[None, None], [None, ""]]))


def test_header_only_without_data_rows(township):
    assert "没有数据行" in refused(xlsx_bytes([GOOD_ROWS[0], ["合计"]]))


def test_a_sheet_whose_header_matches_nothing_lists_the_expected_columns(township):
    message = refused(xlsx_bytes([["姓名", "年龄"], ["张三", 30]]))
    assert "未找到表头" in message and "统一社会信用代码" in message


def test_an_unknown_column_is_refused_unless_ignored(township):
    rows = [GOOD_ROWS[0] + ["研发投入强度"], GOOD_ROWS[1] + ["3%"]]
    message = refused(xlsx_bytes(rows))
    assert "无法识别的列" in message and "“研发投入强度”（D列）" in message
    result = run_import("enterprise", xlsx_bytes(rows), dry_run=False, ignore_unknown=True)
    assert result.new == 1 and any("研发投入强度" in n for n in result.notices)


def test_a_missing_key_column_is_refused(township):
    message = refused(xlsx_bytes([["企业名称", "乡镇（街道）"], ["甲", "城关街道"]]))
    assert "缺少必填列" in message and "统一社会信用代码" in message


def test_a_missing_required_column_is_refused_when_rows_are_new(township):
    message = refused(xlsx_bytes([["统一社会信用代码", "企业名称"], [code(1), "甲"]]))
    assert "缺少必填列：“乡镇（街道）”" in message


def test_the_same_column_twice_is_refused(township):
    rows = [
        ["统一社会信用代码", "企业名称", "单位名称", "乡镇（街道）"],
        [code(1), "甲", "甲", "城关街道"],
    ]
    assert "重复出现" in refused(xlsx_bytes(rows))


def test_a_file_over_the_size_limit_is_refused_before_parsing(settings, township):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    assert "文件过大" in refused(b"x" * 2048)


def test_a_zip_bomb_is_refused(settings, township):
    settings.IMPORT_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(64):
                member.write(block)
    data = buffer.getvalue()
    assert len(data) < 200_000
    assert "压缩炸弹" in refused(data)


def test_too_many_rows_are_refused(settings, township):
    settings.IMPORT_MAX_ROWS = 10
    rows = [GOOD_ROWS[0]] + [[code(i), f"企业{i}", "城关街道"] for i in range(100)]
    assert "上限" in refused(xlsx_bytes(rows))
