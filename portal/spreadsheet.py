"""The one cell writer of every workbook the portal writes (list exports, import templates,
error reports, the 培育库 lists): text that would start a formula is stored as text, never as
a formula.

Excel (and WPS) run a cell whose text starts with ``=`` ``+`` ``-`` ``@`` (or a tab or carriage
return before one) as a formula: a name typed as ``=HYPERLINK("http://…","点")`` would become a
live link in whoever opens the export. Such text is written as a string cell with Excel's quote
prefix, so it reads as typed and imports back unchanged; in .csv it gets a leading apostrophe,
which the importer strips again (``imports.engine.normalise``).
"""

import datetime

from openpyxl.cell import WriteOnlyCell

from bureau.text import export_text

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_TRIGGERS


def cell_value(value):
    """``value`` as a cell can hold it: text without what a cell refuses (a control character
    stored before input was cleaned), a datetime without its zone; blank text as no value."""
    if isinstance(value, str):
        value = export_text(value)
        return value if value != "" else None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return value


def set_cell(cell, value):
    """Write ``value`` into ``cell`` (of any sheet, write-only or not), neutralised: formula-like
    text is a quoted string, dates get the date format. Returns the cell."""
    value = cell_value(value)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"  # openpyxl made it "f" from the leading "="
        cell.quotePrefix = True
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    return cell


def xlsx_cell(sheet, value, *, font=None, fill=None) -> WriteOnlyCell:
    """A write-only sheet's cell holding ``value`` neutralised (``set_cell``)."""
    cell = set_cell(WriteOnlyCell(sheet), value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def xlsx_row(sheet, values) -> list[WriteOnlyCell]:
    return [xlsx_cell(sheet, value) for value in values]
