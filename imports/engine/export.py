"""Writing spreadsheets: exports of a list, import templates and error reports.

Exports stream: .xlsx through openpyxl's write-only mode (rows go to a temporary file as they
come, so memory stays flat however long the list) and .csv row by row as UTF-8 with a BOM,
which Excel on Chinese Windows opens correctly. Text that would start a formula (= + - @) is
neutralised by the portal's one cell writer (``portal.spreadsheet``): in .xlsx the cell is
stored as text with Excel's quote prefix, in .csv it gets a leading apostrophe, which the
importer strips again so an export imports back unchanged.
"""

import csv
import datetime
import io
import tempfile
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from bureau.text import export_text
from bureau.validators import credit_code_check_char, validate_credit_code
from imports.engine import widgets as w
from imports.engine.headers import required_fields
from imports.engine.normalise import EXAMPLE_MARK
from portal.spreadsheet import is_formula_like, set_cell, xlsx_cell

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
EXPORT_CHUNK = 2000


def csv_safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = export_text(str(value))
    return "'" + text if is_formula_like(text) else text


# ---- exports --------------------------------------------------------------------------------


def export_columns(resource) -> list:
    return list(resource.get_export_fields())


def export_rows(resource, queryset):
    """Native cell values of each record, in the resource's column order."""
    columns = export_columns(resource)
    getters = [(column, column.widget) for column in columns]
    for instance in queryset.iterator(chunk_size=EXPORT_CHUNK):
        row = []
        for column, widget in getters:
            value = column.get_value(instance)
            row.append(widget.export_value(value))
        yield row


def optimise_queryset(resource, queryset):
    """One query per chunk of rows: every related record a column shows is joined in."""
    model = resource._meta.model
    related, prefetch = set(), set()
    for column in export_columns(resource):
        parts = column.attribute.split("__")
        f = model._meta.get_field(parts[0])
        if f.many_to_many:
            prefetch.add(parts[0])
        elif f.is_relation:
            path = parts[:-1] if len(parts) > 1 else parts
            extra = getattr(column.widget, "related", ())
            related.add("__".join(path))
            related.update(f"{parts[0]}__{r}" for r in extra)
            render = getattr(column.widget, "render_key", "")
            if render and "__" in render and render != "__str__":
                related.add(f"{parts[0]}__{render.rsplit('__', 1)[0]}")
    queryset = queryset.select_related(*sorted(related)) if related else queryset
    if prefetch:
        queryset = queryset.prefetch_related(*sorted(prefetch))
    return queryset


def write_xlsx(resource, queryset, stream) -> int:
    """Write the export to ``stream``; returns the number of records."""
    columns = export_columns(resource)
    return write_table(
        stream,
        str(resource._meta.model._meta.verbose_name_plural),
        [(column.column_name, _width(column)) for column in columns],
        export_rows(resource, optimise_queryset(resource, queryset)),
    )


def write_table(stream, title: str, headers, rows) -> int:
    """One sheet called ``title``: a header row of ``(text, width)`` and ``rows`` of values,
    streamed (write-only); returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, (_text, width) in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(
        [xlsx_cell(sheet, str(text), font=HEADER_FONT, fill=HEADER_FILL) for text, _w in headers]
    )
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(stream)
    return count


def iter_csv(resource, queryset):
    """The export as CSV text chunks (UTF-8 with BOM), for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([c.column_name for c in export_columns(resource)])
    for count, row in enumerate(export_rows(resource, optimise_queryset(resource, queryset)), 1):
        writer.writerow([csv_safe(value) for value in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_tempfile(resource, queryset):
    """The export in a spooled temporary file (memory up to 8 MB, disk beyond), rewound."""
    return spooled(lambda handle: write_xlsx(resource, queryset, handle))


def spooled(write):
    """What ``write(handle)`` writes, in a spooled temporary file (memory up to 8 MB, disk
    beyond), rewound."""
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write(handle)
    handle.seek(0)
    return handle


def _width(column) -> int:
    return max(10, min(40, len(column.column_name) * 2 + 4))


# ---- templates ------------------------------------------------------------------------------


def write_template(resource, stream, user=None) -> None:
    """The import template: Chinese headers, a note on each (format, unit, allowed values,
    required or not), drop-downs on choice and yes/no columns, and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(resource._meta.model._meta.verbose_name)[:31]
    lists = workbook.create_sheet(_("选项"))
    lists.sheet_state = "hidden"
    required = set(required_fields(resource))
    columns = export_columns(resource)
    names = {id(column): name for name, column in resource.fields.items()}
    list_col = 0
    for index, column in enumerate(columns, 1):
        name = names.get(id(column), column.attribute)
        cell = set_cell(sheet.cell(row=1, column=index), column.column_name)
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if name in required else HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = _width(column)
        note = _note(resource, name, column, name in required)
        comment = Comment(note, _("区科技局"))
        comment.width, comment.height = 320, 140
        cell.comment = comment
        example = resource.example.get(name, "")
        example_cell = sheet.cell(row=2, column=index)
        if isinstance(column.widget, w.DateWidget | w.DecimalWidget | w.IntWidget) and example:
            set_cell(example_cell, _native_example(column.widget, example))
        else:
            set_cell(example_cell, example or None)
        if example and isinstance(column.widget, w.CreditCodeWidget | w.LookupWidget):
            set_cell(example_cell, _local_credit_code(example))
        formula = None
        parent = _within_column(column, columns, names) if not column.readonly else None
        options = column.widget.options(user) if not column.readonly and not parent else None
        if options:
            list_col += 1
            letter = get_column_letter(list_col)
            for row_index, option in enumerate(options, 1):
                # Options are reference data administrators type: neutralised like any cell.
                set_cell(lists.cell(row=row_index, column=list_col), option)
            formula = f"'{lists.title}'!${letter}$1:${letter}${len(options)}"
        elif parent:
            list_col, formula = _dependent_lists(workbook, lists, list_col, column, parent, user)
        if formula:
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("无效的值"),
                error=_("请从下拉列表中选择。"),
            )
            sheet.add_data_validation(validation)
            # Every row an import accepts, below the header.
            column_letter = get_column_letter(index)
            validation.add(f"{column_letter}2:{column_letter}{settings.IMPORT_MAX_ROWS + 1}")
    mark = set_cell(sheet.cell(row=2, column=len(columns) + 1), EXAMPLE_MARK)
    mark.font = Font(italic=True, color="808080")
    sheet.column_dimensions[get_column_letter(len(columns) + 1)].width = 24
    sheet.freeze_panes = "A2"
    workbook.save(stream)


def _within_column(column, columns, names) -> tuple[int, object] | None:
    """The (index, column) of the column a lookup is ``within`` (a village's township), when
    the sheet has it."""
    within = getattr(column.widget, "within", None)
    if not within or not isinstance(column.widget, w.LookupWidget):
        return None
    for index, other in enumerate(columns, 1):
        if names.get(id(other), other.attribute) == within and isinstance(
            other.widget, w.LookupWidget
        ):
            return index, other
    return None


def _dependent_lists(
    workbook, lists, list_col: int, column, parent, user=None
) -> tuple[int, str | None]:
    """A drop-down that follows another cell of the row (the villages of the row's township):
    each township's villages in a named range of the hidden sheet, a table from township to
    range name beside them, and ``INDIRECT(VLOOKUP(...))`` as the list."""
    index, other = parent
    field = column.widget.model._meta.get_field(column.widget.within)
    groups = column.widget.options_within(f"{field.name}__{other.widget.render_key}", user)
    if not groups:
        return list_col, None
    table_col = list_col + 1  # two columns: the township's text, its range's name
    list_col = table_col + 2
    for row, (key, values) in enumerate(groups.items(), 1):
        letter = get_column_letter(list_col)
        for value_row, value in enumerate(values, 1):
            set_cell(lists.cell(row=value_row, column=list_col), value)
        range_name = f"L{list_col}"
        workbook.defined_names[range_name] = DefinedName(
            range_name, attr_text=f"'{lists.title}'!${letter}$1:${letter}${len(values)}"
        )
        set_cell(lists.cell(row=row, column=table_col), key)
        lists.cell(row=row, column=table_col + 1, value=range_name)
        list_col += 1
    key_letter, name_letter = get_column_letter(table_col), get_column_letter(table_col + 1)
    table = f"'{lists.title}'!${key_letter}$1:${name_letter}${len(groups)}"
    return list_col, f"INDIRECT(VLOOKUP(${get_column_letter(index)}2,{table},2,FALSE))"


def local_credit_code() -> str:
    """A valid 统一社会信用代码 of this district (its division code, from the townships' codes),
    for a template's example row: a code of another province confuses the reader."""
    from bureau.models import Township  # noqa: PLC0415 - avoid an import cycle

    first = Township.objects.order_by("code").values_list("code", flat=True).first()
    district = first[:6] if first else "370302"
    body = f"91{district}MA0000001"
    return body + credit_code_check_char(body)


def _local_credit_code(example):
    try:
        validate_credit_code(str(example))
    except ValidationError:
        return example
    return local_credit_code()


def _note(resource, name, column, required: bool) -> str:
    parts = [_("必填") if required else _("选填")]
    if name in resource.natural_key():
        parts.append(_("用于识别记录（重复导入时据此更新）"))
    if getattr(column, "fallback_for", None):
        parts.append(_("未填写信用代码时按名称查找"))
    elif column.readonly:
        parts.append(_("仅供查看，导入时忽略"))
    parts.append(column.widget.describe())
    if getattr(column, "note", ""):
        parts.append(column.note)
    if column.aliases:
        parts.append(_("也可用列名：%(a)s") % {"a": "、".join(column.aliases[:6])})
    return "；".join(str(p) for p in parts)


def _native_example(widget, text):
    try:
        return widget.clean(text)
    except ValueError:
        return text


# ---- error reports --------------------------------------------------------------------------


def write_error_report(result, stream) -> None:
    """The invalid rows as they were in the file, each with its original row number and the
    messages beside it; cells in error are shaded. Fixed and re-uploaded, it imports as is
    (the two added columns are ignored by the importer)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误报告"))
    sheet.freeze_panes = "C2"
    rows = result.sheet.rows if result.sheet else []
    header = list(rows[result.header_index]) if rows else []
    by_row: dict[int, list] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(error)
    if result.file_error:
        sheet.append([xlsx_cell(sheet, _("错误信息"), font=HEADER_FONT)])
        sheet.append([xlsx_cell(sheet, result.file_error)])
        workbook.save(stream)
        return
    sheet.append(
        [
            xlsx_cell(sheet, _("原行号"), font=HEADER_FONT, fill=HEADER_FILL),
            xlsx_cell(sheet, _("错误信息"), font=HEADER_FONT, fill=HEADER_FILL),
        ]
        + [xlsx_cell(sheet, value, font=HEADER_FONT, fill=HEADER_FILL) for value in header]
    )
    from imports.engine.normalise import column_letter  # noqa: PLC0415

    for number in sorted(by_row):
        errors = by_row[number]
        raw = rows[number - 1] if 0 < number <= len(rows) else []
        bad = {e.column for e in errors if e.column}
        message = "；".join(
            (f"{e.column}列{e.header}：" if e.column else "") + e.message for e in errors
        )
        cells = [xlsx_cell(sheet, number), xlsx_cell(sheet, message, font=Font(color="C00000"))]
        for index, value in enumerate(raw):
            fill = ERROR_FILL if column_letter(index) in bad else None
            cells.append(xlsx_cell(sheet, value, fill=fill))
        sheet.append(cells)
    workbook.save(stream)
