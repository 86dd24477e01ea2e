"""Finding the header row of a real sheet and matching its cells to the resource's columns.

Sheets put one or two title rows above the header (``2024年高新技术企业名单``, merged across
the columns), write headers with spaces, full-width brackets, units and asterisks, and use the
usual alternative names. The header row is the one among the first rows that matches the most
known columns; each header matches a column by its name or an alias, with or without the unit.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from imports.engine import normalise as norm
from imports.engine import widgets as w
from imports.engine.reader import ImportFileError, Sheet

HEADER_SCAN_ROWS = 20
# Columns people add that carry nothing to import (our error report adds the last two).
IGNORED_HEADERS = {"序号", "行号", "编号序号", "原行号", "错误信息", "no", "no.", "序"}
# An amount column accepts a header in another unit of money and converts to the unit its
# field declares (``unit``, as ``enterprises.models.AmountField`` carries): yuan per unit.
YUAN_PER_UNIT = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "亿元": Decimal(100_000_000),
}


def declared_unit(resource, column) -> str:
    """The unit the model field behind ``column`` declares (``""`` for none)."""
    try:
        field = resource._meta.model._meta.get_field(column.attribute)
    except Exception:  # noqa: BLE001 - a column that is not a model field (企业名称 beside the code)
        return ""
    return getattr(field, "unit", "")


def unit_factor(written: str, declared: str) -> Decimal | None:
    """What a number in a column headed in ``written`` is multiplied by to be in ``declared``;
    ``None`` when no conversion applies (same unit, no unit, or not both units of money)."""
    if not written or not declared or written == declared:
        return None
    if written not in YUAN_PER_UNIT or declared not in YUAN_PER_UNIT:
        return None
    return YUAN_PER_UNIT[written] / YUAN_PER_UNIT[declared]


@dataclass
class BoundColumn:
    """A sheet column matched to a resource field."""

    index: int
    name: str  # resource field name
    column: object  # the resource's Column
    header: str  # the header as written in the sheet
    factor: Decimal | None = None

    @property
    def letter(self) -> str:
        return norm.column_letter(self.index)

    @property
    def widget(self):
        return self.column.widget


@dataclass(frozen=True)
class UnknownHeader:
    """A header cell that names no column."""

    index: int  # 0-based column
    text: str

    @property
    def letter(self) -> str:
        return norm.column_letter(self.index)


@dataclass
class HeaderMatch:
    sheet: Sheet
    row_index: int  # 0-based index into sheet.rows
    columns: list[BoundColumn]
    unknown: list["UnknownHeader"] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def row_number(self) -> int:
        return self.row_index + 1

    def by_name(self) -> dict[str, BoundColumn]:
        return {bc.name: bc for bc in self.columns}


class ColumnIndex:
    """Header text -> resource field name, from each column's header and aliases."""

    def __init__(self, resource):
        self.fields = {}
        for column in resource.get_export_fields():
            name = _field_name(resource, column)
            self.fields[name] = column
        self.full: dict[str, str] = {}
        self.base: dict[str, str] = {}
        clashes = set()
        for name, column in self.fields.items():
            for text in getattr(column, "aliases", ()):
                alias = norm.header_key(text)
                for which, mapping, key in ((0, self.full, alias.full), (1, self.base, alias.base)):
                    if mapping.get(key, name) != name:
                        clashes.add((which, key))
                    mapping[key] = name
        # An alias two columns share names neither; a column's own header always wins.
        for which, key in clashes:
            (self.full, self.base)[which].pop(key, None)
        for name, column in self.fields.items():
            key = norm.header_key(column.column_name)
            self.full[key.full] = name
            self.base[key.base] = name

    def find(self, text) -> str | None:
        """The resource field the header ``text`` names, or ``None``."""
        key = norm.header_key(text)
        if not key.full:
            return None
        return self.full.get(key.full) or self.base.get(key.full) or self.base.get(key.base)


def _field_name(resource, column) -> str:
    for name, candidate in resource.fields.items():
        if candidate is column:
            return name
    return column.attribute


def find_header(sheets: list[Sheet], resource, *, ignore_unknown: bool = False) -> HeaderMatch:
    """The best header row over all sheets, with its columns bound, or ``ImportFileError``."""
    index = ColumnIndex(resource)
    best = None
    for sheet in sheets:
        for row_index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            names = {index.find(cell) for cell in row if not norm.is_blank(cell)}
            names.discard(None)
            if names and (best is None or len(names) > best[0]):
                best = (len(names), sheet, row_index)
    if best is None:
        if not any(any(not norm.is_blank(c) for c in row) for s in sheets for row in s.rows):
            raise ImportFileError(_("工作表是空的，没有可导入的数据。"))
        expected = "、".join(c.column_name for c in index.fields.values())
        raise ImportFileError(
            _("未找到表头：前%(n)d行中没有可识别的列名。本表应包含以下列：%(cols)s。")
            % {"n": HEADER_SCAN_ROWS, "cols": expected}
        )
    _count, sheet, row_index = best
    match = HeaderMatch(sheet=sheet, row_index=row_index, columns=[])
    seen: dict[str, BoundColumn] = {}
    for col, cell in enumerate(sheet.rows[row_index]):
        if norm.is_blank(cell):
            continue
        text = norm.clean_text(cell)
        name = index.find(cell)
        if name is None:
            if norm.header_key(text).full in IGNORED_HEADERS:
                continue
            match.unknown.append(UnknownHeader(col, text))
            continue
        if name in seen:
            raise ImportFileError(
                _("列“%(h)s”重复出现（第%(a)s列和第%(b)s列），请删除其中一列。")
                % {"h": text, "a": seen[name].letter, "b": norm.column_letter(col)}
            )
        column = index.fields[name]
        bound = BoundColumn(index=col, name=name, column=column, header=text)
        if isinstance(column.widget, w.DecimalWidget):
            written, declared = norm.header_key(text).unit, declared_unit(resource, column)
            bound.factor = unit_factor(written, declared)
            if bound.factor is not None:
                match.notices.append(
                    _("列“%(h)s”的单位为%(u)s，已换算为%(to)s。")
                    % {"h": text, "u": written, "to": declared}
                )
        seen[name] = bound
        match.columns.append(bound)
    if match.unknown and not ignore_unknown:
        listed = "、".join(f"“{u.text}”（{u.letter}列）" for u in match.unknown)
        expected = "、".join(c.column_name for c in index.fields.values())
        raise ImportFileError(
            _(
                "第%(row)d行表头中有无法识别的列：%(cols)s。请改为标准列名或删除该列"
                "（也可勾选“忽略无法识别的列”）。可用的列名：%(expected)s。"
            )
            % {"row": match.row_number, "cols": listed, "expected": expected}
        )
    if match.unknown:
        match.notices.append(
            _("已忽略无法识别的列：%(cols)s。") % {"cols": "、".join(u.text for u in match.unknown)}
        )
    _check_required(match, resource, index)
    # Lookups that depend on another column of the row (a village within its township) and
    # fallback columns must come after the columns they read.
    order = {name: i for i, name in enumerate(index.fields)}
    match.columns.sort(
        key=lambda bc: (
            bool(getattr(bc.column, "fallback_for", None)),
            bool(getattr(bc.widget, "within", None)),
            order[bc.name],
        )
    )
    return match


def required_fields(resource) -> list[str]:
    """Resource fields that must have a column: the natural key and every model field that
    can be neither blank nor defaulted."""
    model = resource._meta.model
    required = []
    for name, column in resource.fields.items():
        if column.readonly or getattr(column, "fallback_for", None):
            continue
        try:
            f = model._meta.get_field(column.attribute)
        except Exception:  # noqa: BLE001 - a non-model column
            continue
        if name in resource.natural_key() or (
            not f.blank and not f.has_default() and not f.many_to_many
        ):
            required.append(name)
    return required


def missing_columns(match: HeaderMatch, resource, *, key_only: bool) -> list[str]:
    """Required resource fields without a column (a fallback column counts for its field)."""
    present = set(match.by_name())
    for bc in match.columns:
        target = getattr(bc.column, "fallback_for", None)
        if target:
            present.add(target)
    wanted = resource.natural_key() if key_only else required_fields(resource)
    return [name for name in wanted if name not in present]


def missing_columns_error(resource, names: list[str], *, row: int, for_new: bool) -> str:
    labels = "、".join(f"“{resource.fields[name].column_name}”" for name in names)
    if for_new:
        return _(
            "缺少必填列：%(cols)s（表头在第%(row)d行；文件中有新增记录，新增记录必须填写这些列）。"
        ) % {
            "cols": labels,
            "row": row,
        }
    return _("缺少必填列：%(cols)s（表头在第%(row)d行，按这些列识别记录）。") % {
        "cols": labels,
        "row": row,
    }


def _check_required(match: HeaderMatch, resource, index: ColumnIndex) -> None:
    """The natural key must be there; other required columns only when rows are new (checked
    by the pipeline once it knows), so a sheet of corrections may carry just the key and the
    columns it changes."""
    missing = missing_columns(match, resource, key_only=True)
    if missing:
        raise ImportFileError(
            missing_columns_error(resource, missing, row=match.row_number, for_new=False)
        )
