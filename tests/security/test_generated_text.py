"""Every text field of every entity, attacked through the form, the API and the import; then
every export of what was stored.

The fields come from the declarations (``tests/security/attack.py``); the values are control
characters (C0, C1, DEL, NUL), zero-width and bidi characters, full-width text, formula
prefixes (= @ + -), 10,000 characters, and through JSON lone surrogates. Nothing answers a
server error; accepted text is stored cleaned (no character ``bureau.text`` removes survives);
refused text gets a Chinese message; every export of the records opens as a well-formed file
in which nothing is a formula.
"""

import csv
import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from bureau.models import Township
from imports import services as import_services
from imports.engine import export as exporting
from imports.models import ImportJob
from reports.annual import services as report_services
from reports.annual.rendering import render
from tests.reports.annual_data import YEAR, build_year
from tests.security.attack import (
    CODE_ATTACKS,
    JSON_ONLY_ATTACKS,
    TEXT_ATTACKS,
    TEXT_PAGES,
    as_json,
    attack_value,
    excel_escaped,
    expected_text,
    has_unsafe,
    make_record,
    vary_unique_data,
)

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _new_rows(model, before: set):
    return list(model._default_manager.exclude(pk__in=before))


def _values(page, fields, values, accepted) -> dict:
    """The value each field gets: an accepted attack is cut to the field's length (it must be
    accepted for its characters, not refused for its length)."""
    chosen = {}
    for index, name in enumerate(fields):
        value = attack_value(values, index)
        limit = page.field(name).max_length
        chosen[name] = value[:limit] if accepted and limit else value
    return chosen


def _check_stored(page, obj, chosen: dict, *, exact: bool):
    obj = type(obj)._default_manager.get(pk=obj.pk)
    for name, value in chosen.items():
        stored = getattr(obj, name)
        assert not has_unsafe(stored), f"{page}.{name} stored {stored!r}"
        if exact:
            assert stored == expected_text(value), f"{page}.{name}"


def _attacks(page, *, json=False):
    """``(fields, plain?, values, accepted?)`` of each request: the plain text fields with the
    text attacks, the formatted ones (codes) with the code attacks."""
    extra = JSON_ONLY_ATTACKS if json else {}
    for fields, plain, table in (
        (page.plain_text_fields, True, {**TEXT_ATTACKS, **extra}),
        (page.code_fields, False, {**CODE_ATTACKS, **extra}),
    ):
        if fields:
            for values, accepted in table.values():
                yield fields, plain, values, accepted


def _assert_chinese_errors(errors):
    messages = [str(m) for field_errors in errors.values() for m in field_errors]
    assert messages and all(CJK.search(m) for m in messages), messages


# ---- through the form --------------------------------------------------------------------


@pytest.mark.parametrize("page", TEXT_PAGES, ids=str)
def test_every_text_field_through_the_form(page, admin_client_, township):
    for n, (fields, plain, values, accepted) in enumerate(_attacks(page), 1):
        chosen = _values(page, fields, values, accepted)
        data = {**vary_unique_data(page, page.case.data(township), n), **chosen}
        before = set(page.model._default_manager.values_list("pk", flat=True))
        response = admin_client_.post(page.url("create"), data)
        # Either is right for a generated value: saved as cleaned (302), or refused in Chinese
        # (200) unless the attack is one a plain text field must accept; each is checked below.
        assert response.status_code in (200, 302), response.status_code
        created = _new_rows(page.model, before)
        if response.status_code == 302:
            assert len(created) == 1
            _check_stored(page, created[0], chosen, exact=plain)
        else:
            assert not created
            _assert_chinese_errors(response.context["form"].errors)
            assert not (accepted and plain), response.context["form"].errors
    _exports_are_well_formed(page, admin_client_)


# ---- through the API ---------------------------------------------------------------------


@pytest.mark.parametrize("page", TEXT_PAGES, ids=str)
def test_every_text_field_through_the_api(page, api_for, admin_user, township):
    api = api_for(admin_user)
    for n, (fields, plain, values, accepted) in enumerate(_attacks(page, json=True), 50):
        chosen = _values(page, fields, values, accepted)
        data = {**as_json(vary_unique_data(page, page.case.data(township), n)), **chosen}
        # Encoded here: the test client's encoder cannot write a lone surrogate, JSON can.
        response = api.post(page.api_url(), json.dumps(data), content_type="application/json")
        # As through the form: stored as cleaned (201) or refused in Chinese (400).
        assert response.status_code in (201, 400), (response.status_code, response.content)
        if response.status_code == 201:
            obj = page.model._default_manager.get(pk=response.json()["id"])
            _check_stored(page, obj, chosen, exact=plain)
            assert not any(has_unsafe(v) for v in response.json().values())
        else:
            body = response.json()
            assert all(CJK.search(str(m)) for m in sum(body.values(), [])), body
            assert not (accepted and plain), body


# ---- through the import ------------------------------------------------------------------


def _sheet_of_one_record(page, township):
    """Header and data row of an export of one fresh record: a row the import accepts."""
    obj = make_record(page, township)
    resource = page.resource()
    buffer = io.BytesIO()
    exporting.write_xlsx(resource, page.model._default_manager.filter(pk=obj.pk), buffer)
    sheet = load_workbook(buffer, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, row = rows[0], rows[1]
    return obj, header, row + [None] * (len(header) - len(row))  # trailing blanks are not read


def _xlsx(rows) -> bytes:
    """A workbook of ``rows`` whose text cells are text as typed (``=…`` too, as a cell
    formatted as text holds it), control characters escaped as Excel escapes them."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=excel_escaped(value))
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(user, page, data: bytes) -> ImportJob:
    job = import_services.import_job_create(
        user=user,
        entity=page.name,
        upload=SimpleUploadedFile("攻击.xlsx", data),
        file_name="攻击.xlsx",
    )
    job = import_services.import_job_start(job=job, dry_run=True)
    assert not job.is_running
    if job.status == ImportJob.Status.PREVIEWED:
        job = import_services.import_job_confirm(job=job, user=user)
        assert not job.is_running
    return job


@pytest.mark.parametrize("page", [p for p in TEXT_PAGES if p.importable], ids=str)
def test_every_text_field_through_the_import(page, admin_user, township):
    resource = page.resource()
    header_of = {name: column.column_name for name, column in resource.fields.items()}
    for fields, plain, values, accepted in _attacks(page):
        obj, header, row = _sheet_of_one_record(page, township)
        chosen = _values(page, fields, values, accepted)
        for name, value in chosen.items():
            row[header.index(header_of[name])] = value
        before = set(page.model._default_manager.values_list("pk", flat=True))
        job = _import(admin_user, page, _xlsx([header, row]))
        for error in job.errors:
            assert CJK.search(error["message"]), error
        if job.message:
            assert CJK.search(job.message), job.message
        if job.status == ImportJob.Status.DONE:
            created = _new_rows(page.model, before)
            _check_stored(page, created[0] if created else obj, chosen, exact=plain)
        else:
            assert not (accepted and plain), (job.message, job.errors)
    _exports_are_well_formed(page, None)


# ---- the exports of what was stored ---------------------------------------------------------


def _exports_are_well_formed(page, client):
    """Every export of the page's records: the list's .xlsx and .csv and ``export_excel``."""
    if not page.importable:
        return
    files = []
    if client is not None:
        for fmt in ("xlsx", "csv"):
            response = client.get(f"/imports/{page.name}/export/", {"format": fmt})
            assert response.status_code == 200
            files.append(
                (
                    fmt,
                    b"".join(response.streaming_content)
                    if response.streaming
                    else response.content,
                )
            )
    for fmt in ("xlsx", "csv"):
        buffer = io.BytesIO()
        if fmt == "xlsx":
            exporting.write_xlsx(page.resource(), page.model._default_manager.all(), buffer)
        else:
            buffer.write(
                "".join(
                    exporting.iter_csv(page.resource(), page.model._default_manager.all())
                ).encode()
            )
        files.append((fmt, buffer.getvalue()))
    for fmt, data in files:
        assert_well_formed_export(fmt, data)


def assert_well_formed_export(fmt: str, data: bytes) -> None:
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(data))  # a malformed file fails here
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value}"
                    assert not has_unsafe(cell.value), (cell.coordinate, cell.value)
        return
    text = data.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text, newline="")):
        for value in row:
            assert not has_unsafe(value), value
            assert value[:1] not in ("=", "+", "-", "@"), value


@pytest.mark.parametrize("page", [p for p in TEXT_PAGES if p.importable][:1], ids=str)
def test_export_excel_command_writes_what_the_attacks_stored(
    page, admin_client_, township, tmp_path
):
    # An attack run through the form, then the command's two formats.
    data = vary_unique_data(page, page.case.data(township), 99)
    for index, name in enumerate(page.plain_text_fields):
        data[name] = attack_value(TEXT_ATTACKS["controls"][0], index)
    assert admin_client_.post(page.url("create"), data).status_code == 302
    for suffix in ("xlsx", "csv"):
        path = tmp_path / f"out.{suffix}"
        call_command("export_excel", page.name, str(path), stdout=io.StringIO())
        assert_well_formed_export(suffix, path.read_bytes())


# ---- the report built from what was typed ------------------------------------------------

REPORT_INPUTS = {  # entity page -> the field the report quotes
    "introproject": "title",
    "platform": "name",
    "talentproject": "candidate",
    "innovationcommunity": "name",
}


def test_text_typed_through_the_forms_reaches_the_report_clean(admin_client_, staff_user):
    build_year()
    home = Township.objects.get(code="370302001")
    typed = {}
    for n, (name, field) in enumerate(REPORT_INPUTS.items()):
        page = next(p for p in TEXT_PAGES if p.name == name)
        value = f"=攻击\x0b{n}\u200b号\x1f"
        data = {**vary_unique_data(page, page.case.data(home), 300 + n), field: value}
        if "year" in data:
            data["year"] = YEAR
        assert admin_client_.post(page.url("create"), data).status_code == 302, name
        typed[name] = expected_text(value)
    version = report_services.report_create(year=YEAR, user=staff_user).versions.get()
    for paragraph in version.paragraphs.all():
        assert not has_unsafe(paragraph.text), paragraph.text
    text = " ".join(p.text for p in version.paragraphs.all())
    assert any(value in text for value in typed.values()), "the typed names reach the draft"
    docx = render(version, "docx")
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        document = archive.read("word/document.xml").decode()
    assert not has_unsafe(document)
    assert render(version, "pdf")[:5] == b"%PDF-"
