"""What the self-attacking tests generate their inputs from: every entity page, its fields by
kind, the hostile values for each kind, and a browser's reading of a rendered form.

Fields are read from the declarations (``<app>/entities.py`` through ``CrudViewSet``, the
models, the import resources), so an entity or a field added later is attacked without anyone
listing it.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from api.urls import crud_viewsets
from bureau.text import UNSAFE, clean_text
from bureau.validators import date_fields, validate_credit_code, validate_year
from imports.engine import widgets as w
from imports.engine.registry import entities
from tests.crud_cases import CASES_BY_MODEL
from tests.factories import valid_credit_code

# ---- hostile text ------------------------------------------------------------------------

# name -> (values, accepted?). A field takes ``values[i % len(values)]``, its index ``i`` among
# the fields attacked together, so one request tries every formula prefix on some field.
# Accepted values are stored cleaned; the others are refused with a Chinese message. Lone
# surrogates cannot travel in a form or a spreadsheet, only in JSON.
TEXT_ATTACKS = {
    "controls": (["甲\x0b乙\x1f丙\x00丁\x7f戊\x85己\x08庚\x1b"], True),
    "invisible": (["甲\u200b乙\u200d丙\ufeff丁\u2060", "合同\u202e甲乙\u202c丙\u2066丁"], True),
    "full_width": (["ＡＢＣ１２３（全角）　文本", "　全角空格　"], True),
    "formula": (['=HYPERLINK("http://x","点我")', "@SUM(A1:A9)", "+86-531", "-1+1"], True),
    "ten_thousand": (["长" * 10_000], False),
}
JSON_ONLY_ATTACKS = {"lone_surrogate": (["甲\ud800乙\udfff丙", "\udc00丁"], True)}
# The formatted fields (codes, numbers kept as codes) get these: what survives their format.
CODE_ATTACKS = {
    "controls": (["AB\x0bC\x1f12\u200b3"], True),
    "full_width": (["ＡＢ１２３"], True),
    "formula": (["=1+2", "@A1"], True),
}


def excel_escaped(value):
    """``value`` as Excel writes it into an .xlsx: a control character XML cannot hold becomes
    ``_x000B_``, which every reader (calamine included) turns back into the character."""
    if not isinstance(value, str):
        return value
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", value)


def attack_value(values: list[str], index: int) -> str:
    return values[index % len(values)]


# ---- hostile numbers and dates -----------------------------------------------------------

NUMBER_ATTACKS = [
    "1e1000000",
    "-1e1000000",
    "1e-1000000",
    "9" * 400,
    "99999999999999999999",
    "-1",
    "-0.5",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "0x10",
    "1_000",
    "12.345678901234567890123",
    "３.５",
]
JSON_NUMBER_ATTACKS = [
    10**30,
    -(10**30),
    1e308,
    -1e308,
    1.5e-300,
    "1e1000000",
    "NaN",
    True,
    [1],
    {"v": 1},
]
DATE_ATTACKS = [
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "2100-01-01",
    "2025-02-30",
    "2025-13-01",
    "99999-01-01",
    "-2025-01-01",
    "2025-1-1T00:00:00",
    "1e1000000",
    "NaN",
    "２０２５-０１-０１",
]


def expected_text(value: str) -> str:
    """What a plain text field stores of ``value`` once accepted: cleaned, and stripped as
    every entry strips surrounding spaces."""
    return clean_text(value).strip()


def has_unsafe(value) -> bool:
    return isinstance(value, str) and bool(UNSAFE.search(value))


# ---- the entities and their fields -------------------------------------------------------


@dataclass(frozen=True)
class EntityPage:
    crud: object  # the CrudViewSet
    case: object  # tests.crud_cases.CrudCase

    @property
    def model(self):
        return self.crud.model

    @property
    def name(self) -> str:
        return self.model._meta.model_name

    def __str__(self):
        return self.name

    def field(self, name):
        return self.model._meta.get_field(name)

    def _form_fields(self, kind):
        return [name for name in self.crud.fields if kind(self.field(name))]

    @property
    def text_fields(self) -> list[str]:
        """Every free-text field the entity's form edits (not choices, not relations)."""
        return self._form_fields(
            lambda f: (
                isinstance(f, models.CharField | models.TextField)
                and not f.choices
                and not f.is_relation
                # a text field the form offers as a choice of registry keys (the
                # indicator of a target), as its declaration says
                and f.name not in self.crud.choices
            )
        )

    @property
    def plain_text_fields(self) -> list[str]:
        """Text fields stored as typed (no format of their own to check or normalise)."""
        return [name for name in self.text_fields if not self.formatted(name)]

    @property
    def code_fields(self) -> list[str]:
        return [name for name in self.text_fields if self.formatted(name)]

    def formatted(self, name) -> bool:
        """A text field with a format of its own (credit code, division code), or read as a
        code on import (registration, permit, passport numbers: upper case, no spaces)."""
        field = self.field(name)
        if [v for v in field.validators if not _is_length_validator(v)]:
            return True
        if self.importable:
            column = self.resource().fields.get(name)
            return isinstance(getattr(column, "widget", None), w.CodeWidget | w.CreditCodeWidget)
        return False

    def resource(self):
        return entities()[self.name].resource()

    @property
    def number_fields(self) -> list[str]:
        return self._form_fields(
            lambda f: isinstance(f, models.IntegerField | models.DecimalField) and not f.choices
        )

    @property
    def date_fields(self) -> list[str]:
        dates = {f.name for f in date_fields(self.model)}
        return [name for name in self.crud.fields if name in dates]

    def url(self, action, obj=None) -> str:
        name = f"{self.model.url_namespace}:{self.name}-{action}"
        return reverse(name, args=[obj.pk] if obj is not None else [])

    def api_url(self, obj=None) -> str:
        meta = self.model._meta
        action = "detail" if obj is not None else "list"
        return reverse(
            f"api:{meta.app_label}-{meta.model_name}-{action}",
            args=[obj.pk] if obj is not None else [],
        )

    @property
    def importable(self) -> bool:
        return self.name in entities()


def _is_length_validator(validator) -> bool:
    from django.core import validators  # noqa: PLC0415

    return isinstance(
        validator, validators.MaxLengthValidator | validators.ProhibitNullCharactersValidator
    )


def entity_pages() -> list[EntityPage]:
    return [EntityPage(crud, CASES_BY_MODEL[crud.model]) for crud in crud_viewsets()]


ENTITY_PAGES = entity_pages()
TEXT_PAGES = [page for page in ENTITY_PAGES if page.text_fields]
NUMBER_PAGES = [page for page in ENTITY_PAGES if page.number_fields]
DATE_PAGES = [page for page in ENTITY_PAGES if page.date_fields]


def vary_unique_data(page, data: dict, n: int) -> dict:
    """``case.data`` made unique for the ``n``-th record of a run: every unique code moves on
    (a credit code stays valid), and so does the year of a yearly registry key."""
    data = dict(data)
    for name, value in list(data.items()):
        if name not in page.crud.fields or not isinstance(value, str):
            continue
        field = page.field(name)
        if validate_credit_code in field.validators:
            data[name] = valid_credit_code(700_000 + n)
        elif field.unique:
            data[name] = value.strip()[:-3] + f"{200 + n:03d}"
    if "year" in data and page.name in ("annualtarget", "externalfigure"):
        data["year"] = 2025 - n % 25
    return data


def make_record(page, township):
    """``page.case.make(township)``, with a valid year: the yearly registry cases count their
    years down over a whole run (one row per key and year) and pass 2000 in a long one."""
    obj = page.case.make(township)
    if "year" not in {f.name for f in page.model._meta.concrete_fields}:
        return obj
    try:
        validate_year(obj.year)
        return obj
    except ValidationError:
        pass
    for year in range(2025, 1999, -1):
        obj.year = year
        try:
            obj.validate_unique()
            obj.validate_constraints()
        except ValidationError:
            continue
        obj.save()
        return obj
    raise AssertionError(f"no free year for {page}")


def as_json(data: dict) -> dict:
    """Form data (``"on"`` for a ticked box) as a JSON body."""
    return {key: (True if value == "on" else value) for key, value in data.items()}


# ---- a browser's reading of a form ---------------------------------------------------------


class _FormReader(HTMLParser):
    """The controls of the page's entity form (``<form class="entity-form">``) as a browser
    would submit them: checked boxes, selected options (a single select without one submits
    its first option), text areas; disabled controls are not submitted."""

    def __init__(self, css_class="entity-form"):
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.data: dict[str, list[str]] = {}
        self.depth = 0
        self.done = False
        self.select = None  # (name, multiple, options [(value, selected)])
        self.in_option = False
        self.option_has_value = False
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and self.css_class in (attrs.get("class") or "").split():
            self.depth += 1
            return
        if not self.depth:
            return
        name = attrs.get("name")
        disabled = "disabled" in attrs
        if tag == "input" and name and not disabled:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.data.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs, [], disabled)
        elif tag == "option" and self.select is not None:
            self.in_option = True
            self.option_has_value = "value" in attrs
            self.select[2].append([attrs.get("value", ""), "selected" in attrs])
        elif tag == "textarea" and name and not disabled:
            self.textarea = name
            self.data.setdefault(name, []).append("")

    def handle_data(self, data):
        if self.textarea is not None:
            self.data[self.textarea][-1] += data
        elif self.in_option and not self.option_has_value:
            self.select[2][-1][0] += data  # an option without a value submits its text

    def handle_endtag(self, tag):
        if self.done or not self.depth:
            return
        if tag == "textarea":
            # A browser drops the line break that follows <textarea>, as Django writes one.
            value = self.data[self.textarea][-1]
            self.data[self.textarea][-1] = (
                value[2:] if value[:2] == "\r\n" else value.removeprefix("\n")
            )
            self.textarea = None
        elif tag == "option":
            self.in_option = False
        elif tag == "select" and self.select is not None:
            name, multiple, options, disabled = self.select
            if not disabled:
                chosen = [value for value, selected in options if selected]
                if not chosen and not multiple and options:
                    chosen = [options[0][0]]
                self.data.setdefault(name, []).extend(v or "" for v in chosen)
            self.select = None
        elif tag == "form":
            self.depth -= 1
            self.done = self.depth == 0


def browser_form_data(html: str) -> dict[str, list[str]]:
    """What a browser submits for the page's form, left as it was rendered."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    data = dict(reader.data)
    data.pop("csrfmiddlewaretoken", None)
    return data
