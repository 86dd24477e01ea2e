"""The write service's batch hook (``bureau.services.records_written_hooks``): every batch writer
fires it once per commit, through ``records_bulk_write``, and ``reports`` is registered in it.

A hook registered here counts what it hears: ``written`` once per model written in the
transaction, ``committed`` once when it commits (nothing when it rolls back). Each writer is
run for real: the Excel import (COPY and row by row), 批量修改 and 批量删除 through the pages'
service, the API's bulk endpoint, and ``seed_demo`` at city scale.
"""

import io

import pytest
from django.db import transaction
from openpyxl import Workbook

from bureau import services
from bureau.bulk import records_bulk_delete, records_bulk_update
from demo import generator as demo_generator
from demo.services import demo_seed
from enterprises.models import Enterprise
from imports.engine.pipeline import run_import
from reports import tallies, tasks
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """What a hook registered beside ``reports``' hears: ``[("written", model) | ("committed",
    models)]``."""
    calls = []
    hook = services.RecordsWrittenHook(
        written=lambda model: calls.append(("written", model)),
        committed=lambda models: calls.append(("committed", models)),
    )
    monkeypatch.setattr(services, "records_written_hooks", [*services.records_written_hooks])
    services.records_written_register(hook)
    return calls


def test_reports_registers_its_summaries_in_the_hook():
    assert any(
        hook.written is tallies.records_written and hook.committed is tasks.refresh_tallies_queue
        for hook in services.records_written_hooks
    )


def _sheet(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["统一社会信用代码", "企业名称", "乡镇（街道）"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_import_fires_the_hook_once_per_commit(
    heard, township, admin_user, django_capture_on_commit_callbacks
):
    data = _sheet([[f.valid_credit_code(n), f"钩子企业{n}", township.name] for n in range(30)])
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import("enterprise", data, user=admin_user, dry_run=False)
    assert result.written and result.new == 30, result.file_error or result.errors
    assert heard == [("written", Enterprise), ("committed", {Enterprise})]


def test_a_preview_or_a_blocked_import_fires_nothing(
    heard, township, admin_user, django_capture_on_commit_callbacks
):
    good = [[f.valid_credit_code(n), f"钩子企业{n}", township.name] for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        run_import("enterprise", _sheet(good), user=admin_user, dry_run=True)
        run_import("enterprise", _sheet([*good, ["坏代码", "坏", township.name]]), user=admin_user)
    assert heard == []


def test_bulk_edit_and_delete_fire_the_hook_once_per_commit(
    heard, township, staff_user, django_capture_on_commit_callbacks
):
    records = f.EnterpriseFactory.create_batch(5, township=township, is_above_scale=False)
    with django_capture_on_commit_callbacks(execute=True):
        records_bulk_update(
            records=records, changes={"is_above_scale": True}, user=staff_user, reason="批量修改"
        )
    assert heard == [("written", Enterprise), ("committed", {Enterprise})]
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        records_bulk_delete(records=records, user=staff_user, reason="批量删除")
    assert heard == [("written", Enterprise), ("committed", {Enterprise})]


def test_the_api_bulk_endpoint_fires_the_hook_once_per_commit(
    heard, township, staff_user, client_for, django_capture_on_commit_callbacks
):
    records = f.EnterpriseFactory.create_batch(3, township=township, is_above_scale=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff_user).post(
            "/api/enterprises/enterprise/bulk-update/",
            {"ids": [r.pk for r in records], "changes": {"is_above_scale": True}},
            content_type="application/json",
        )
    assert response.status_code == 200, response.json()
    assert heard == [("written", Enterprise), ("committed", {Enterprise})]


def test_a_rolled_back_batch_fires_no_commit(heard, township, staff_user):
    records = f.EnterpriseFactory.create_batch(2, township=township, is_above_scale=False)
    with transaction.atomic():
        records_bulk_update(
            records=records, changes={"is_above_scale": True}, user=staff_user, reason="批量修改"
        )
        transaction.set_rollback(True)
    assert ("committed", {Enterprise}) not in heard


def test_seed_demo_fires_the_hook_once_per_commit(
    heard, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(demo_generator.SCALE_BLOCKS, "city", 3)
    with django_capture_on_commit_callbacks(execute=True):
        result = demo_seed(scale="city", enterprises_per_block=20)
    assert result.total_added
    committed = [models for kind, models in heard if kind == "committed"]
    written = [model for kind, model in heard if kind == "written"]
    assert len(committed) == 1 and Enterprise in committed[0]
    assert len(written) == len(set(written)) and set(written) == committed[0]
