"""年度封账: approving a year's report closes its figures. A closed year reads as on the approval
day on the dashboard, the big screen and the registry (API and command), marked 已封账 · 审定于 …;
records of the year changed afterwards are listed with before and after, who and when, and the
figure shows 现值 X（封账值 Y）; an administrator reopens the year with a reason, and the next
approval closes it again."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bureau.services import record_save
from enterprises.models import EnterpriseYearlyFigure, SmeEvaluation
from platforms.models import RdCoverage
from reports import closing
from reports.annual import services
from reports.indicators import compute_all
from reports.models import YearClosing
from tests import factories as f
from tests.reports.annual_data import YEAR, approve, build_year

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("reports:dashboard")
SCREEN = reverse("reports:dashboard-screen")
API = reverse("api:indicators")


@pytest.fixture(autouse=True)
def no_cache(settings):
    settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture
def closed(staff_user, leader_user):
    """The year's records, its report approved: (records, the closing, the figures then)."""
    records = build_year()
    report = services.report_create(year=YEAR, user=staff_user)
    approve(report.versions.get(), staff=staff_user, leader=leader_user)
    then = {key: item.value for key, item in compute_all(YEAR).items()}
    return records, closing.closing_in_force(YEAR), then


def edit_the_year(records, staff_user):
    """Today's edits: an SME evaluation of the year rejected, an above-scale enterprise
    reclassified for the year, the lead enterprise moved to another township and industry (today
    and, as its yearly figures say, for the year). Returns the new township."""
    evaluation = SmeEvaluation.objects.filter(year=YEAR).first()
    evaluation.status = SmeEvaluation.Status.REJECTED
    record_save(instance=evaluation, user=staff_user)
    uncovered = RdCoverage.objects.get(has_institution=False).enterprise
    uncovered.is_above_scale = False
    record_save(instance=uncovered, user=staff_user)
    for row in EnterpriseYearlyFigure.objects.filter(enterprise=uncovered, year=YEAR):
        row.is_above_scale = False
        record_save(instance=row, user=staff_user)
    moved_to = f.TownshipFactory(code="370302102", name="新河镇")
    lead = records["lead"]
    lead.township = moved_to
    lead.industry = f.IndustryFactory(name="新型环保建材")
    record_save(instance=lead, user=staff_user)
    for row in EnterpriseYearlyFigure.objects.filter(enterprise=lead, year=YEAR):
        row.township, row.industry = lead.township, lead.industry
        record_save(instance=row, user=staff_user)
    return moved_to


def test_approval_closes_the_year_on_every_figure_of_the_registry(closed):
    _records, current, then = closed
    assert current.version.number == 1 and current.closed_by.username == "leader"
    stored = current.values["indicators"]
    assert set(stored) == set(then)
    for key, value in then.items():
        assert closing.closed_value(current, key) == (True, value), key


def test_a_closed_year_reads_as_on_the_approval_day_everywhere(
    closed, staff_user, leader_client, admin_client_
):
    records, current, then = closed
    label = f"已封账 · 审定于 {timezone.localdate(current.closed_at).isoformat()}"
    edit_the_year(records, staff_user)
    now = {key: item.value for key, item in compute_all(YEAR).items()}
    moved = [key for key in now if now[key] != then[key]]
    assert {"sme_registered", "coverage_rate"} <= set(moved)

    page = leader_client.get(f"{DASHBOARD}?year={YEAR}").content.decode()
    assert label in page
    assert f"现值 {now['sme_registered']}（封账值 {then['sme_registered']}）" in page
    screen = leader_client.get(f"{SCREEN}?year={YEAR}").content.decode()
    assert label in screen and f"封账值 {then['sme_registered']}" in screen
    payload = leader_client.get(
        reverse("reports:dashboard-data") + f"?year={YEAR}", HTTP_ACCEPT="application/json"
    ).json()
    cards = {card["key"]: card for card in payload["kpis"]}
    assert payload["closed"] == label
    assert cards["sme_registered"]["value"] == then["sme_registered"]
    assert float(cards["coverage_rate"]["value"]) == float(then["coverage_rate"])

    api = admin_client_.get(f"{API}?year={YEAR}").json()
    rows = {row["key"]: row for row in api["indicators"]}
    assert api["closed"] == label
    for key in moved:
        assert rows[key]["value"] == pytest.approx(float(then[key])), key
        assert rows[key]["current_value"] == pytest.approx(float(now[key])), key

    out = io.StringIO()
    call_command("indicators", year=YEAR, json=True, stdout=out)
    data = json.loads(out.getvalue())
    assert data["sme_registered"]["value"] == then["sme_registered"]
    assert data["sme_registered"]["current"] == now["sme_registered"]

    # the next year's dashboard is not closed, and compares with last year's closed figure
    next_year = leader_client.get(f"{DASHBOARD}?year={YEAR + 1}")
    assert "已封账" not in next_year.content.decode()
    later = leader_client.get(reverse("reports:dashboard-data") + f"?year={YEAR + 1}").json()
    last = {card["key"]: card["last"] for card in later["kpis"]}
    assert later["closed"] == "" and last["sme_registered"] == then["sme_registered"]


def test_a_township_of_a_closed_year_reads_its_closed_figures(closed, staff_user, leader_client):
    records, _current, then = closed
    township = records["township"]
    before = compute_all(YEAR, township)["coverage_enterprises"].value
    edit_the_year(records, staff_user)
    assert compute_all(YEAR, township)["coverage_enterprises"].value != before
    response = leader_client.get(f"{reverse('reports:dashboard-data')}?year={YEAR}")
    assert response.status_code == 200
    page = leader_client.get(f"{DASHBOARD}?year={YEAR}&township={township.pk}").content.decode()
    assert "已封账" in page
    values, info = closing.registry_values(YEAR, township)
    assert values["coverage_enterprises"].value == before
    assert "coverage_enterprises" in info.drift


def test_the_changes_after_closing_name_each_edit_with_before_after_who_and_when(
    closed, staff_user, staff_client
):
    records, current, _then = closed
    edit_the_year(records, staff_user)
    changes, more = closing.changes_after_closing(current)
    assert not more and len(changes) == 5
    assert all(change.user == staff_user and change.date > current.closed_at for change in changes)
    said = [(label, before, after) for change in changes for label, before, after in change.changes]
    assert ("状态", "已入库", "未通过") in said
    assert ("规上工业企业", "是", "否") in said
    assert ("乡镇（街道）", "城关街道", "新河镇") in said
    assert any(label == "所属产业" and after == "新型环保建材" for label, _b, after in said)

    page = staff_client.get(reverse("reports:annual-closing", args=[YEAR])).content.decode()
    listed = page[page.index('id="closing-changes"') :]
    assert listed.count("<tr data-change>") == 5
    assert "已入库 → 未通过" in listed and "城关街道 → 新河镇" in listed and "staff" in listed
    assert 'data-drift="sme_registered"' in page and "现值 2（封账值 3）" in page


def test_a_plain_save_or_a_record_of_another_year_is_not_a_change(closed, staff_user):
    records, current, _then = closed
    record_save(instance=records["lead"], user=staff_user)  # nothing changed
    f.SmeEvaluationFactory(year=YEAR + 1)
    assert closing.changes_after_closing(current) == ([], False)


def test_an_administrator_reopens_with_a_reason_and_the_next_approval_closes_again(
    closed, staff_user, leader_user, staff_client, admin_client_, leader_client
):
    records, current, then = closed
    page_url = reverse("reports:annual-closing", args=[YEAR])
    assert staff_client.post(page_url, {"reason": "改数"}).status_code == 403
    assert leader_client.post(page_url, {"reason": "改数"}).status_code == 403
    assert "请填写重新开放的原因" in admin_client_.post(page_url, {"reason": " "}).content.decode()
    assert closing.closing_in_force(YEAR) == current

    edit_the_year(records, staff_user)
    response = admin_client_.post(page_url, {"reason": "统计局更正了规上企业名单"})
    assert response.status_code == 302
    current.refresh_from_db()
    assert current.reopened_by.username == "admin" and not current.in_force
    assert closing.closing_in_force(YEAR) is None
    page = leader_client.get(f"{DASHBOARD}?year={YEAR}").content.decode()
    assert "已封账" not in page and "封账值" not in page
    history = admin_client_.get(page_url).content.decode()
    assert "统计局更正了规上企业名单" in history and 'id="year-open"' in history

    report = current.version.report
    revision = services.report_version_restore(version=current.version, user=staff_user)
    approve(revision, staff=staff_user, leader=leader_user)
    again = closing.closing_in_force(YEAR)
    assert again is not None and again.version == revision
    assert again.values["indicators"]["sme_registered"]["value"] == then["sme_registered"] - 1
    assert YearClosing.objects.filter(year=YEAR).count() == 2
    assert report.versions.count() == 2


def test_approving_a_revision_while_closed_closes_on_its_own_approval(
    closed, staff_user, leader_user
):
    records, current, _then = closed
    edit_the_year(records, staff_user)
    revision = services.report_version_restore(version=current.version, user=staff_user)
    approve(revision, staff=staff_user, leader=leader_user)
    current.refresh_from_db()
    assert not current.in_force and "审定 v2" in current.reopen_reason
    assert closing.closing_in_force(YEAR).version == revision


def test_liaisons_do_not_see_the_closing_page(closed, liaison_client):
    assert liaison_client.get(reverse("reports:annual-closing", args=[YEAR])).status_code == 403


def test_the_indicator_registry_page_shows_the_closed_values(
    closed, staff_user, leader_client, liaison_client
):
    records, current, then = closed
    edit_the_year(records, staff_user)
    page = leader_client.get(
        reverse("reports:indicator-registry") + f"?year={YEAR}"
    ).content.decode()
    assert "已封账 · 审定于" in page
    row = page[page.index('data-key="sme_registered"') :][:800]
    assert f">{then['sme_registered']}</a>" in row
    assert f"现值 {then['sme_registered'] - 1}（封账值 {then['sme_registered']}）" in row
    # a liaison's registry is their township's, district-wide figures left out
    mine = liaison_client.get(reverse("reports:indicator-registry") + f"?year={YEAR}")
    assert mine.status_code == 200 and 'data-key="coverage_milestones"' not in mine.content.decode()
