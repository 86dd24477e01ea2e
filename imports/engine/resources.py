"""The base of every entity's import/export column mapping (``<app>/resources.py``).

A ``BureauResource`` is a django-import-export ``ModelResource`` whose columns carry Chinese
headers (the model field's verbose name unless declared), the header's usual alternative names
(``aliases``), the widget that reads and writes the cell, and an example value for the template.
``Meta.import_id_fields`` is the natural key the importer matches existing records on.
The columns are the fields the entity's pages edit (``form_columns``), plus what only a
spreadsheet has: an enterprise's name beside its credit code, read-only derived values.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from import_export import resources
from import_export.fields import Field

from bureau.validators import validate_credit_code
from imports.engine import widgets as w


class Column(Field):
    """A resource field with what the importer and the template need besides the header.

    ``fallback_for`` marks an informational column (``企业名称`` beside ``统一社会信用代码``) that
    names the same related record as the field it falls back for, when that column is absent or
    its cell empty.
    """

    def __init__(
        self,
        attribute=None,
        column_name=None,
        widget=None,
        *,
        aliases=(),
        note="",
        fallback_for=None,
        readonly=False,
        **kwargs,
    ):
        super().__init__(
            attribute=attribute,
            column_name=column_name,
            widget=widget or w.TextWidget(),
            readonly=readonly or bool(fallback_for),
            **kwargs,
        )
        self.aliases = tuple(aliases)
        self.note = note
        self.fallback_for = fallback_for


CODE_ALIASES = ("社会信用代码", "信用代码", "统一代码", "纳税人识别号", "企业信用代码")
NAME_ALIASES = ("单位名称", "企业", "名称", "单位", "企业（单位）名称")


def enterprise_code_column(field: str, header="统一社会信用代码", aliases=CODE_ALIASES) -> Column:
    """The column naming an enterprise by credit code (or, failing that, by exact name)."""
    from enterprises.models import Enterprise  # noqa: PLC0415 - bureau must not import apps at load

    return Column(
        field, header, w.LookupWidget(Enterprise, keys=("credit_code", "name")), aliases=aliases
    )


def enterprise_name_column(field: str, header="企业名称", aliases=NAME_ALIASES) -> Column:
    """The enterprise's name beside its credit code: written on export for people to read, and
    read on import when the code column is missing or its cell blank."""
    return Column(f"{field}__name", header, w.TextWidget(), aliases=aliases, fallback_for=field)


def form_columns(viewset, *, after: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The columns of an entity's files: the fields its pages edit (``CrudViewSet.fields``), in
    the same order, with each of the resource's own columns placed after the field it goes with
    (``after={"enterprise": ("enterprise_name",)}``)."""
    after = after or {}
    unknown = sorted(set(after) - set(viewset.fields))
    if unknown:
        raise ImproperlyConfigured(
            f"{viewset.__name__}.fields has no {', '.join(unknown)} to place columns after."
        )
    return tuple(column for name in viewset.fields for column in (name, *after.get(name, ())))


class BureauResource(resources.ModelResource):
    """Columns from the model's fields with Chinese headers and forgiving widgets.

    Subclasses set ``Meta.model``, ``Meta.fields`` (order of the columns, from
    ``form_columns``), ``Meta.import_id_fields`` (the natural key), and optionally:

    - ``aliases``: ``{field: ("其他列名", ...)}`` accepted in place of the header;
    - ``cell_widgets``: ``{field: widget}`` overrides, chiefly how a related record is named
      in a cell (``LookupWidget(Township, keys=("code", "name"))``);
    - ``example``: ``{field: value}`` the template's example row (cell text);
    - ``year_lookup``: the ORM path ``--year`` filters exports on;
    - ``row_by_row``: save each row through ``record_save`` (many-to-many columns, or a
      ``clean()`` that reads other rows) instead of the bulk writer.
    """

    aliases: dict[str, tuple[str, ...]] = {}
    cell_widgets: dict[str, w.LookupWidget] = {}
    notes: dict[str, str] = {}
    example: dict[str, str] = {}
    year_lookup: str | None = None
    row_by_row = False

    class Meta:
        abstract = True
        skip_unchanged = True
        clean_model_instances = True

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        return Column(
            field_name,
            str(django_field.verbose_name),
            cls.widget_for(field_name, django_field),
            aliases=cls.aliases.get(field_name, ()),
            note=cls.notes.get(field_name, ""),
            readonly=readonly,
        )

    @classmethod
    def widget_for(cls, field_name, f) -> w.CellWidget:
        if field_name in cls.cell_widgets:
            return cls.cell_widgets[field_name]
        if validate_credit_code in getattr(f, "validators", ()):
            return w.CreditCodeWidget(max_length=f.max_length)
        if f.many_to_many:
            return w.ManyLookupWidget(f.related_model, keys=("name",))
        if f.is_relation:
            return w.LookupWidget(f.related_model, keys=("name",))
        if f.choices:
            return w.ChoiceWidget(f.choices)
        if isinstance(f, models.BooleanField):
            return w.BoolWidget()
        if isinstance(f, models.DecimalField):
            unit = "万元" if "万元" in str(f.verbose_name) else ""
            return w.DecimalWidget(decimal_places=f.decimal_places, unit=unit)
        if isinstance(f, models.IntegerField):
            return w.IntWidget()
        if isinstance(f, models.DateField):
            return w.DateWidget()
        return w.TextWidget(max_length=getattr(f, "max_length", None))

    # ---- what the importer reads ------------------------------------------------------------

    @classmethod
    def model(cls):
        return cls._meta.model

    @classmethod
    def entity(cls) -> str:
        return cls._meta.model._meta.model_name

    @classmethod
    def natural_key(cls) -> tuple[str, ...]:
        return tuple(cls._meta.import_id_fields)
