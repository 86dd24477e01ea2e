"""Text stored before input was cleaned (or written past it) still exports; text typed into
the report's editor is cleaned like every other input."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F, Value
from django.db.models.functions import Concat, Left
from openpyxl import load_workbook

from imports.engine.registry import entities
from reports.annual import services as report_services
from tests import factories as f
from tests.imports.test_export import make_all
from tests.reports.annual_data import YEAR, build_year
from tests.security.attack import ENTITY_PAGES, has_unsafe
from tests.security.test_generated_text import assert_well_formed_export

pytestmark = pytest.mark.django_db

# What PostgreSQL stores (it refuses NUL and lone surrogates themselves).
STORED_JUNK = "\x0b\x1f\x01\x7f\x85\u200b\ufeff"


def _export_text(fmt: str, data: bytes) -> str:
    """Every cell of an export as one text (an .xlsx is a zip: its bytes do not show them)."""
    if fmt == "csv":
        return data.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(data))
    return "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def test_a_name_with_u000b_does_not_break_the_list_export_for_anyone(
    staff_client, liaison_client, leader_client, township
):
    enterprise = f.EnterpriseFactory(township=township)
    type(enterprise).objects.filter(pk=enterprise.pk).update(name="垂直\x0b制表符公司")
    for client in (staff_client, liaison_client, leader_client):
        for fmt in ("xlsx", "csv"):
            response = client.get("/imports/enterprise/export/", {"format": fmt})
            assert response.status_code == 200
            data = b"".join(response.streaming_content) if response.streaming else response.content
            assert_well_formed_export(fmt, data)
            assert "垂直制表符公司" in _export_text(fmt, data)


@pytest.mark.parametrize("name", sorted(entities()))
def test_every_export_of_every_entity_survives_stored_control_characters(
    name, township, tmp_path, admin_client_
):
    make_all(township)
    page = next(p for p in ENTITY_PAGES if p.name == name)
    for name_ in page.text_fields:
        if page.field(name_).unique:
            continue  # cut to make room, two codes would become one
        limit = page.field(name_).max_length
        kept = Left(name_, limit - len(STORED_JUNK)) if limit else F(name_)
        page.model._default_manager.update(**{name_: Concat(kept, Value(STORED_JUNK))})
    for fmt in ("xlsx", "csv"):
        response = admin_client_.get(f"/imports/{name}/export/", {"format": fmt})
        assert response.status_code == 200
        data = b"".join(response.streaming_content) if response.streaming else response.content
        assert_well_formed_export(fmt, data)
        path = tmp_path / f"{name}.{fmt}"
        call_command("export_excel", name, str(path), stdout=io.StringIO())
        assert_well_formed_export(fmt, path.read_bytes())


def test_a_report_paragraph_typed_with_u001f_is_stored_without_it(staff_client, staff_user):
    build_year()
    report = report_services.report_create(year=YEAR, user=staff_user)
    version = report.versions.get()
    paragraph = version.paragraphs.order_by("position").exclude(kind="title").first()
    url = f"/reports/annual/{YEAR}/paragraphs/{paragraph.key}/"
    response = staff_client.post(url, {"base": version.number, "text": "单元\x1f分隔\x0b符"})
    assert response.status_code == 302  # saved, back to the report
    latest = report.versions.order_by("-number").first()
    text = latest.paragraphs.get(key=paragraph.key).text
    assert text == "单元分隔符"
    # and through the service itself (the command line and the API use it)
    version = report_services.report_paragraph_update(
        report=report, user=staff_user, base=latest.number, key=paragraph.key, text="甲\x1f乙\ufeff"
    )
    assert version.paragraphs.get(key=paragraph.key).text == "甲乙"
    assert not any(has_unsafe(p.text) for p in version.paragraphs.all())


def test_the_bureau_profile_form_is_cleaned_and_its_date_bounded(admin_client_):
    from bureau.models import BureauProfile  # noqa: PLC0415

    data = {
        "city_name": "鲁川市\x0b",
        "district_name": "青河区\u200b",
        "bureau_name": "青河区科学技术局\x1f",
        "bureau_short_name": "区科技局",
        "issuing_unit": "青河区科学技术局",
        "signing_date": "9999-12-31",
    }
    refused = admin_client_.post("/bureau/profile/", data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["signing_date"] == [
        "日期应在1900-01-01至2099-12-31之间。"
    ]
    assert admin_client_.post("/bureau/profile/", {**data, "signing_date": ""}).status_code == 302
    profile = BureauProfile.objects.get()
    assert (profile.city_name, profile.district_name, profile.bureau_name) == (
        "鲁川市",
        "青河区",
        "青河区科学技术局",
    )
