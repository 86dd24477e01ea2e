"""Every record round-trips through Excel, on the demo district: an entity's export imports
back with no change at all, and the same file with one cell edited makes exactly that one change,
recorded once in the record's history.

The demo is seeded once for the module (district scale, through the write service as users'
records are) and rolled back after it. Each entity exports its first ``ROWS`` records: enough to
meet every kind of value its columns hold, few enough to keep the module quick.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from openpyxl import load_workbook

from bureau.models import Village
from demo.services import demo_seed
from enterprises.models import Enterprise
from imports.engine import export as exporting
from imports.engine import widgets as w
from imports.engine.pipeline import Importer
from imports.engine.registry import entities, get_entity

TODAY = datetime.date(2026, 11, 29)
ROWS = 60


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo_seed(scale="district", today=TODAY)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def admin(demo, db):
    from tests import factories as f

    return f.UserFactory(username="roundtrip-admin", role="admin", is_superuser=True)


def _export(entity) -> tuple[bytes, list]:
    queryset = entity.model._default_manager.order_by("pk")
    pks = list(queryset.values_list("pk", flat=True)[:ROWS])
    buffer = io.BytesIO()
    exporting.write_xlsx(entity.resource(), queryset.filter(pk__in=pks), buffer)
    return buffer.getvalue(), pks


def _run(entity, data: bytes, user):
    return Importer(entity, user=user, file_name="export.xlsx").run(data, dry_run=False)


def _editable(entity):
    """A column one may change in a cell without breaking a rule: free text that is not part of
    the natural key (a word appended), else a whole number of people or a count (one added),
    else a yes/no (turned over) or a permit's end date (a year later)."""
    resource = entity.resource()
    key = set(resource.natural_key())
    columns = [
        c
        for c in exporting.export_columns(resource)
        if not c.readonly and c.attribute not in key and "__" not in c.attribute
    ]
    for column in columns:
        widget = column.widget
        if type(widget) is w.TextWidget and widget.max_length >= 10:
            return column, lambda value: f"{value or ''}改"
    for column in columns:
        if type(column.widget) in (w.IntWidget, w.DecimalWidget) and column.attribute in (
            "staff_total",
            "households",
            "farmers_trained",
            "value",
            "participants",
        ):
            return column, lambda value: Decimal(str(value or 0)) + 1
    for column in columns:
        if type(column.widget) is w.BoolWidget:
            return column, lambda value: "否" if value in (True, "是") else "是"
        if type(column.widget) is w.DateWidget and column.attribute == "valid_to":
            return column, lambda value: _date(value) + datetime.timedelta(days=365)
    return None, None


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _importable():
    return sorted(entities())


@pytest.mark.parametrize("name", _importable())
def test_export_imports_back_unchanged_and_one_edited_cell_is_one_change(name, admin):
    entity = get_entity(name)
    data, pks = _export(entity)
    if not pks:
        pytest.skip(f"the demo has no {name}")
    result = _run(entity, data, admin)
    assert result.errors == [] and not result.file_error, (name, result.summary())
    assert (result.new, result.changed, result.unchanged) == (0, 0, len(pks)), result.summary()

    column, edit = _editable(entity)
    if column is None:
        pytest.skip(f"{name}: no free column to edit")
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    index = headers.index(column.column_name) + 1
    cell = sheet.cell(row=2, column=index)
    cell.value = edit(cell.value)
    edited = io.BytesIO()
    book.save(edited)
    model = entity.model
    record = model._default_manager.get(pk=pks[0])
    before = record.history.count() if hasattr(record, "history") else None

    result = _run(entity, edited.getvalue(), admin)
    assert result.errors == [] and not result.file_error, (name, result.summary())
    assert (result.new, result.changed, result.unchanged) == (0, 1, len(pks) - 1), (
        name,
        result.summary(),
    )
    if before is not None:
        history = list(record.history.order_by("-history_id")[:2])
        assert record.history.count() == before + 1
        diff = history[0].diff_against(history[1])
        assert [change.field for change in diff.changes] == [column.attribute], name


def test_a_village_imports_as_the_portal_shows_it(admin):
    """ "东山镇老河村", "东山镇 老河村", the bare name within the row's township, or the code:
    each names the village; the export writes the first form with a space."""
    village = Village.objects.select_related("township").order_by("pk").first()
    firm = Enterprise.objects.filter(township=village.township, village__isnull=True).first()
    entity = get_entity("enterprise")
    header = ["统一社会信用代码", "企业名称", "乡镇（街道）", "村（社区）"]
    for cell in (
        f"{village.township.name}{village.name}",
        f"{village.township.name} {village.name}",
        village.name,
        village.code,
    ):
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(header)
        book.active.append([firm.credit_code, firm.name, village.township.name, cell])
        stream = io.BytesIO()
        book.save(stream)
        result = Importer(entity, user=admin).run(stream.getvalue(), dry_run=True)
        assert result.errors == [] and result.changed == 1, (cell, result.summary())
    firm.village = village
    firm.save()
    data, _pks = (
        io.BytesIO(),
        None,
    )
    exporting.write_xlsx(entity.resource(), Enterprise.objects.filter(pk=firm.pk), data)
    sheet = load_workbook(io.BytesIO(data.getvalue())).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("村（社区）") + 1).value == (
        f"{village.township.name} {village.name}"
    )
