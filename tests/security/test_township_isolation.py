"""No record of another township reaches a township liaison, through any page, export, import,
API, dashboard or report.

One record of every entity is made in the other township and every text field of it is stamped
with a marker. The liaison then opens every URL pattern of the project (so pages added later are
walked too): lists and exports with and without township filters, every detail, edit and delete
page at the other township's ids, the import jobs of staff who imported the other township's
records, the dashboard and the annual report. The marker must appear in no answer.
"""

import html
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat
from django.test import Client

from imports import services as import_services
from imports.engine.registry import entities
from portal import registry
from tests.crud_cases import CASES
from tests.imports.conftest import code, xlsx_bytes
from tests.security.urlwalk import fill, is_regex, iter_routes, parameters

pytestmark = pytest.mark.django_db

MARKER = "邻镇机密"
YEAR = 2025
# Parameters that never name a record (a year, a paragraph key ...), and a sample for each.
PLAIN_VALUES = {
    "year": str(YEAR),
    "number": "1",
    "key": "x",
    "app_label": "enterprises",
    "model_name": "enterprise",
}


def _stamp_text_fields(model, queryset) -> None:
    """Overwrite every free-text field of ``queryset``'s rows with the marker and the row id."""
    updates = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            if (field.max_length or 100) >= len(MARKER) + 8:
                updates[field.name] = Concat(
                    Value(MARKER), Cast("pk", models.CharField()), output_field=field
                )
    if updates:
        queryset.update(**updates)


@pytest.fixture
def other_records(township, other_township, staff_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    made = {}
    for case in CASES:
        if case.scoped and not case.admin_only:
            made[case.model] = case.make(other_township)
        elif case.scoped:  # reference data with a township: a village there
            made[case.model] = case.make(other_township)
    for crud in registry.viewsets():
        model = crud.model
        lookup = getattr(model, "township_lookup", None)
        if lookup:
            _stamp_text_fields(model, model._default_manager.filter(**{lookup: other_township.pk}))
    # Staff import the other township's enterprises: the job's preview lists them.
    workbook = xlsx_bytes(
        [
            ["统一社会信用代码", "企业名称", "乡镇（街道）"],
            [code(990), f"{MARKER}导入企业", other_township.name],
        ]
    )
    job = import_services.import_job_create(
        user=staff_user,
        entity="enterprise",
        upload=SimpleUploadedFile("other.xlsx", workbook),
        file_name=f"{MARKER}.xlsx",
    )
    import_services.import_job_start(job=job, dry_run=True)
    return {"by_model": made, "import_job": job.pk, "township": other_township}


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if content[:2] == b"PK":  # xlsx / docx: the text is inside the zip
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            # Writers may store Chinese as character references (&#37051;): unescape them.
            return "".join(
                html.unescape(archive.read(name).decode("utf-8", "replace"))
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    if "pdf" in kind:
        return ""  # the report PDF is refused to liaisons before rendering
    return content.decode("utf-8", "replace")


def _model_of_route(name: str, models_by_name: dict):
    """The model whose ids a route takes: ``enterprises:enterprise-detail``,
    ``api:enterprises-enterprise-detail``."""
    if not name:
        return None
    tail = name.split(":")[-1].rsplit("-", 1)[0]
    return models_by_name.get(tail.split("-")[-1])


def _requests(other_records):
    by_model = other_records["by_model"]
    models_by_name = {model._meta.model_name: model for model in by_model}
    other = other_records["township"]
    filters = {"township": other.pk, "year": YEAR, "page_size": 500}
    for route, name, _view in iter_routes():
        if is_regex(route) or route.startswith(("admin/", "static/")):
            continue
        params = parameters(route)
        if not params:
            yield fill(route), {}
            # Part of the marker, so that a search box echoing it is no false alarm.
            yield fill(route), filters | {"q": MARKER[2:], "search": MARKER[2:]}
            if route.startswith("api/"):
                # The browsable API's page: its filter form lists related records to choose.
                yield fill(route), {"format": "api"}
            continue
        values = dict(PLAIN_VALUES)
        model = _model_of_route(name, models_by_name)
        if model is not None:
            values |= {param: by_model[model].pk for kind, param in params if kind == "int"}
        if name and (name.startswith("imports:job") or "imports-job" in name):
            values["pk"] = other_records["import_job"]
        if any(param == "entity" for _, param in params):
            for entity in entities():
                yield fill(route, values | {"entity": entity}), {}
                yield fill(route, values | {"entity": entity}), filters
            continue
        yield fill(route, values), {}


def test_liaison_never_receives_another_townships_records(other_records, liaison_user):
    client = Client()
    client.force_login(liaison_user)
    leaks, errors, walked = [], [], 0
    for path, query in _requests(other_records):
        response = client.get(path, query)
        walked += 1
        # /healthz answers 503 when no worker runs: a health signal, not a failure
        if response.status_code >= 500 and not (path == "/healthz" and response.status_code == 503):
            errors.append((path, query, response.status_code))
            continue
        if MARKER in _text(response):
            leaks.append((path, query, response.status_code))
    assert walked > 300
    assert not errors, errors
    assert not leaks, leaks


def test_the_walk_would_see_a_leak(other_records, staff_user):
    """Not vacuous: staff, who may see the other township, meet the marker on the same pages,
    in the API, an import job and a spreadsheet export."""
    client = Client()
    client.force_login(staff_user)
    job = other_records["import_job"]
    for path in (
        "/enterprises/enterprise/",
        "/api/enterprises/enterprise/",
        "/api/poverty/servicevisit/?format=api",  # the filter form's choice of key villages
        f"/imports/job/{job}/",
        "/imports/enterprise/export/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert MARKER in _text(response), path
