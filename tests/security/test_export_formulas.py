"""No workbook the portal writes holds a formula (issue 23, finding 6).

Every export the portal offers is fetched with formula-like text in every text column it can
hold, and every sheet of the file is scanned for formula cells (``<f>`` in the sheet's XML): the
list exports of every entity (.xlsx, and .csv with the apostrophe), every import template (its
drop-down options are reference data administrators type), the follow-up notes export and the
三 培育库 lists. The 培育库 ones wrote live formulas before (``=HYPERLINK`` in a name, ``=1+1`` in
a certificate number).
"""

import csv
import datetime
import io
import re
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from bureau.models import FollowUpNote
from enterprises.models import Enterprise, HiTechApplication
from imports.engine.registry import entities
from portal.spreadsheet import FORMULA_TRIGGERS
from tests import factories as f
from tests.crud_cases import CASES_BY_MODEL
from tests.cultivation.test_pages import YEAR, records  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://example.invalid","点")'


def formula_cells(content: bytes) -> list[str]:
    """Every formula cell of every sheet of an .xlsx, as ``sheet: <f>…</f>``."""
    found = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode()
                found += [f"{name}: {m}" for m in re.findall(r"<f[ >].*?</f>|<f/>", xml)]
    return found


def _poison(instance) -> None:
    """Formula-like text in every plain text field of ``instance`` that will take it (written
    past the forms, as a record stored before input was cleaned would be)."""
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.choices:
            continue
        text = FORMULA[: field.max_length] if field.max_length else FORMULA
        if field.max_length and field.max_length < 4:
            continue
        try:
            with transaction.atomic():
                type(instance).objects.filter(pk=instance.pk).update(**{field.name: text})
        except IntegrityError:
            pass


def test_every_entity_export_and_template_holds_no_formula(township, admin_client_):
    f.IndustryFactory(name="=1+1")  # an option of the enterprise template's drop-down
    for name, entity in entities().items():
        case = CASES_BY_MODEL.get(entity.model)
        if case is not None:
            _poison(case.make(township))
        url = reverse("imports:export", args=[name])
        xlsx = admin_client_.get(url, {"format": "xlsx"})
        assert xlsx.status_code == 200, name
        assert formula_cells(b"".join(xlsx.streaming_content)) == [], name
        text = b"".join(admin_client_.get(url, {"format": "csv"}).streaming_content).decode()
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
            assert not any(cell[:1] in FORMULA_TRIGGERS for cell in row if cell), (name, row)
        template = admin_client_.get(reverse("imports:template", args=[name]))
        content = b"".join(template.streaming_content) if template.streaming else template.content
        assert formula_cells(content) == [], name


def test_the_notes_export_holds_no_formula(township, admin_client_):
    enterprise = f.EnterpriseFactory(township=township, name=FORMULA)
    FollowUpNote.objects.create(
        content_type=ContentType.objects.get_for_model(Enterprise),
        object_id=enterprise.pk,
        date=datetime.date(2025, 5, 1),
        text=FORMULA,
    )
    response = admin_client_.get(reverse("imports:export-notes", args=["enterprise"]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert formula_cells(content) == []


@pytest.mark.parametrize("page, year", [("sme", YEAR), ("hitech", YEAR), ("renewal", 2026)])
def test_the_cultivation_exports_hold_no_formula(page, year, staff_client, records):  # noqa: F811
    Enterprise.objects.filter(pk__in=[r.pk for r in records]).update(name=FORMULA)
    HiTechApplication.objects.filter(enterprise__in=records).update(certificate_number="=1+1")
    response = staff_client.get(reverse(f"cultivation:{page}"), {"year": year, "export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert FORMULA.encode() not in content  # zipped, but let us not rely on that
    assert formula_cells(content) == []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        shared = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    assert "HYPERLINK" in shared or "=1+1" in shared  # the text is there, as text
