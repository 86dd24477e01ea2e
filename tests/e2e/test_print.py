"""Printed pages (A4, no navigation): the report preview keeps the official margins and the
paper alone; the dashboard sets four figure cards a row; a list prints without its ticks and
buttons. Chromium is switched to print media, and the computed styles are read."""

import pytest

from reports.annual.services import report_create
from tests.factories import UserFactory
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def year_of_records(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    staff = UserFactory(username="staff", role="staff")
    build_year(YEAR)
    return staff


def _display(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("(node) => getComputedStyle(node).display")


def test_the_report_preview_prints_as_paper_alone(page, login, year_of_records):
    report_create(year=YEAR, user=year_of_records)
    login("staff")
    page.goto(f"/reports/annual/{YEAR}/preview/")
    assert page.locator("main [data-print]").is_visible()
    page.emulate_media(media="print")
    assert _display(page, ".navbar") == "none" and _display(page, ".sidebar") == "none"
    assert _display(page, "main > nav") == "none"  # the breadcrumb
    paper = page.locator(".report-paper")
    assert paper.evaluate("(node) => getComputedStyle(node).boxShadow") == "none"
    assert paper.evaluate("(node) => getComputedStyle(node).paddingTop") == "0px"
    assert "主要工作开展情况" in paper.inner_text()


def test_the_dashboard_prints_four_cards_a_row(page, login, year_of_records):
    login("staff")
    page.goto(f"/reports/?year={YEAR}")
    page.emulate_media(media="print")
    columns = page.locator(".kpi-grid").first.evaluate(
        "(node) => getComputedStyle(node).gridTemplateColumns.split(' ').length"
    )
    assert columns == 4
    assert _display(page, ".sidebar") == "none" and _display(page, "main form") == "none"


def test_a_list_prints_without_its_ticks(page, login, year_of_records):
    login("staff")
    page.goto("/enterprises/enterprise/")
    assert page.locator("[data-bulk-row]").first.is_visible()
    page.emulate_media(media="print")
    assert not page.locator("[data-bulk-row]").first.is_visible()
    assert not page.locator("[data-bulk-button]").first.is_visible()
