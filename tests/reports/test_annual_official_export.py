"""Only an approved version exports as the official document, with 落款 and 成文日期 (the approval
date); any other version is marked 未审定稿（征求意见稿） on every page and has no 落款, in the
PDF and in Word. Approving v2 and then editing to v3 cannot produce an official PDF of v3."""

import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from bureau.services import bureau_profile_update
from reports.annual import services
from reports.annual.rendering import render_docx, render_pdf
from reports.models import ExportJob, ReportVersion
from tests.reports.annual_data import YEAR, approve, build_year

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
MARK = "未审定稿（征求意见稿）"
ISSUER = "鲁川市青河区科学技术局"
UNAPPROVED = "一是审定后又加上的未审定的句子。"


def url(name, *args):
    return reverse(f"reports:annual-{name}", args=args)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def report(staff_user):
    build_year()
    cache.clear()
    bureau_profile_update(
        user=None,
        data={
            "district_name": "青河区",
            "bureau_name": ISSUER,
            "bureau_short_name": "青河区科技局",
            "issuing_unit": ISSUER,
        },
    )
    return services.report_create(year=YEAR, user=staff_user)


def pdf_pages(data: bytes) -> list[str]:
    return [re.sub(r"\s", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def word_texts(data: bytes) -> tuple[list[str], list[str]]:
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    headers = [p.text for h in (section.header, section.even_page_header) for p in h.paragraphs]
    return [p.text for p in document.paragraphs], headers


def test_a_draft_is_marked_on_every_page_and_has_no_signature(report):
    version = report.versions.get()
    pages = pdf_pages(render_pdf(version))
    assert len(pages) > 1
    assert all(MARK in page for page in pages), "every page carries the mark"
    text = "".join(pages)
    assert ISSUER not in text and not re.search(r"20\d\d年\d+月\d+日$", text.rstrip("—0123456789"))
    paragraphs, headers = word_texts(render_docx(version))
    assert headers == [MARK, MARK]
    assert ISSUER not in paragraphs


def test_the_approved_version_is_official_dated_on_its_approval(report, staff_user, leader_user):
    at = timezone.make_aware(datetime.datetime(YEAR + 1, 1, 20, 15, 0))
    version = approve(report.versions.get(), staff=staff_user, leader=leader_user, at=at)
    text = "".join(pages := pdf_pages(render_pdf(version)))
    assert MARK not in text
    assert pages[-1].rstrip("—0123456789").endswith(f"{ISSUER}{YEAR + 1}年1月20日")
    paragraphs, headers = word_texts(render_docx(version))
    assert MARK not in "".join(headers)
    assert paragraphs[-2:] == [ISSUER, f"{YEAR + 1}年1月20日"]


def test_approving_v2_then_editing_to_v3_cannot_give_an_official_v3(
    report,
    staff_user,
    leader_user,
    staff_client,
    leader_client,
    media,
    django_capture_on_commit_callbacks,
):
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="一是审定的句子。"
    )
    v2 = approve(report.versions.get(number=2), staff=staff_user, leader=leader_user)
    # The revision is v3, a copy of v2; the edit makes v4.
    services.report_version_restore(version=v2, user=staff_user)
    services.report_paragraph_update(
        report=report, user=staff_user, base=3, key="problems.1", text=UNAPPROVED
    )
    # The editor's 导出 PDF takes the latest version, v4: a marked draft, never official.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("export", YEAR), {"format": "pdf"}, **HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(url("export", YEAR), {"format": "pdf", "version": 2}, **HTMX)
    draft = ExportJob.objects.get(version__number=4)
    official = ExportJob.objects.get(version__number=2)
    assert draft.status == official.status == ExportJob.Status.DONE
    assert (draft.official, official.official) == (False, True)

    pages = pdf_pages(draft.file.read())
    assert all(MARK in page for page in pages)
    assert UNAPPROVED in "".join(pages) and ISSUER not in "".join(pages)
    text = "".join(pdf_pages(official.file.read()))
    assert MARK not in text and UNAPPROVED not in text and "一是审定的句子。" in text
    approved_on = timezone.localdate(ReportVersion.objects.get(pk=v2.pk).approved_at)
    assert f"{ISSUER}{approved_on.year}年{approved_on.month}月{approved_on.day}日" in text

    listing = staff_client.get(url("exports", YEAR)).content.decode()
    rows = {number: listing[listing.index(f"v{number} · PDF") :][:300] for number in (2, 4)}
    assert "正式稿" in rows[2] and MARK in rows[4]
    page = staff_client.get(url("detail", YEAR)).content.decode()
    assert "v4 未审定：导出文件每页标注" in page


def test_the_preview_of_a_draft_is_marked_and_unsigned(report, staff_client):
    page = staff_client.get(url("preview", YEAR)).content.decode()
    assert "data-draft-mark" in page and MARK in page
    assert 'class="doc-signature' not in page
