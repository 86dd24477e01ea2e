"""Each entity's import/export column mapping, built from its declaration (``Entity.sheet`` in
the app's ``entities.py``; see ``portal.entities``).

A ``BureauResource`` is a django-import-export ``ModelResource`` whose columns carry Chinese
headers (the model field's verbose name unless declared), the header's usual alternative names
(``aliases``), the widget that reads and writes the cell, and an example value for the template.
``Meta.import_id_fields`` is the natural key the importer matches existing records on.
The columns are the fields the entity's pages edit (``form_columns``), plus what only a
spreadsheet has: an enterprise's name beside its credit code, read-only derived values.
``resource_class`` turns a declaration into one: a cell declared by kind
(``Lookup``, ``Code``) becomes the widget that reads it, any other cell gets the widget of its
model field's type (``BureauResource.widget_for``).
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from import_export import resources
from import_export.fields import Field

from bureau.validators import validate_credit_code
from imports.engine import widgets as w
from portal.entities import Code, Entity, Extra, Lookup


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


def form_columns(entity: Entity) -> tuple[str, ...]:
    """The columns of an entity's files: the fields its pages edit (``Entity.fields``), in the
    same order, each followed by the extra columns declared after it."""
    after = {}
    for extra in entity.sheet.extra:
        after.setdefault(extra.after, []).append(extra.name)
    unknown = sorted(set(after) - set(entity.fields))
    if unknown:
        raise ImproperlyConfigured(
            f"{entity.model.__name__} has no field {', '.join(unknown)} to place columns after."
        )
    return tuple(column for name in entity.fields for column in (name, *after.get(name, ())))


def cell_widget(cell, field) -> w.CellWidget:
    """The widget that reads a cell declared by kind (``portal.entities.Lookup`` / ``Code``)
    for ``field``: several records when the field is many-to-many."""
    if isinstance(cell, Lookup):
        widget = w.ManyLookupWidget if field.many_to_many else w.LookupWidget
        return widget(
            cell.model,
            keys=cell.keys,
            within=cell.within,
            render_key=cell.render_key,
            related=cell.related,
        )
    if isinstance(cell, Code):
        return w.CodeWidget(max_length=cell.max_length)
    raise ImproperlyConfigured(f"{field}: no widget reads a cell declared as {cell!r}.")


def _extra_column(model, extra: Extra) -> Column:
    """A column only the files have: a date written as a date, anything else as text."""
    target = _field_at(model, extra.source)
    widget = w.DateWidget() if isinstance(target, models.DateField) else w.TextWidget()
    return Column(
        extra.source,
        str(extra.header),
        widget,
        aliases=extra.aliases,
        fallback_for=extra.fallback_for,
        readonly=True,
    )


def _field_at(model, path: str):
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return field


def resource_class(entity: Entity) -> type["BureauResource"]:
    """The import/export resource of a declared entity (``Entity.sheet``)."""
    sheet = entity.sheet
    model = entity.model
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": form_columns(entity),
            "import_id_fields": tuple(sheet.natural_key),
        },
    )
    attrs = {
        "Meta": meta,
        "__module__": __name__,
        "aliases": {name: tuple(c.aliases) for name, c in sheet.columns.items() if c.aliases},
        "headers": {name: str(c.header) for name, c in sheet.columns.items() if c.header},
        "cell_widgets": {
            name: cell_widget(c.cell, model._meta.get_field(name))
            for name, c in sheet.columns.items()
            if c.cell is not None
        },
        "example": dict(sheet.example),
        "year_lookup": sheet.year_lookup,
        "row_by_row": sheet.row_by_row,
    }
    attrs.update({extra.name: _extra_column(model, extra) for extra in sheet.extra})
    return type(f"{model.__name__}Resource", (BureauResource,), attrs)


class BureauResource(resources.ModelResource):
    """Columns from the model's fields with Chinese headers and forgiving widgets.

    Subclasses (``resource_class``) set ``Meta.model``, ``Meta.fields`` (order of the columns,
    from ``form_columns``), ``Meta.import_id_fields`` (the natural key), and optionally:

    - ``aliases``: ``{field: ("其他列名", ...)}`` accepted in place of the header;
    - ``headers``: ``{field: "表头"}`` in place of the field's verbose name;
    - ``cell_widgets``: ``{field: widget}`` overrides, chiefly how a related record is named
      in a cell (``LookupWidget(Township, keys=("code", "name"))``);
    - ``example``: ``{field: value}`` the template's example row (cell text);
    - ``year_lookup``: the ORM path ``--year`` filters exports on;
    - ``row_by_row``: save each row through ``record_save`` (many-to-many columns, or a
      ``clean()`` that reads other rows) instead of the bulk writer.
    """

    aliases: dict[str, tuple[str, ...]] = {}
    headers: dict[str, str] = {}
    cell_widgets: dict[str, w.CellWidget] = {}
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
            cls.headers.get(field_name) or str(django_field.verbose_name),
            cls.widget_for(field_name, django_field),
            aliases=cls.aliases.get(field_name, ()),
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
            return w.DecimalWidget.for_field(f)  # the unit the field declares
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
