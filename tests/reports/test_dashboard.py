"""The leaders' dashboard: who sees what, KPI cards against targets, links, a fixed number of
queries whatever the data, the big screen and the cache."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cultivation import evaluations
from imports.models import ImportJob
from reports import selectors, tallies
from reports.indicators import REGISTRY
from tests import factories as f
from tests.conftest import PERSONAS
from tests.reports.pipeline_data import reserve_firm

pytestmark = pytest.mark.django_db

D = datetime.date
THIS_YEAR = datetime.date.today().year
DASHBOARD = reverse("reports:dashboard")
SCREEN = reverse("reports:dashboard-screen")
DATA = reverse("reports:dashboard-data")
PIPELINE = reverse("reports:dashboard-pipeline")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_cache(settings):
    settings.DASHBOARD_CACHE_SECONDS = 0


def _records(township, other_township, year=THIS_YEAR, n=1):
    """Records of every kind the dashboard counts, ``n`` of each per township."""
    for t in (township, other_township):
        for _ in range(n):
            firm = f.EnterpriseFactory(township=t, is_above_scale=True)
            f.SmeEvaluationFactory(enterprise=firm, year=year)
            f.HiTechApplicationFactory(
                enterprise=firm,
                year=year,
                status="certified",
                certificate_number="GR1",
                issued_on=D(year, 1, 1),
            )
            f.RdCoverageFactory(enterprise=firm, year=year)
            f.TechContractFactory(seller=firm, signed_on=D(year, 1, 1), registered_on=D(year, 1, 2))
            f.PlatformFactory(host=firm, year=year)
            stage = f.TalentStageFactory(project__enterprise=firm, project__year=year)
            f.TalentStageFactory(project=stage.project, step=20, date=D(year, 4, 1))
            village = f.KeyVillageFactory(village__township=t)
            f.ServiceVisitFactory(village=village, date=D(year, 3, 5))
            f.WorkActivityFactory(township=t, kind="policy_visit", date=D(year, 6, 1))
            f.YearlyFigureFactory(enterprise=firm, year=year)
        department = f.DepartmentFactory()
        department.townships.add(t)
    f.CoverageMilestoneFactory(year=year, date=D(year, 3, 12), title="全覆盖动员会议")


# ---- who sees it ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", [DASHBOARD, SCREEN, DATA])
def test_every_role_but_outsiders_sees_the_dashboard(request, client_for, persona, url):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(url)
    assert response.status_code == (403 if persona == "outsider_user" else 200)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_leaders_land_on_the_dashboard(leader_client):
    response = leader_client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == DASHBOARD


def test_liaison_sees_only_their_township(liaison_client, township, other_township):
    _records(township, other_township, n=1)
    f.SmeEvaluationFactory(enterprise__township=other_township, year=THIS_YEAR)

    response = liaison_client.get(DASHBOARD, {"township": other_township.pk})
    assert response.status_code == 200
    cards = {card["key"]: card for card in response.context["kpis"]}
    assert cards["sme_registered"]["value"] == 1  # their own, not the other township's 2
    assert "sme_registered" in cards and "hitech_output_share" in cards
    assert response.context["townships"] == []
    assert "东山镇" not in response.content.decode()
    assert f"enterprise__township={township.pk}" in cards["sme_registered"]["url"]
    payload = liaison_client.get(DATA).json()
    assert payload["township"] == "城关街道"


def test_staff_may_look_at_one_township(staff_client, township, other_township):
    _records(township, other_township, n=1)
    f.SmeEvaluationFactory(enterprise__township=other_township, year=THIS_YEAR)

    district = staff_client.get(DASHBOARD)
    one = staff_client.get(DASHBOARD, {"township": other_township.pk})
    card = {c["key"]: c for c in district.context["kpis"]}["sme_registered"]
    assert card["value"] == 3
    assert {c["key"]: c for c in one.context["kpis"]}["sme_registered"]["value"] == 2


# ---- what it shows ----------------------------------------------------------------------------


def test_kpi_cards_show_last_year_change_target_and_link(leader_client, township, other_township):
    _records(township, other_township, year=THIS_YEAR, n=2)
    _records(township, other_township, year=THIS_YEAR - 1, n=1)
    f.AnnualTargetFactory(year=THIS_YEAR, indicator="sme_registered", value=Decimal("8"))

    response = leader_client.get(DASHBOARD)
    card = {c["key"]: c for c in response.context["kpis"]}["sme_registered"]
    assert (card["value"], card["last"], card["diff_display"]) == (4, 2, "+2")
    assert card["change"] == Decimal("100.0")
    assert card["progress"] == Decimal("50.0")
    assert card["url"] == REGISTRY["sme_registered"].records_url(THIS_YEAR)
    html = response.content.decode()
    assert f'href="{card["url"]}"'.replace("&", "&amp;") in html
    assert "目标 8家" in html


def test_a_rate_changes_by_percentage_points_never_a_percent_of_a_percent(
    leader_client, township, other_township
):
    _records(township, other_township, year=THIS_YEAR, n=1)
    f.RdCoverageFactory(enterprise__township=township, year=THIS_YEAR, has_institution=False)
    _records(township, other_township, year=THIS_YEAR - 1, n=1)
    cards = {c["key"]: c for c in leader_client.get(DASHBOARD).context["kpis"]}
    # 66.67 % now (2 of 3) against 100 % (2 of the 2 classified 规上 last year)
    rate = cards["coverage_rate"]
    assert rate["change"] is None
    assert rate["diff_display"] == "-33.33个百分点"
    html = leader_client.get(DASHBOARD).content.decode()
    assert "个百分点（" not in html


def test_years_without_any_records_are_gaps_in_the_trends_not_zeros(
    leader_client, township, other_township
):
    _records(township, other_township, year=THIS_YEAR, n=1)
    trends = leader_client.get(DASHBOARD).context["payload"]["charts"]["trends"]
    sme = next(s for s in trends["counts"] if s["key"] == "sme_registered")
    assert sme["data"][:4] == [None, None, None, None] and sme["data"][-1] == 2


def test_township_table_ranks_on_coverage_with_links(leader_client, township, other_township):
    _records(township, other_township, n=1)
    f.RdCoverageFactory(enterprise__township=other_township, year=THIS_YEAR, has_institution=False)

    rows = leader_client.get(DASHBOARD).context["townships"]
    assert [(row["name"], row["rank"], row["coverage_rate"]) for row in rows] == [
        ("城关街道", 1, Decimal("100.00")),
        ("东山镇", 2, Decimal("50.00")),
    ]
    assert rows[1]["enterprises"] == 2 and rows[1]["covered"] == 1
    assert rows[1]["departments"]
    assert rows[1]["coverage_url"] == REGISTRY["coverage_enterprises"].records_url(
        THIS_YEAR, other_township.pk
    )


def test_charts_carry_their_data_and_links_in_a_json_script(
    leader_client, township, other_township
):
    _records(township, other_township, n=1)

    response = leader_client.get(DASHBOARD)
    html = response.content.decode()
    assert '<script id="dashboard-data" type="application/json">' in html
    assert "js/dashboard.js" in html and "echarts-5.6.0/echarts.min.js" in html
    charts = response.context["payload"]["charts"]
    assert charts["trends"]["years"] == [str(y) for y in range(THIS_YEAR - 4, THIS_YEAR + 1)]
    sme = next(s for s in charts["trends"]["counts"] if s["key"] == "sme_registered")
    assert sme["data"][-1] == 2
    assert charts["townships"]["sme"] == [1, 1]
    assert sum(charts["months"]["series"][0]["data"]) == 2
    assert charts["months"]["series"][0]["data"][2] == 2  # March
    assert "date__month=3" in charts["months"]["series"][0]["urls"][2]
    assert charts["talents"]["reached"][:2] == [2, 2]
    level = charts["platforms"]["series"][1]  # 省级
    assert sum(level["data"]) == 2
    json.dumps(response.context["payload"])  # plain data only


def test_year_selector_shows_an_earlier_year(leader_client, township, other_township):
    _records(township, other_township, year=THIS_YEAR - 2, n=1)

    response = leader_client.get(DASHBOARD, {"year": THIS_YEAR - 2})
    assert response.context["year"] == THIS_YEAR - 2
    card = {c["key"]: c for c in response.context["kpis"]}["sme_registered"]
    assert card["value"] == 2
    assert leader_client.get(DASHBOARD, {"year": "abc"}).context["year"] == THIS_YEAR


def test_big_screen_is_dark_and_refreshes_itself(leader_client):
    html = leader_client.get(SCREEN).content.decode()
    assert 'class="screen"' in html
    assert f'data-refresh-url="{DATA}?year={THIS_YEAR}"' in html
    assert 'data-refresh-seconds="60"' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it


# ---- schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "today", "status"),
    [
        (5, 10, D(2025, 11, 15), "behind"),  # 50 % reached, 87 % of the year gone
        (9, 10, D(2025, 11, 15), "on_track"),
        (2, 10, D(2025, 5, 1), "on_track"),  # far behind, but not late in the year
        (10, 10, D(2025, 3, 1), "done"),
        (9, 10, D(2026, 1, 10), "missed"),
        (None, 10, D(2025, 11, 15), None),
        (5, None, D(2025, 11, 15), None),
    ],
)
def test_figures_behind_schedule_late_in_the_year_are_flagged(value, target, today, status):
    assert selectors.schedule_status(value, target, 2025, today)[0] == status


def test_behind_schedule_card_is_flagged_on_the_page(township, other_township):
    _records(township, other_township, year=2025, n=1)
    f.AnnualTargetFactory(year=2025, indicator="sme_registered", value=Decimal("10"))

    data = selectors.build_dashboard(2025, today=D(2025, 11, 20))
    card = {c["key"]: c for c in data["kpis"]}["sme_registered"]
    assert card["status"] == "behind" and card["progress"] == Decimal("20.0")


# ---- speed ------------------------------------------------------------------------------------


def _count_queries(client, url):
    """The queries of a page read once the summaries are up to date with the writes before
    (the first read after a write brings them up to date: tests/reports/test_tallies.py)."""
    tallies.fresh(tallies.all_summaries().values())
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.usefixtures("no_cache")
def test_dashboard_queries_do_not_grow_with_rows_or_townships(
    staff_client, liaison_client, township, other_township
):
    _records(township, other_township, n=1)
    staff_client.get(SCREEN)  # the header's cached reads (the bureau's name), once
    small = _count_queries(staff_client, DASHBOARD)
    small_liaison = _count_queries(liaison_client, DASHBOARD)
    small_screen = _count_queries(staff_client, SCREEN)

    _records(township, other_township, n=2)
    _records(township, other_township, year=THIS_YEAR - 1, n=1)
    for i in range(3):
        extra = f.TownshipFactory(code=f"370302{210 + i}", name=f"新增乡{i}")
        _records(extra, township, n=1)

    assert _count_queries(staff_client, DASHBOARD) == small
    assert _count_queries(liaison_client, DASHBOARD) == small_liaison
    assert _count_queries(staff_client, SCREEN) == small_screen
    # A budget: about 65 for the figures (each year of the trends as of its own last day,
    # ``compute_as_of``: one evaluation per year), the rest session and page.
    assert small <= 85


def test_cached_dashboard_skips_the_queries_and_an_import_clears_it(
    staff_client, township, other_township
):
    _records(township, other_township, n=1)
    first = staff_client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as cached:
        staff_client.get(DASHBOARD)
    assert len(cached) < 12  # session, user, township list: no figures recomputed

    f.SmeEvaluationFactory(enterprise__township=township, year=THIS_YEAR)
    selectors.dashboard_cache_clear()
    second = staff_client.get(DASHBOARD)
    value = {c["key"]: c["value"] for c in second.context["kpis"]}["sme_registered"]
    assert value == {c["key"]: c["value"] for c in first.context["kpis"]}["sme_registered"] + 1


def test_an_import_shows_on_the_dashboard_at_once(staff_user, staff_client, township):
    f.SmeEvaluationFactory(enterprise__township=township, year=THIS_YEAR)
    assert staff_client.get(DATA).json()["kpis"][0]["value"] == 1
    f.SmeEvaluationFactory(enterprise__township=township, year=THIS_YEAR)
    assert staff_client.get(DATA).json()["kpis"][0]["value"] == 1  # cached for a minute

    ImportJob.objects.create(
        entity="smeevaluation",
        user=staff_user,
        file_name="科小评价.xlsx",
        written=True,
        finished_at=datetime.datetime.now(datetime.UTC),
    )
    assert staff_client.get(DATA).json()["kpis"][0]["value"] == 2


def test_many_townships_show_the_best_and_the_worst(monkeypatch, leader_client, township):
    monkeypatch.setattr(selectors, "TOWNSHIP_ROWS", 2)
    for i, covered in enumerate((True, False, True)):
        t = f.TownshipFactory(code=f"370302{120 + i}", name=f"第{i}镇")
        f.RdCoverageFactory(enterprise__township=t, year=THIS_YEAR, has_institution=covered)
        f.RdCoverageFactory(enterprise__township=t, year=THIS_YEAR)

    response = leader_client.get(DASHBOARD)
    rows = response.context["townships"]
    assert [(row["name"], row["rank"]) for row in rows] == [("第0镇", 1), (township.name, None)]
    assert response.context["township_total"] == 4
    assert "共 4 个乡镇（街道）" in response.content.decode()


def test_beat_warms_the_district_dashboard_so_the_next_view_builds_nothing(db, settings):
    import datetime

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import selectors
    from reports.tasks import warm_dashboard

    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    year = datetime.date.today().year
    warm_dashboard.delay()
    with CaptureQueriesContext(connection) as queries:
        data = selectors.dashboard_data(year)
    assert data["cache_key"] == selectors.dashboard_cache_key(year, None)
    assert len(queries) <= 3  # the cache version and the last import's time, nothing built


def test_beat_also_warms_each_liaisons_township_and_no_other(
    db, settings, township, other_township
):
    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    f.UserFactory(username="liaison", role="liaison", township=township)
    f.UserFactory(username="gone", role="liaison", township=other_township, is_active=False)
    from reports.tasks import warm_dashboard

    warm_dashboard.delay()
    year = datetime.date.today().year
    assert cache.get(selectors.dashboard_cache_key(year, township.pk)) is not None
    assert cache.get(selectors.dashboard_cache_key(year, other_township.pk)) is None
    with CaptureQueriesContext(connection) as queries:
        data = selectors.dashboard_data(year, township)
    assert data["cache_key"] == selectors.dashboard_cache_key(year, township.pk)
    assert len(queries) <= 3  # served from the cache, nothing built


# ---- the 培育库 pipeline card ---------------------------------------------------------------------


def _pipeline_records(township, other_township, n=1):
    """In 2025, per township and ``n`` times: 科小入库 2 (one of them the candidate 甲), 后备高企 2
    (甲 meets every decidable condition, 乙 lacks IP), 高企申报 1 submitted, which is certified.
    Beside them what must not count: 丁 two conditions short, a rejected SME evaluation, an
    application still 培育."""
    for t in (township, other_township):
        for i in range(n):
            ready = reserve_firm(t, f"{t.name}甲{i}")
            reserve_firm(t, f"{t.name}乙{i}", ip=False)
            reserve_firm(t, f"{t.name}丁{i}", ip=False, tech_staff=5)
            f.SmeEvaluationFactory(enterprise=ready, year=2025)
            f.SmeEvaluationFactory(enterprise__township=t, year=2025)
            f.SmeEvaluationFactory(enterprise__township=t, year=2025, status="rejected")
            f.HiTechApplicationFactory(
                enterprise__township=t,
                year=2025,
                status="certified",
                certificate_number=f"GR2025{t.pk}{i}",
                issued_on=D(2025, 11, 1),
            )
            f.HiTechApplicationFactory(enterprise__township=t, year=2025, status="cultivating")


def _steps(response):
    return {step["key"]: step for step in response.context["pipeline"]["steps"]}


def test_pipeline_card_counts_each_step_with_its_share_and_links(
    staff_client, township, other_township
):
    _pipeline_records(township, other_township)

    response = staff_client.get(PIPELINE, {"year": 2025})
    steps = _steps(response)
    values = [steps[key]["value"] for key in selectors.PIPELINE_KEYS]
    assert values == [4, 4, 2, 2]  # both townships: 2 + 2, 2 + 2, 1 + 1, 1 + 1
    shares = [steps[key]["share"] for key in selectors.PIPELINE_KEYS]
    assert shares == [None, Decimal("100.0"), Decimal("50.0"), Decimal("100.0")]
    assert response.context["pipeline"]["ready"]["value"] == 2
    for key in selectors.PIPELINE_KEYS:
        assert steps[key]["url"] == REGISTRY[key].records_url(2025)
    assert steps["hitech_reserve"]["url"] == f"{reverse('cultivation:hitech')}?year=2025"
    html = response.content.decode()
    assert f'href="{steps["hitech_applications"]["url"]}"'.replace("&", "&amp;") in html
    # The list behind the 后备高企 shows the same enterprises, two of them 全部满足.
    rows = staff_client.get(steps["hitech_reserve"]["url"]).context["rows"]
    assert len(rows) == 4 and sum(a.hitech.all_met for a in rows) == 2


def test_pipeline_card_of_a_liaison_is_their_township(liaison_client, township, other_township):
    _pipeline_records(township, other_township)
    reserve_firm(other_township, "东山镇又一家")

    response = liaison_client.get(PIPELINE, {"year": 2025, "township": other_township.pk})
    steps = _steps(response)
    assert [steps[key]["value"] for key in selectors.PIPELINE_KEYS] == [2, 2, 1, 1]
    assert steps["hitech_reserve"]["url"].endswith(f"township={township.pk}")
    assert f"enterprise__township={township.pk}" in steps["sme_registered"]["url"]
    assert "东山镇" not in response.content.decode()


def test_the_dashboard_fetches_the_pipeline_card_after_the_page(liaison_client, leader_client):
    html = leader_client.get(DASHBOARD, {"year": 2025}).content.decode()
    assert f'hx-get="{PIPELINE}?year=2025"' in html
    html = liaison_client.get(DASHBOARD, {"year": 2025}).content.decode()
    assert f'hx-get="{PIPELINE}?year=2025"' in html  # their township comes from their account


@pytest.mark.usefixtures("no_cache")
def test_pipeline_card_queries_do_not_grow_with_rows_or_townships(
    staff_client, liaison_client, township, other_township
):
    _pipeline_records(township, other_township, n=1)
    url = f"{PIPELINE}?year=2025"
    staff_client.get(url)
    small = _count_queries(staff_client, url)
    small_liaison = _count_queries(liaison_client, url)
    _pipeline_records(township, other_township, n=3)
    extra = f.TownshipFactory(code="370302230", name="新增乡")
    _pipeline_records(extra, township, n=1)
    # Bringing the 培育库's evaluation table up to date after writes is the first read's work,
    # in queries that do not grow either (tests/cultivation/test_evaluations.py).
    evaluations.fresh(2025)
    assert _count_queries(staff_client, url) == small
    assert _count_queries(liaison_client, url) == small_liaison
    assert small <= 20  # session and user, two for the records, three for 后备高企, the targets


def test_a_large_scope_s_pipeline_card_is_built_by_the_worker(
    monkeypatch, staff_client, township, other_township
):
    """Beyond PIPELINE_INLINE_ENTERPRISES the request leaves the scoring to a task (inline in
    tests, as without a broker): the card is there once the task ran, and until then it says
    so and asks again."""
    _pipeline_records(township, other_township)
    monkeypatch.setattr(selectors, "PIPELINE_INLINE_ENTERPRISES", 1)
    from reports import tasks

    queued = []
    monkeypatch.setattr(tasks.build_pipeline_card, "delay", lambda *args: queued.append(args))
    waiting = staff_client.get(PIPELINE, {"year": 2025})
    html = waiting.content.decode()
    assert waiting.context["pipeline"] is None and "正在测算培育转化情况" in html
    assert 'hx-trigger="load delay:5s"' in html and f'hx-get="{PIPELINE}?year=2025"' in html
    staff_client.get(PIPELINE, {"year": 2025})
    assert len(queued) == 1  # asked once while it builds

    tasks.build_pipeline_card(*queued[0])  # what the worker does
    steps = _steps(staff_client.get(PIPELINE, {"year": 2025}))
    assert [steps[key]["value"] for key in selectors.PIPELINE_KEYS] == [4, 4, 2, 2]
    monkeypatch.undo()  # a scope within the limit is built in the request
    assert staff_client.get(PIPELINE, {"year": 2024}).context["pipeline"]["year"] == 2024
