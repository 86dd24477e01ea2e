"""The types an entity is declared with, once, in its app's ``entities.py``.

An ``Entity`` is plain data: the model, what its pages edit, list, filter and search, the
records shown under it, who may change it, whether the API serves it, its sidebar link, and how
it reads and writes in Excel / CSV files (``Sheet``). ``portal.registry`` collects the
declarations; the pages (``portal.crud``), the sidebar (``portal.navigation``), the API
(``api/``), the import/export engine (``imports/engine``) and the generic tests all read them, so
a domain app imports nothing from the layers that serve it.

::

    ENTITIES = [
        Entity(
            models.SmeEvaluation,
            fields=["enterprise", "year", "status", "registration_number", "score"],
            list_columns=["enterprise", "year", "status", "registration_number", "score"],
            filter_fields=["year", "status", "enterprise__township"],
            search_fields=["enterprise__name", "registration_number"],
            nav=Nav("innovation", _("科小评价"), order=40),
            sheet=Sheet(
                natural_key=("enterprise", "year"),
                columns={"enterprise": by_credit_code(), "year": Column(aliases=("年份",))},
                extra=[enterprise_name("enterprise")],
                example={"enterprise": "91350100M000100Y43", "year": "2025"},
                year_lookup="year",
            ),
        ),
    ]

(``by_credit_code`` and ``enterprise_name`` are the enterprises app's helpers for the columns
that name an enterprise.) ``CONTRIBUTING.md`` walks through adding one.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import models

from bureau.models import Township


@dataclass(frozen=True)
class Lookup:
    """A cell that names a related record (or, on a many-to-many field, several, separated by
    、): by the first of ``keys`` that matches (``("code", "name")``: a 9-digit code or a name;
    ``"__str__"`` is the record's display text).

    ``within`` names another column of the row that narrows a name (a village's name is unique
    in its township only); ``render_key`` is what an export writes (default: the first key);
    ``related`` are the relations a display text reads, fetched with the records.
    """

    model: type[models.Model]
    keys: tuple[str, ...] = ("name",)
    within: str | None = None
    render_key: str | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Code:
    """A cell holding an identifier (a registration, permit or passport number): inner spaces
    dropped, letters upper-cased."""

    max_length: int | None = None


# How a cell is read, when the model field's type alone does not say it: a relation is named by
# its ``name`` and a credit-code field is checked as one without being declared.
Cell = Lookup | Code


@dataclass(frozen=True)
class Column:
    """What a form field's column has beyond the defaults: other names its header goes by in
    the files people send (``aliases``), a header other than the field's verbose name, and how
    the cell names a related record (``cell``)."""

    aliases: tuple[str, ...] = ()
    header: str | None = None
    cell: Cell | None = None


@dataclass(frozen=True)
class Extra:
    """A column only the files have, placed after the form field ``after``: written on export
    for people to read, ignored on import.

    ``source`` is the path it reads (``"enterprise__name"``). With ``fallback_for`` it names the
    same related record as that field (an enterprise's name beside its credit code), and the
    import reads it when that field's column is absent or its cell blank.
    """

    name: str
    source: str
    header: str
    after: str
    aliases: tuple[str, ...] = ()
    fallback_for: str | None = None


@dataclass(frozen=True)
class Sheet:
    """How an entity reads and writes in Excel / CSV files. The columns are the form fields in
    their order, each with its ``columns`` entry if it has one, and the ``extra`` columns after
    their fields.

    - ``natural_key``: the form fields an import matches existing records on;
    - ``example``: the template's example row, ``{column: cell text}``;
    - ``year_lookup``: the path an export's ``--year`` filters on (``None``: no year);
    - ``row_by_row``: each row is saved on its own, for a many-to-many column or a ``clean()``
      that reads the records written by earlier rows.
    """

    natural_key: tuple[str, ...]
    columns: Mapping[str, Column] = field(default_factory=dict)
    extra: Sequence[Extra] = ()
    example: Mapping[str, str] = field(default_factory=dict)
    year_lookup: str | None = None
    row_by_row: bool = False


@dataclass(frozen=True)
class Query:
    """A named selection of an entity's records that plain field filters cannot express
    (certificates due for re-certification, enterprises without this year's figures): a filter
    of the list page (``?<name>=<value>``), so the workbench's counts open exactly their
    records. ``apply(queryset, value)`` narrows the queryset; ``choices`` are its values, with
    their labels, as the filter form offers them (or a function giving them, for years)."""

    label: str
    apply: Callable
    choices: Sequence[tuple[str, str]] | Callable[[], list] = ()


@dataclass(frozen=True)
class Nav:
    """The entity's list in the sidebar: under the group called ``group``
    (``portal.navigation.GROUPS``), in ``order`` among that group's links."""

    group: str
    label: str
    order: int


@dataclass(frozen=True)
class Entity:
    """One entity of the portal, declared once.

    - ``fields``: what its form edits, in order; also the API's writable fields and the
      columns of its files;
    - ``list_columns`` (default: the first six fields), ``filter_fields`` (names, or
      ``{name: [lookups]}``), ``search_fields``, ``list_select_related`` (paths the list
      reads besides its columns' own relations);
    - ``detail_related``: ``(related manager, title)`` blocks on the record's page;
    - ``choices``: text fields the form offers as a choice among ``choices()`` (registry keys);
    - ``admin_only``: reference data, changed by administrators only;
    - ``api``: served under ``/api/<app>/<entity>/``;
    - ``nav``: its sidebar link, if it has one;
    - ``sheet``: its Excel / CSV import and export, if it has them;
    - ``queries``: named selections its list filters by (``Query``), for the workbench;
    - ``follow_up``: its records take 跟进记录 (dated notes) on their pages;
    - ``bulk_fields``: the fields 批量修改 sets on many records at once (statuses, township,
      industry, year, flags); with none, a selection can only be deleted.
    """

    model: type[models.Model]
    fields: Sequence[str]
    list_columns: Sequence[str] = ()
    filter_fields: Sequence[str] | Mapping[str, Sequence[str]] = ()
    search_fields: Sequence[str] = ()
    list_select_related: Sequence[str] = ()
    detail_related: Sequence[tuple[str, str]] = ()
    choices: Mapping[str, Callable[[], list]] = field(default_factory=dict)
    admin_only: bool = False
    api: bool = True
    nav: Nav | None = None
    sheet: Sheet | None = None
    queries: Mapping[str, Query] = field(default_factory=dict)
    follow_up: bool = False
    bulk_fields: Sequence[str] = ()

    @property
    def name(self) -> str:
        """The model's name as the URLs and the import pages spell it: ``enterprise``."""
        return self.model._meta.model_name


# ---- columns every app names the same way --------------------------------------------------

# A township column, in any entity's files: its 9-digit code or its name, exported by name.
TOWNSHIP_ALIASES = ("乡镇", "街道", "镇街", "所属乡镇", "所属乡镇（街道）", "乡镇街道", "所在乡镇")

BY_TOWNSHIP = Lookup(Township, keys=("code", "name"), render_key="name")
