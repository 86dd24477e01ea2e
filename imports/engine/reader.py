"""Reading an uploaded spreadsheet safely: .xlsx / .xls / .ods through python-calamine (Rust,
about ten times faster than openpyxl), .csv in UTF-8 (with or without BOM), GBK, or UTF-16 with
its BOM (Excel's "Unicode text").

Calamine reads an error cell (``#N/A``, ``#DIV/0!``), and a formula saved without its result,
as an empty one; the worksheets of an .xlsx are scanned for them while the zip is checked, and
they arrive as ``CellError`` values, which the importer reports instead of taking them for
blanks.

Before any parser sees the file it is sniffed by its bytes, not its name, and refused with a
Chinese message when it is too large, not a spreadsheet, encrypted, corrupt or a zip bomb, so a
bad upload costs bounded memory and time.
"""

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass

import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _

from imports.engine.normalise import CellError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_SHEETS = 50
MAX_ZIP_MEMBERS = 2000
CHUNK = 1024 * 1024
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# An error cell of a worksheet: <c r="B2" s="1" t="e"><f>1/0</f><v>#DIV/0!</v></c>
_ERROR_CELL = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*>')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_ERROR_VALUE = re.compile(rb"(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?<v>([^<]{1,20})</v>")
# A formula saved without its result (files written by programs rather than Excel): no <v>,
# or an empty one.
_FORMULA_ONLY = re.compile(
    rb"<c\b([^>]*)>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>"
)
NO_RESULT = "#FORMULA"
_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_RELATION_REVERSED = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
SCAN_OVERLAP = 4096


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``str(error)`` is the message for the user."""


@dataclass
class Sheet:
    """One worksheet: ``rows[i]`` is the sheet's row ``i + 1`` as Excel numbers it."""

    name: str
    rows: list[list]


def limits() -> dict:
    return {
        "bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
        "unpacked": getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 400 * 1024 * 1024),
        "ratio": getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", 200),
        "rows": getattr(settings, "IMPORT_MAX_ROWS", 200_000),
    }


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}"


def check_size(size: int) -> None:
    limit = limits()["bytes"]
    if size > limit:
        raise ImportFileError(
            _("文件过大（%(size)s MB），导入上限为 %(limit)s MB，请拆分后分批导入。")
            % {"size": _mb(size), "limit": _mb(limit)}
        )
    if size == 0:
        raise ImportFileError(_("文件是空的（0字节）。"))


def read_sheets(source, *, filename: str = "") -> list[Sheet]:
    """Every visible worksheet of ``source`` (a path or bytes) that has any content."""
    data = _load(source)
    check_size(len(data))
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        errors = _check_zip(data)
        return _read_calamine(data, errors)
    if head == OLE2_MAGIC:
        if ENCRYPTED_STREAM in data[: 1024 * 1024] or ENCRYPTED_STREAM in data[-1024 * 1024 :]:
            raise ImportFileError(
                _(
                    "文件设置了打开密码，无法读取。请在Excel中取消密码（文件→信息→保护工作簿）后重新上传。"
                )
            )
        return _read_calamine(data)
    return [_read_csv(data, filename=filename)]


def _load(source) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if hasattr(source, "read"):
        source.seek(0)
        return source.read()
    size = os.path.getsize(source)
    check_size(size)
    with open(source, "rb") as handle:
        return handle.read()


def _check_zip(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Refuse zip bombs by actually inflating each member under a cap: declared sizes in the
    central directory can lie. Returns the error cells of each worksheet (``_error_cells``)."""
    lim = limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(_("文件已损坏，无法作为Excel工作簿打开。")) from None
    names = {m.filename for m in members}
    if (
        "xl/workbook.xml" not in names
        and "xl/workbook.bin" not in names
        and "content.xml" not in names
    ):
        if "word/document.xml" in names:
            raise ImportFileError(_("这是一个Word文档，不是Excel表格。"))
        raise ImportFileError(_("文件不是Excel表格（.xlsx/.xls/.csv）。"))
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportFileError(_("文件结构异常（包含过多部件），拒绝读取。"))
    bomb = ImportFileError(
        _("文件解压后体积异常（超过 %(limit)s MB 或压缩比异常），疑似“压缩炸弹”，拒绝读取。")
        % {"limit": _mb(lim["unpacked"])}
    )
    total = 0
    found: dict[str, dict[tuple[int, int], str]] = {}
    for member in members:
        worksheet = member.filename.startswith("xl/worksheets/") and member.filename.endswith(
            ".xml"
        )
        tail = b""
        if member.file_size > lim["unpacked"] or (
            member.compress_size
            and member.file_size / member.compress_size > lim["ratio"]
            and member.file_size > 10 * CHUNK
        ):
            raise bomb
        try:
            with archive.open(member) as stream:
                inflated = 0
                while block := stream.read(CHUNK):
                    if worksheet:
                        _scan_error_cells(tail + block, found.setdefault(member.filename, {}))
                        tail = block[-SCAN_OVERLAP:]
                    inflated += len(block)
                    total += len(block)
                    if total > lim["unpacked"]:
                        raise bomb
                    if (
                        inflated > 10 * CHUNK
                        and inflated / max(member.compress_size, 1) > lim["ratio"]
                    ):
                        raise bomb
        except ImportFileError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise ImportFileError(_("文件已损坏，无法作为Excel工作簿打开。")) from None
        except RuntimeError:  # zipfile: "File is encrypted, password required"
            raise ImportFileError(_("文件设置了密码，无法读取。")) from None
    found = {name: cells for name, cells in found.items() if cells}
    return _by_sheet_name(archive, found) if found else {}


def _scan_error_cells(block: bytes, cells: dict[tuple[int, int], str]) -> None:
    """Record ``(row index, column index) -> code`` of the error cells in ``block`` of a
    worksheet's XML (an error cell split across two blocks is whole in the overlap)."""
    if b't="e"' in block:
        for match in _ERROR_CELL.finditer(block):
            value = _ERROR_VALUE.match(block, match.end())
            code = value.group(1).decode("utf-8", "replace") if value else "#N/A"
            _remember_cell(cells, match.group(0), code)
    if b"<f" in block:
        for match in _FORMULA_ONLY.finditer(block):
            _remember_cell(cells, match.group(0), NO_RESULT)


def _remember_cell(cells, tag: bytes, code: str) -> None:
    ref = _CELL_REF.search(tag)
    if ref is None:
        return
    letters, number = ref.groups()
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    cells[(int(number) - 1, column - 1)] = code


def _by_sheet_name(archive, found: dict) -> dict[str, dict[tuple[int, int], str]]:
    """The error cells keyed by sheet name, through workbook.xml and its relationships."""
    try:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    targets = {rid: target for rid, target in _RELATION.findall(relations)}
    targets.update({rid: target for target, rid in _RELATION_REVERSED.findall(relations)})
    by_name = {}
    for name, rid in _SHEET.findall(workbook):
        target = targets.get(rid, b"").decode("utf-8", "replace").lstrip("/")
        path = target if target.startswith("xl/") else f"xl/{target}"
        if path in found:
            by_name[_xml_text(name)] = found[path]
    return by_name


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def _read_calamine(data: bytes, errors: dict | None = None) -> list[Sheet]:
    max_rows = limits()["rows"]
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for index, meta in enumerate(workbook.sheets_metadata[:MAX_SHEETS]):
            if str(meta.visible) != str(python_calamine.SheetVisibleEnum.Visible):
                continue
            if str(meta.typ) != str(python_calamine.SheetTypeEnum.WorkSheet):
                continue
            sheet = workbook.get_sheet_by_index(index)
            if sheet.total_height > max_rows + 50:
                raise ImportFileError(
                    _("工作表“%(name)s”有 %(n)d 行，超过单次导入上限 %(max)d 行，请拆分后导入。")
                    % {"name": meta.name, "n": sheet.total_height, "max": max_rows}
                )
            rows = sheet.to_python(skip_empty_area=False)
            _mark_errors(rows, (errors or {}).get(meta.name))
            if rows:
                sheets.append(Sheet(meta.name, rows))
        workbook.close()
    except ImportFileError:
        raise
    except python_calamine.PasswordError:
        raise ImportFileError(_("文件设置了打开密码，无法读取。请取消密码后重新上传。")) from None
    except (python_calamine.CalamineError, ValueError, OSError) as error:
        raise ImportFileError(
            _("文件已损坏或格式不正确，无法读取（%(e)s）。") % {"e": str(error)[:120]}
        ) from None
    return sheets


def _mark_errors(rows: list[list], cells: dict[tuple[int, int], str] | None) -> None:
    for (row, column), code in (cells or {}).items():
        if row >= len(rows):
            continue  # beyond the rows calamine read: an error cell of an empty area
        values = rows[row]
        if column >= len(values):
            values.extend([None] * (column + 1 - len(values)))
        values[column] = CellError(code)


def _read_csv(data: bytes, *, filename: str) -> Sheet:
    sample = data[:8192]
    lowered = sample.lstrip().lower()
    if lowered.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise ImportFileError(
            _(
                "该文件是网页格式的“伪Excel”文件（常见于系统导出）。请用Excel打开后“另存为”.xlsx再导入。"
            )
        )
    if sample.startswith(b"%PDF"):
        raise ImportFileError(_("这是PDF文件，不是表格。请上传 .xlsx、.xls 或 .csv 文件。"))
    encodings = ("utf-8-sig", "gb18030")
    if sample.startswith(UTF16_BOMS):
        # Excel's "Unicode text" (文本文件 Unicode): UTF-16 with its byte-order mark, tabs.
        encodings = ("utf-16",)
    elif b"\x00" in sample:
        raise ImportFileError(
            _(
                "无法识别的文件格式：请上传 .xlsx、.xls 或 .csv 文件"
                "（CSV 请用 UTF-8、GBK 或带 BOM 的 UTF-16 编码）。"
            )
        )
    text = None
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise ImportFileError(
            _("无法识别CSV文件的编码，请另存为UTF-8、GBK或UTF-16（Unicode文本）编码后重新上传。")
        )
    first_lines = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(first_lines, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if first_lines.count("\t") > first_lines.count(",") else ","
    max_rows = limits()["rows"]
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > max_rows + 50:
                raise ImportFileError(
                    _("文件超过单次导入上限 %(max)d 行，请拆分后导入。") % {"max": max_rows}
                )
    except csv.Error:
        raise ImportFileError(_("CSV文件格式错误，无法读取。")) from None
    return Sheet(os.path.splitext(os.path.basename(filename))[0] or "CSV", rows)


def count_rows(source, *, filename: str = "") -> int:
    """Rows in the file's largest sheet (title and header rows included), for deciding whether
    an import runs in the background. Applies the same safety checks as :func:`read_sheets`."""
    data = _load(source)
    check_size(len(data))
    head = data[:8]
    if head.startswith(ZIP_MAGIC) or head == OLE2_MAGIC:
        if head.startswith(ZIP_MAGIC):
            _check_zip(data)
        elif ENCRYPTED_STREAM in data[: 1024 * 1024]:
            raise ImportFileError(_("文件设置了打开密码，无法读取。"))
        try:
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            heights = [
                workbook.get_sheet_by_index(i).total_height
                for i in range(min(len(workbook.sheet_names), MAX_SHEETS))
            ]
            workbook.close()
        except (python_calamine.CalamineError, ValueError, OSError):
            raise ImportFileError(_("文件已损坏或格式不正确，无法读取。")) from None
        return max(heights, default=0)
    newline = "\n".encode("utf-16-le" if data.startswith(UTF16_BOMS[0]) else "utf-16-be")
    if data.startswith(UTF16_BOMS):
        return data.count(newline) + (0 if data.endswith(newline) else 1)
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
