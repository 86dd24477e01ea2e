"""The table of a list page: sortable columns, one page of rows, page links.

A list page is read far more than anything else in the portal, so its table is built here in a
few plain loops: every cell is formatted once in Python by a formatter chosen per column when
the view set is declared, and the template only prints strings. (django-tables2, used before,
spent three quarters of a list page's time resolving and rendering its cells.)
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.paginator import Page
from django.db import models
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext as _

from bureau.collation import order_expression
from portal.pagination import CappedPaginator

EMPTY = "—"
PAGE_WINDOW = 3  # page links shown either side of the current page


@dataclass(frozen=True)
class Column:
    """One column: the field it shows, its heading and how a value becomes text."""

    name: str
    label: str  # the field's verbose name, translated when shown
    format: Callable[[Any], str]
    orderable: bool = True
    # A code, number or date: kept on one line at any width (a credit code split over two
    # lines on a phone cannot be read or copied); names and text wrap.
    nowrap: bool = False


def columns_for(model: type[models.Model], names: list[str], choices=None) -> list[Column]:
    """Columns for the fields ``names`` of ``model``; ``choices`` maps a text field whose
    values are keys (an annual target's indicator) to the function giving their labels."""
    return [_column(model, name, (choices or {}).get(name)) for name in names]


def labelled(choices) -> Callable[[Any], str]:
    """A key shown by its label ("coverage_rate" -> 规上工业企业研发机构覆盖率); an unknown key
    as it is."""
    return lambda value: dict(choices()).get(value, value) if value else EMPTY


# Field names of codes and numbers people read as one token.
CODE_NAME_ENDINGS = ("code", "number", "_no", "phone")
ONE_LINE_FIELDS = (models.IntegerField, models.DecimalField, models.FloatField, models.DateField)


def _is_one_line(model_field) -> bool:
    if model_field.is_relation or model_field.choices:
        return False
    return isinstance(model_field, ONE_LINE_FIELDS) or model_field.name.endswith(CODE_NAME_ENDINGS)


def _column(model, name: str, choices=None) -> Column:
    model_field = model._meta.get_field(name)
    column = _column_of(model, model_field, name, choices)
    if _is_one_line(model_field):
        return replace(column, nowrap=True)
    return column


def _column_of(model, model_field, name: str, choices=None) -> Column:
    label = model_field.verbose_name
    if choices is not None:
        show = labelled(choices)
        return Column(name, label, lambda obj: str(show(getattr(obj, name))))
    if model_field.many_to_many:
        return Column(name, label, lambda obj: joined(getattr(obj, name).all()), False)
    if model_field.choices:
        display = f"get_{name}_display"
        return Column(name, label, lambda obj: getattr(obj, display)() or EMPTY)
    return Column(name, label, _formatter(lambda obj: getattr(obj, name)))


def joined(records) -> str:
    """Several records in one cell: "甲、乙", or "—" for none."""
    return "、".join(str(record) for record in records) or EMPTY


def plain_text(value) -> str:
    """A value as the portal shows it: 是/否, "—" for nothing, dates and numbers localised."""
    if value is None or value == "":
        return EMPTY
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return formats.localize(value.quantize(Decimal(1)))  # 3, not 3.0000
    if isinstance(value, Decimal) and value.as_tuple().exponent < -2:
        return formats.localize(value.normalize())  # 46.35, not 46.3500
    return formats.localize(value)


def _formatter(get: Callable[[Any], Any]) -> Callable[[Any], str]:
    return lambda obj: plain_text(get(obj))


@dataclass
class Row:
    url: str
    cells: list[str]
    pk: int | None = None
    columns: list[Column] = field(default_factory=list, repr=False)

    @property
    def items(self) -> list[tuple[str, str, bool]]:
        """(heading, text, kept on one line) per cell: a phone shows each row as a card whose
        lines are labelled by the headings (``data-label``, static/css/portal.css)."""
        return [
            (str(column.label), cell, column.nowrap)
            for column, cell in zip(self.columns, self.cells, strict=False)
        ]


@dataclass
class Heading:
    label: str
    url: str | None  # None: not sortable
    direction: str = ""  # "asc" / "desc" for the column the rows are sorted by


@dataclass
class PageLink:
    number: int | None  # None: the gap between the first and the window, or the window and the last
    url: str = ""
    current: bool = False


@dataclass
class Table:
    """One page of rows of ``queryset``, sorted by ``?sort=`` when it names a sortable column."""

    columns: list[Column]
    queryset: models.QuerySet
    params: QueryDict
    per_page: int = 25
    page: Page = field(init=False)
    sort: str = field(init=False, default="")

    def __post_init__(self):
        sortable = {c.name for c in self.columns if c.orderable}
        sort = self.params.get("sort", "")
        # Only ``col`` or ``-col``: ``--col`` (a hand-made or saved address) keeps the default
        # order rather than reaching the database as an order it refuses.
        if sort.removeprefix("-") in sortable:
            self.sort = sort
            # the primary key breaks ties, so a record never shows up on two pages
            # names in pinyin order (bureau/collation.py)
            self.queryset = self.queryset.order_by(
                order_expression(self.queryset.model, sort), "-pk" if sort.startswith("-") else "pk"
            )
        # counts at most COUNT_CAP + 1 rows: see portal/pagination.py
        self.page = CappedPaginator(self.queryset, self.per_page).get_page(self.params.get("page"))

    @property
    def headings(self) -> list[Heading]:
        headings = []
        for column in self.columns:
            if not column.orderable:
                headings.append(Heading(column.label, None))
                continue
            direction = {column.name: "asc", f"-{column.name}": "desc"}.get(self.sort, "")
            toggled = f"-{column.name}" if direction == "asc" else column.name
            url = query_url(self.params, sort=toggled, page=None)
            headings.append(Heading(column.label, url, direction))
        return headings

    @property
    def rows(self) -> list[Row]:
        formats_ = [column.format for column in self.columns]
        return [
            Row(
                obj.get_absolute_url(),
                [format_cell(obj) for format_cell in formats_],
                obj.pk,
                self.columns,
            )
            for obj in self.page.object_list
        ]

    @property
    def pagination(self) -> "Pagination":
        return Pagination(self.page, self.params)


def query_url(params: QueryDict, **changes) -> str:
    """``?…`` of ``params`` with ``changes`` applied (a value of None drops the parameter)."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"?{query.urlencode()}" if query else "?"


@dataclass
class Pagination:
    """What ``includes/_pagination.html`` shows for ``page``, keeping the other parameters."""

    page: Page
    params: QueryDict

    @property
    def previous_url(self) -> str | None:
        if self.page.has_previous():
            return query_url(self.params, page=self.page.previous_page_number())
        return None

    @property
    def next_url(self) -> str | None:
        if self.page.has_next():
            return query_url(self.params, page=self.page.next_page_number())
        return None

    @property
    def links(self) -> list[PageLink]:
        """The first page, a window around the current one and the last page."""
        last = self.page.paginator.num_pages
        if last <= 1:
            return []
        current = self.page.number
        window = range(max(1, current - PAGE_WINDOW), min(last, current + PAGE_WINDOW) + 1)
        links, previous = [], 0
        for number in sorted({1, last, *window}):
            if number > previous + 1:
                links.append(PageLink(None))
            links.append(PageLink(number, query_url(self.params, page=number), number == current))
            previous = number
        return links
