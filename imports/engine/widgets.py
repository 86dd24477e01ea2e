"""django-import-export widgets that read real-world cells and write clean ones.

Each widget converts one cell both ways: ``clean`` (cell -> Python, ``ValueError`` with a Chinese
message on bad input), ``render`` (Python -> text, for import_export and CSV), ``export_value``
(Python -> native cell value for .xlsx) and ``describe`` (the note on the template's header).
They serve the stock import_export machinery (admin, ``Resource.import_data``) and the fast
pipeline in :mod:`imports.engine.pipeline` alike, so both read a cell the same way.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Model, Q
from django.db.models.functions import Concat
from django.utils.translation import gettext as _
from import_export import widgets

from bureau.text import TEXT_MAX_LENGTH
from bureau.validators import normalise_credit_code
from imports.engine import normalise as norm

AMBIGUOUS = object()
LIST_SEPARATORS = ("、", "，", ",", "；", ";", "\n", "/")


class CellWidget(widgets.Widget):
    """Base: empty cells are ``None`` / ``""``; ``render`` never returns ``None``."""

    kind = "text"

    def clean(self, value, row=None, **kwargs):
        return norm.clean_text(value)

    def render(self, value, obj=None, **kwargs):
        value = self.export_value(value)
        if value is None:
            return ""
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return str(value)

    def export_value(self, value):
        return "" if value is None else value

    def describe(self) -> str:
        return _("文本")

    def options(self, user=None) -> list[str] | None:
        """Allowed cell texts, for the template's drop-down (``user``: what they may see);
        ``None`` when free."""
        return None


class TextWidget(CellWidget):
    """Text up to ``max_length`` characters (``TEXT_MAX_LENGTH`` for fields without a length of
    their own)."""

    def __init__(self, max_length=None, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length or TEXT_MAX_LENGTH

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row=row, **kwargs)
        if len(text) > self.max_length:
            raise ValueError(
                _("文本过长（%(n)d字），不能超过%(max)d字。")
                % {"n": len(text), "max": self.max_length}
            )
        return text

    def describe(self):
        if self.max_length:
            return _("文本，不超过%(n)d字") % {"n": self.max_length}
        return _("文本")


class CodeWidget(TextWidget):
    """Identifiers (registration, permit, passport numbers): no inner spaces, upper case."""

    def clean(self, value, row=None, **kwargs):
        return "".join(norm.nfkc(norm.clean_text(value)).split()).upper()

    def describe(self):
        return _("编号，字母自动转为大写")


class CreditCodeWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return normalise_credit_code(norm.nfkc(norm.clean_text(value)))

    def describe(self):
        return _("18位统一社会信用代码，校验位自动检查")


class IntWidget(CellWidget):
    kind = "number"

    def clean(self, value, row=None, **kwargs):
        return norm.parse_int(value)

    def export_value(self, value):
        return value

    def describe(self):
        return _("整数")


class DecimalWidget(CellWidget):
    """Numbers with a fixed number of places; Excel's float noise (12.300000000000001) is
    rounded away, real excess precision is left for model validation to reject."""

    kind = "number"
    NOISE = Decimal("0.000001")

    def __init__(self, decimal_places=2, unit="", **kwargs):
        super().__init__(**kwargs)
        self.decimal_places = decimal_places
        self.unit = unit
        self.quantum = Decimal(1).scaleb(-decimal_places)

    @classmethod
    def for_field(cls, field) -> "DecimalWidget":
        """The widget of a model ``DecimalField``, in the unit the field declares (an
        ``AmountField``'s ``unit``), never one guessed from its label."""
        return cls(decimal_places=field.decimal_places, unit=getattr(field, "unit", ""))

    def clean(self, value, row=None, factor=None, **kwargs):
        number = norm.parse_decimal(value)
        if number is None:
            return None
        if factor is not None:
            number = number * factor
        rounded = number.quantize(self.quantum) if abs(number) < Decimal("1e15") else number
        if abs(number - rounded) < self.NOISE:
            return rounded
        return number

    def export_value(self, value):
        return value

    def describe(self):
        text = _("数字，最多%(n)d位小数") % {"n": self.decimal_places}
        if self.unit:
            text += _("，单位：%(u)s") % {"u": self.unit}
        return text


class DateWidget(CellWidget):
    kind = "date"

    def clean(self, value, row=None, **kwargs):
        return norm.parse_date(value)

    def export_value(self, value):
        return value

    def describe(self):
        return _("日期，如2024-03-05、2024/3/5、2024年3月5日")


class BoolWidget(CellWidget):
    kind = "bool"

    def clean(self, value, row=None, **kwargs):
        return norm.parse_bool(value)

    def export_value(self, value):
        return _("是") if value else _("否")

    def describe(self):
        return _("填“是”或“否”（也可填√、Y、N），空白视为否")

    def options(self, user=None):
        return [_("是"), _("否")]


class ChoiceWidget(CellWidget):
    """A choice by its Chinese label (or stored value); ``A类（高端人才）`` also matches ``A类``
    and ``泰山产业领军人才工程·科技创业类`` also ``科技创业类`` when that is unambiguous."""

    kind = "choice"

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = [(value, str(label)) for value, label in choices]
        self.labels = dict(self.choices)
        self.numeric = bool(self.choices) and isinstance(self.choices[0][0], int)
        lookup, clashes = {}, set()
        for value, label in self.choices:
            names = {norm.compact(value), norm.compact(label)}
            short = norm.header_key(label).base
            names.add(short)
            if "·" in label:
                names.add(norm.compact(label.split("·")[-1]))
            for name in names:
                if lookup.get(name, value) != value:
                    clashes.add(name)
                lookup[name] = value
        self.lookup = {name: value for name, value in lookup.items() if name not in clashes}
        # Exact labels and values always win over the shortened forms.
        for value, label in self.choices:
            self.lookup[norm.compact(label)] = value
            self.lookup[norm.compact(value)] = value

    def clean(self, value, row=None, **kwargs):
        text = norm.clean_text(value)
        if not text:
            return None if self.numeric else ""
        found = self.lookup.get(norm.compact(text))
        if found is None:
            self._fail(text)
        return found

    def _fail(self, text):
        raise ValueError(
            _("“%(v)s”不是有效选项，可选：%(o)s。") % {"v": text, "o": "、".join(self.options())}
        )

    def export_value(self, value):
        if value in (None, ""):
            return ""
        return self.labels.get(value, value)

    def describe(self):
        return _("从下拉列表选择：%(o)s") % {"o": "、".join(self.options())}

    def options(self, user=None):
        return [label for _value, label in self.choices]


# Most values a template's drop-down lists (townships, industries; villages per township).
TEMPLATE_LIST_MAX = 1000


class LookupWidget(widgets.ForeignKeyWidget, CellWidget):
    """A related record named by any of ``keys`` (``("code", "name")``: 9-digit code or name).

    ``within`` names a field of the row whose value narrows a name (villages are unique per
    township). The importer calls :meth:`prepare` once with all values of the column so the
    whole file is resolved with a few queries; used alone (admin) it queries per cell.
    ``"__str__"`` as a key matches the record's display text. A key joining paths with ``+``
    (``"township__name+name"``) matches their texts written one after the other, with or
    without spaces between ("东山镇老河村", "东山镇 老河村": a village as the portal shows it);
    as ``render_key`` it writes them separated by a space.
    """

    kind = "lookup"

    def __init__(self, model, keys=("name",), within=None, render_key=None, related=(), **kwargs):
        super().__init__(model, field=keys[0], **kwargs)
        self.keys = tuple(keys)
        self.within = within
        self.render_key = render_key or self.keys[0]
        self.related = tuple(related)
        self._maps = None
        self._compact = {}

    def options(self, user=None):
        """Reference data (townships, industries, departments) by the text a cell names it
        with, in the model's order, when few enough for a drop-down, as far as ``user`` may
        see them (a liaison's template lists their own township); records of the bureau
        (enterprises, named by credit code) are typed."""
        if not _is_reference(self.model) or self.render_key == "__str__":
            return None
        limit = TEMPLATE_LIST_MAX
        values = list(self._visible(user).values_list(self.render_key, flat=True)[: limit + 1])
        return [str(v) for v in dict.fromkeys(values) if v] if len(values) <= limit else None

    def _visible(self, user):
        from bureau.permissions import scope_queryset  # noqa: PLC0415 - avoid an import cycle

        queryset = self.model._default_manager.all()
        by_township = self.model._meta.model_name == "township" or getattr(
            self.model, "township_lookup", None
        )
        # district-wide reference data (industries, departments) is everybody's
        return scope_queryset(user, queryset) if user is not None and by_township else queryset

    def options_within(self, parent: str, user=None) -> dict[str, list[str]] | None:
        """For a column named ``within`` another (villages within their township): the
        options under each of the other's texts (``parent``: the path to its text), for a
        drop-down that follows the row's township."""
        # by name where a name is one of the keys (a village's code means little to a person)
        shown = "name" if "name" in self.keys else self.render_key
        rows = self._visible(user).values_list(parent, shown)
        out: dict[str, list[str]] = {}
        for key, value in rows[: TEMPLATE_LIST_MAX * 20]:
            if key and value:
                out.setdefault(str(key), []).append(str(value))
        return out

    # ---- bulk resolution -------------------------------------------------------------------

    def base_queryset(self, user=None):
        from bureau.permissions import scope_queryset  # noqa: PLC0415 - avoid an import cycle

        queryset = self.model._default_manager.all()
        path = getattr(self.model, "township_lookup", None)
        if path:
            queryset = queryset.select_related(path)
        if self.related:
            queryset = queryset.select_related(*self.related)
        # Domain records a township liaison may not see do not exist for them; reference data
        # (townships, villages, industries) is shared.
        if (
            user is not None
            and getattr(self.model, "township_lookup", None)
            and not _is_reference(self.model)
        ):
            queryset = scope_queryset(user, queryset)
        return queryset

    def prepare(self, values, user=None, chunk=None):
        """Load every record any of ``values`` may name; later ``clean`` calls hit memory
        (``chunk`` names per query, ``IMPORT_QUERY_CHUNK`` unless said)."""
        chunk = chunk or settings.IMPORT_QUERY_CHUNK
        # A column names the same few records again and again: each distinct cell once (by
        # type too: 1, 1.0 and True are equal keys but read differently).
        distinct = {(v.__class__, v) for v in values}
        texts = {norm.clean_text(v) for _kind, v in distinct if not norm.is_blank(v)}
        maps = {key: {} for key in self.keys}
        self._maps = maps
        if not texts:
            return
        queryset = self.base_queryset(user)
        if "__str__" in self.keys:
            objects = list(queryset)
        else:
            objects = {}
            wanted = sorted(texts | {norm.nfkc(t) for t in texts} | {t.upper() for t in texts})
            joined = {key: f"_joined_{i}" for i, key in enumerate(self.keys) if "+" in key}
            if joined:
                # Compared without spaces: stored names have none, cells may.
                wanted = sorted({*wanted, *(norm.nfkc("".join(t.split())) for t in texts)})
                queryset = queryset.annotate(
                    **{alias: Concat(*key.split("+")) for key, alias in joined.items()}
                )
            for start in range(0, len(wanted), chunk):
                part = wanted[start : start + chunk]
                condition = Q()
                for key in self.keys:
                    condition |= Q(**{f"{joined.get(key, key)}__in": part})
                for obj in queryset.filter(condition):
                    objects[obj.pk] = obj
            objects = objects.values()
        for obj in objects:
            for key in self.keys:
                self._remember(maps[key], self._key_of(obj, key), obj)

    def _remember(self, mapping, key, obj):
        if key in mapping and mapping[key] is not obj and mapping[key] is not AMBIGUOUS:
            if mapping[key].pk != obj.pk:
                mapping[key] = AMBIGUOUS
            return
        mapping.setdefault(key, obj)

    def _scoped(self, key) -> bool:
        """Whether a key names the record only within the row's ``within`` (a bare name)."""
        return bool(self.within) and key not in ("code", self.keys[0]) and "+" not in key

    def _key_of(self, obj, key):
        if key == "__str__":
            value = str(obj)
        elif "+" in key:
            value = "".join(str(_follow(obj, part)) for part in key.split("+"))
        else:
            value = _follow(obj, key)
        text = norm.compact(value)
        if self._scoped(key):
            return (getattr(obj, f"{self.within}_id", None), text)
        return text

    def clean(self, value, row=None, **kwargs):
        text = norm.clean_text(value)
        if not text:
            return None
        if self._maps is None:
            self.prepare([text])
            found = self._find(text, row)
            self._maps = None
            return found
        return self._find(text, row)

    def _find(self, text, row):
        key = self._compact.get(text)
        if key is None:
            key = self._compact[text] = norm.compact(text)
        scope = None
        if self.within and row is not None:
            scope_obj = row.get(self.within)
            scope = getattr(scope_obj, "pk", None)
        ambiguous = False
        for name in self.keys:
            mapping = self._maps[name]
            if self._scoped(name):
                candidates = (
                    [mapping.get((scope, key))]
                    if scope is not None
                    else [obj for (sid, k), obj in mapping.items() if k == key]
                )
                candidates = [c for c in candidates if c is not None]
                if len(candidates) > 1:
                    ambiguous = True
                    continue
                found = candidates[0] if candidates else None
            else:
                found = mapping.get(key)
            if found is AMBIGUOUS:
                ambiguous = True
                continue
            if found is not None:
                return found
        label = self.model._meta.verbose_name
        if ambiguous:
            raise ValueError(
                _("“%(v)s”对应多条%(m)s，请改填编码（代码）。") % {"v": text, "m": label}
            )
        raise ValueError(_("未找到%(m)s“%(v)s”。") % {"m": label, "v": text})

    # ---- export ----------------------------------------------------------------------------

    def export_value(self, value):
        if value is None:
            return ""
        if self.render_key == "__str__":
            return str(value)
        if "+" in self.render_key:
            return " ".join(str(_follow(value, part)) for part in self.render_key.split("+"))
        return _follow(value, self.render_key)

    def render(self, value, obj=None, **kwargs):
        return CellWidget.render(self, value)

    def get_queryset(self, value, row, *args, **kwargs):
        return self.base_queryset()

    def describe(self):
        names = [
            _("显示名称")
            if key == "__str__"
            else "".join(str(_verbose(self.model, part)) for part in key.split("+"))
            for key in self.keys
        ]
        return _("填写%(m)s的%(k)s") % {
            "m": self.model._meta.verbose_name,
            "k": _("或").join(names),
        }


class ManyLookupWidget(LookupWidget):
    """Several related records in one cell, separated by 、 or commas."""

    kind = "many"

    def options(self, user=None):
        return None  # several records in one cell: a drop-down would offer only one

    def split(self, value) -> list[str]:
        text = norm.clean_text(value)
        for sep in LIST_SEPARATORS[1:]:
            text = text.replace(sep, LIST_SEPARATORS[0])
        return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]

    def prepare(self, values, user=None, chunk=None):
        parts = [part for value in values for part in self.split(value)]
        super().prepare(parts, user=user, chunk=chunk)

    def clean(self, value, row=None, **kwargs):
        parts = self.split(value)
        if self._maps is None:
            self.prepare(parts)
        found, errors = [], []
        for part in parts:
            try:
                found.append(self._find(part, row))
            except ValueError as error:
                errors.append(str(error))
        if errors:
            raise ValueError("".join(errors))
        return found

    def export_value(self, value):
        if value is None:
            return ""
        objects = value.all() if hasattr(value, "all") else value
        return "、".join(str(LookupWidget.export_value(self, obj)) for obj in objects)

    def describe(self):
        return super().describe() + _("；多个用“、”分隔")


def _follow(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return ""
    return obj


def _verbose(model, path: str):
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return field.verbose_name


def _is_reference(model: type[Model]) -> bool:
    from bureau.models import ReferenceModel  # noqa: PLC0415

    return issubclass(model, ReferenceModel)
