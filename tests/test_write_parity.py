"""One write path: the same row typed into an entity's form and imported from a spreadsheet
gives the same record, or is refused with the same messages.

Generated over every importable entity the registries know (``imports.engine.registry`` and
``portal.registry``): the valid row of its test case (``tests.crud_cases``), then that row with
one field at a time set to a value both entries can read but the model's rules may refuse
(a negative or oversized number, a year or date out of range, a date in the future, a credit
code with a wrong check digit, a blank). Both are tried from the same database state and
rolled back. Cells say what the form says: a related record by its code or name, a choice by
its label, a box as 是/否.

Two answers differ by design, and the variants leave them out: reading the input (``abc`` in
a number field: the form's field says "请输入一个数字。", the cell "不是有效的数字"), and a
required field left blank (the form's "这个字段是必填项。" before the model is asked, the
import's cell reported by the model). Those are each entry's own reading of its input; what
the shared step (``bureau.services.record_prepare``) decides is the same for both.
"""

import datetime
import io

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.urls import reverse
from openpyxl import Workbook

from bureau.validators import validate_credit_code
from imports.engine import widgets as w
from imports.engine.pipeline import run_import
from imports.engine.registry import entities
from portal import registry
from tests.crud_cases import CASES_BY_MODEL

pytestmark = pytest.mark.django_db

SKIPPED = {"id", "created_at", "updated_at"}


def _importable():
    viewsets = {viewset.model: viewset for viewset in registry.viewsets()}
    return [
        (entity, viewsets[entity.model])
        for entity in entities().values()
        if entity.model in viewsets and entity.model in CASES_BY_MODEL
    ]


ENTITIES = _importable()


def test_every_importable_entity_is_tried():
    assert len(ENTITIES) == len(entities()) > 20


# ---- the row as a form submits it and as a sheet holds it ---------------------------------


def _columns(entity, viewset) -> dict:
    """Form field name -> the resource column that imports it."""
    found = {}
    for column in entity.resource().fields.values():
        if column.readonly or getattr(column, "fallback_for", None):
            continue
        if column.attribute in viewset.fields:
            found[column.attribute] = column
    return found


def _cell(model, name, column, value):
    """A form value as the same input in a cell."""
    field = model._meta.get_field(name)
    widget = column.widget
    if isinstance(widget, w.BoolWidget):
        return "是" if value in ("on", True, "True", "true") else "否"
    if value in (None, "", []):
        return None
    if field.many_to_many:
        objects = field.related_model._default_manager.filter(pk__in=value)
        return widget.render(list(objects))
    if field.is_relation:
        return widget.render(field.related_model._default_manager.get(pk=value))
    if isinstance(widget, w.ChoiceWidget):
        return widget.render(type(widget.choices[0][0])(value))
    return str(value)


def _sheet(entity, viewset, data) -> bytes:
    columns = _columns(entity, viewset)
    model = entity.model
    header = [column.column_name for column in columns.values()]
    row = [_cell(model, name, column, data.get(name)) for name, column in columns.items()]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- what each entry answers ---------------------------------------------------------------


def _values(model, pk) -> dict:
    obj = model._default_manager.get(pk=pk)
    values = {
        f.attname: getattr(obj, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in SKIPPED
    }
    for f in model._meta.many_to_many:
        values[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
    return values


def _new_pk(model, before: set):
    created = set(model._default_manager.values_list("pk", flat=True)) - before
    assert len(created) <= 1, created
    return created.pop() if created else None


def _through_form(client, viewset, data) -> tuple[dict | None, list]:
    model = viewset.model
    url = reverse(f"{model.url_namespace}:{model._meta.model_name}-create")
    with transaction.atomic():
        before = set(model._default_manager.values_list("pk", flat=True))
        response = client.post(url, data)
        pk = _new_pk(model, before)
        record = _values(model, pk) if pk is not None else None
        errors = []
        if response.status_code == 200:
            form = response.context["form"]
            for name, messages in form.errors.items():
                errors += [(None if name == NON_FIELD_ERRORS else name, m) for m in messages]
        else:
            assert response.status_code == 302, response.status_code
        transaction.set_rollback(True)
    return record, sorted(errors, key=str)


def _through_api(client, model, data) -> dict | None:
    meta = model._meta
    body = {key: (True if value == "on" else value) for key, value in data.items()}
    with transaction.atomic():
        before = set(model._default_manager.values_list("pk", flat=True))
        response = client.post(
            reverse(f"api:{meta.app_label}-{meta.model_name}-list"),
            body,
            content_type="application/json",
        )
        pk = _new_pk(model, before)
        record = _values(model, pk) if pk is not None else None
        assert (record is not None) == (response.status_code == 201), response.content
        transaction.set_rollback(True)
    return record


def _through_import(entity, viewset, data, user) -> tuple[dict | None, list]:
    model = entity.model
    by_header = {c.column_name: name for name, c in _columns(entity, viewset).items()}
    with transaction.atomic():
        before = set(model._default_manager.values_list("pk", flat=True))
        result = run_import(entity.name, _sheet(entity, viewset, data), user=user, dry_run=False)
        assert not result.file_error, result.file_error
        pk = _new_pk(model, before)
        record = _values(model, pk) if pk is not None else None
        errors = []
        for error in result.errors:
            name = by_header.get(error.header)
            message = error.message
            if name is None:
                # A message on a field without a column of its own carries the field's label.
                for f in model._meta.concrete_fields:
                    prefix = f"{f.verbose_name}："
                    if message.startswith(prefix):
                        name, message = f.name, message.removeprefix(prefix)
            errors.append((name, message))
        transaction.set_rollback(True)
    return record, sorted(errors, key=str)


def _assert_same(entity, viewset, data, client, user, what):
    form_record, form_errors = _through_form(client, viewset, data)
    import_record, import_errors = _through_import(entity, viewset, data, user)
    assert (form_record is None) == (import_record is None), (
        f"{entity.name} {what}: form {form_errors or 'saved'}, import {import_errors or 'saved'}"
    )
    if form_record is not None:
        assert import_record == form_record, f"{entity.name} {what}"
    else:
        assert import_errors == form_errors, f"{entity.name} {what}"
    return form_record is not None


# ---- the rows tried ------------------------------------------------------------------------


def _wrong_check_digit(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:17] + next(c for c in alphabet if c != code[17])


def _variants(model, viewset, data) -> list[tuple[str, object]]:
    """``(field, value)`` pairs both entries read alike; the model's rules decide."""
    future = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    variants = []
    for name in viewset.fields:
        field = model._meta.get_field(name)
        if field.choices or field.is_relation:
            continue
        if isinstance(field, models.DecimalField | models.IntegerField):
            variants += [(name, "-1"), (name, "1" + "0" * 15)]
            if name == "year":
                variants += [(name, "1999"), (name, str(datetime.date.today().year + 6))]
        elif isinstance(field, models.DateField):
            variants += [(name, "1899-12-31"), (name, future)]
        elif validate_credit_code in field.validators and data.get(name):
            variants.append((name, _wrong_check_digit(data[name])))
        if field.blank and not isinstance(field, models.BooleanField) and data.get(name):
            variants.append((name, ""))  # an optional field left blank
    return variants


@pytest.mark.parametrize("entity, viewset", ENTITIES, ids=[e.name for e, _v in ENTITIES])
def test_the_same_row_through_the_form_and_the_import_gives_the_same_record_or_error(
    entity, viewset, township, admin_user, admin_client_
):
    case = CASES_BY_MODEL[entity.model]
    data = case.data(township)
    assert _assert_same(entity, viewset, data, admin_client_, admin_user, "valid row")
    # The API writes the valid row as the form does (its refusals word the reading of JSON
    # its own way, as each entry does).
    assert (
        _through_api(admin_client_, entity.model, data)
        == _through_form(admin_client_, viewset, data)[0]
    )
    refused = 0
    for name, value in _variants(entity.model, viewset, data):
        refused += not _assert_same(
            entity, viewset, {**data, name: value}, admin_client_, admin_user, f"{name}={value!r}"
        )
    if any(
        isinstance(f, models.DecimalField | models.IntegerField | models.DateField)
        for f in (entity.model._meta.get_field(n) for n in viewset.fields)
        if not f.choices
    ):
        assert refused, f"{entity.name}: no variant was refused, nothing was compared"


# ---- a rule added to the shared step ---------------------------------------------------


def test_a_rule_added_to_the_shared_step_applies_to_every_write(
    monkeypatch, township, admin_user, admin_client_
):
    """A new rule in ``record_validate`` refuses the form, the API, the bulk import, the
    row-by-row import and the demo's bulk seeding alike."""
    from bureau import services
    from demo.generator import Block
    from demo.services import SeedResult, seed_in_bulk
    from enterprises.models import Enterprise, InnovationCommunity
    from tests import factories as f

    rule = "新规则：名称不能含“禁”字。"
    validate = services.record_validate

    def with_new_rule(instance, **kwargs):
        if "禁" in getattr(instance, "name", ""):
            raise ValidationError({"name": rule})
        validate(instance, **kwargs)

    monkeypatch.setattr(services, "record_validate", with_new_rule)
    data = {**CASES_BY_MODEL[Enterprise].data(township), "name": "禁止企业"}

    response = admin_client_.post(reverse("enterprises:enterprise-create"), data)
    assert rule in response.context["form"].errors["name"]

    response = admin_client_.post(
        reverse("api:enterprises-enterprise-list"), data, content_type="application/json"
    )
    assert response.status_code == 400 and rule in str(response.json())

    for name, model in (("enterprise", Enterprise), ("innovationcommunity", InnovationCommunity)):
        entity = entities()[name]
        viewset = registry.viewset_for(model) if hasattr(registry, "viewset_for") else None
        viewset = viewset or next(v for v in registry.viewsets() if v.model is model)
        row = {**CASES_BY_MODEL[model].data(township), "name": "禁止的共同体"}
        result = run_import(name, _sheet(entity, viewset, row), user=admin_user, dry_run=False)
        assert [e.message for e in result.errors] == [rule], name
        assert not model.objects.filter(name__contains="禁").exists()

    block = Block(index=0)
    block.add(
        Enterprise(credit_code=f.valid_credit_code(424242), name="禁区企业", township=township)
    )
    with pytest.raises(ValidationError, match="禁"):
        seed_in_bulk(blocks=[block], result=SeedResult(scale="city"))
    assert not Enterprise.objects.filter(name="禁区企业").exists()
