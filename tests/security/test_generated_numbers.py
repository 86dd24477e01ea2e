"""Every numeric and date field of every entity, attacked through the form, the API and the
import with huge, negative, exponent, NaN/Infinity, malformed and out-of-range values.

Each request puts a hostile value in every numeric and date field at once (rotating, so every
field meets every value over the run). A value that cannot be right is refused on its field
with a Chinese message; a value that may be right (full-width digits, ``1_000``) is either
refused the same way or stored within the field's range. Nothing answers a server error, and
no conversion costs more for ``1e1000000`` than for ``1``: values are bounded before they are
converted (the suite would not finish otherwise).
"""

import json
import re

import pytest
from django.core.exceptions import ValidationError

from bureau.validators import check_dates
from imports.engine.pipeline import run_import
from tests.security.attack import (
    DATE_ATTACKS,
    ENTITY_PAGES,
    JSON_NUMBER_ATTACKS,
    NUMBER_ATTACKS,
    as_json,
    vary_unique_data,
)
from tests.security.test_generated_text import _sheet_of_one_record, _xlsx

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
# Values that may be right for some field; every other value must be refused on its field.
MAYBE_NUMBERS = {"３.５", "1_000", "-1", "-0.5"}
MAYBE_DATES = {"２０２５-０１-０１"}
PAGES = [page for page in ENTITY_PAGES if page.number_fields or page.date_fields]


def _round(page, n: int, numbers=NUMBER_ATTACKS) -> dict:
    """Round ``n``: field ``j`` gets the ``(n + j)``-th hostile value of its kind."""
    values = {}
    for j, name in enumerate(page.number_fields):
        values[name] = numbers[(n + j) % len(numbers)]
    for j, name in enumerate(page.date_fields):
        values[name] = DATE_ATTACKS[(n + j) % len(DATE_ATTACKS)]
    return values


def _must_fail(value) -> bool:
    return not (isinstance(value, str) and (value in MAYBE_NUMBERS or value in MAYBE_DATES))


def _rounds(numbers=NUMBER_ATTACKS):
    return range(max(len(numbers), len(DATE_ATTACKS)))


def _snapshot(obj) -> dict:
    return page_values(type(obj)._default_manager.get(pk=obj.pk))


def page_values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _assert_stored_in_range(obj):
    obj = type(obj)._default_manager.get(pk=obj.pk)
    check_dates(obj)
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if value is not None and not field.is_relation:
            try:
                field.run_validators(value)
            except ValidationError as error:
                raise AssertionError(f"{obj}: {field.name}={value!r} {error}") from error


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_every_number_and_date_through_the_form(page, admin_client_, township):
    for n in _rounds():
        hostile = _round(page, n)
        data = {**vary_unique_data(page, page.case.data(township), n), **hostile}
        before = set(page.model._default_manager.values_list("pk", flat=True))
        response = admin_client_.post(page.url("create"), data)
        # Either is right for a generated round: stored within range (302) when no value in it
        # must fail, the form again (200) naming every value that must; each is checked below.
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert not any(_must_fail(v) for v in hostile.values()), hostile
            _assert_stored_in_range(page.model._default_manager.exclude(pk__in=before).get())
            continue
        errors = response.context["form"].errors
        for name, value in hostile.items():
            if _must_fail(value):
                assert name in errors, f"{page}.{name}={value!r} accepted: {errors}"
        assert all(CJK.search(str(m)) for e in errors.values() for m in e), errors


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_every_number_and_date_through_the_api(page, api_for, admin_user, township):
    api = api_for(admin_user)
    numbers = [*NUMBER_ATTACKS, *JSON_NUMBER_ATTACKS]
    for n in _rounds(numbers):
        hostile = _round(page, n, numbers)
        data = {**as_json(vary_unique_data(page, page.case.data(township), n + 40)), **hostile}
        response = api.post(page.api_url(), json.dumps(data), content_type="application/json")
        # As through the form: stored within range (201) or refused naming the values (400).
        assert response.status_code in (201, 400), response.content
        if response.status_code == 201:
            assert not any(_must_fail(v) for v in hostile.values()), hostile
            _assert_stored_in_range(page.model._default_manager.get(pk=response.json()["id"]))
            continue
        errors = response.json()
        for name, value in hostile.items():
            if _must_fail(value):
                assert name in errors, f"{page}.{name}={value!r} accepted: {errors}"
        assert all(CJK.search(str(m)) for e in errors.values() for m in e), errors


@pytest.mark.parametrize("page", [p for p in PAGES if p.importable], ids=str)
def test_every_number_and_date_through_the_import(page, admin_user, township):
    obj, header, row = _sheet_of_one_record(page, township)
    columns = {name: column.column_name for name, column in page.resource().fields.items()}
    rows, hostile_rows = [header], {}
    for n in _rounds():
        hostile = _round(page, n)
        line = list(row)
        for name, value in hostile.items():
            if name in columns and columns[name] in header:
                line[header.index(columns[name])] = value
        rows.append(line)
        hostile_rows[n + 2] = hostile  # the sheet's row number
    before = set(page.model._default_manager.values_list("pk", flat=True))
    before_obj = _snapshot(obj)
    result = run_import(page.name, _xlsx(rows), user=admin_user, dry_run=False, skip_invalid=True)
    assert not result.file_error, result.file_error
    assert all(CJK.search(e.message) for e in result.errors)
    failed = {(e.row, e.header) for e in result.errors}
    # A row whose natural key cannot be read is refused before its other values are judged.
    key_headers = {columns[name] for name in page.resource().natural_key()}
    unidentified = {row for row, header in failed if header in key_headers}
    for number, hostile in hostile_rows.items():
        for name, value in hostile.items():
            if _must_fail(value) and columns.get(name) in header:
                assert (number, columns[name]) in failed or number in unidentified, (
                    f"row {number}: {name}={value!r}"
                )
    # What the import wrote (not what the factories made before it) lies within range.
    written = page.model._default_manager.exclude(pk__in=before)
    if _snapshot(obj) != before_obj:
        written = written | page.model._default_manager.filter(pk=obj.pk)
    for stored in written:
        _assert_stored_in_range(stored)
