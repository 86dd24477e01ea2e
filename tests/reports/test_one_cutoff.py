"""One cut-off date, one computation: for the same date the dashboard, the indicator registry,
the API and the annual report give the same figures (``reports.indicators.compute_as_of``);
and a year's figures read that year's classification, so reclassifying or moving an enterprise
today leaves every past year as it was.

The report once said "截至11月底" with 3.74 亿元 while the dashboard showed 3.91 for the same
year: the report counted facts dated up to the end of last month and compared them with the
same months of the year before, the dashboard counted the whole year to date against the whole
of last year. Both now go through ``compute_as_of`` with the date each page states.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bureau.models import WorkActivity
from bureau.services import record_save
from enterprises.models import HiTechApplication
from reports.annual import selectors as annual
from reports.indicators import REGISTRY, compute_all
from reports.selectors import KPI_KEYS
from tests import factories as f

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.date.today()
Y = TODAY.year


def _dated_records(township, other):
    """Facts spread over this year and the two before: contracts, policy visits, certificates,
    service visits, each dated early, mid-year and late in its year."""
    for year in (Y - 2, Y - 1, Y):
        for month, amount in ((2, "1200"), (6, "3400"), (11, "560"), (12, "780")):
            day = D(year, month, 15)
            f.TechContractFactory(
                seller__township=township if month % 2 else other,
                contract_amount=Decimal(amount),
                tech_amount=Decimal(amount) / 2,
                signed_on=day - datetime.timedelta(days=5),
                registered_on=day,
            )
            f.WorkActivityFactory(kind=WorkActivity.Kind.POLICY_VISIT, date=day)
            f.WorkActivityFactory(kind=WorkActivity.Kind.RD_TRAINING, date=day)
        for month in (3, 9, 12):
            f.HiTechApplicationFactory(
                year=year,
                enterprise__township=township,
                status=HiTechApplication.Status.CERTIFIED,
                certificate_number=f"GR{year}{month:02d}",
                issued_on=D(year, month, 10),
            )
        f.SmeEvaluationFactory(year=year, enterprise__township=other)
        f.YearlyFigureFactory(year=year, enterprise__township=township)
        f.RdCoverageFactory(year=year, enterprise__township=other)


def _number(value):
    if value is None or value == "":
        return None
    return Decimal(str(value)).normalize()


def _four_ways(client, year: int, as_of: datetime.date) -> dict[str, dict]:
    """{source: {key: value}} of the dashboard, the registry, the API and the report."""
    page = client.get(reverse("reports:dashboard"), {"year": year, "as_of": as_of.isoformat()})
    assert page.status_code == 200
    assert f"数据截至 {as_of.year}年{as_of.month}月{as_of.day}日" in page.content.decode()
    dashboard = {card["key"]: _number(card["value"]) for card in page.context["kpis"]}
    registry = {k: _number(v.value) for k, v in compute_all(year, as_of=as_of).items()}
    api = client.get("/api/indicators/", {"year": year, "as_of": as_of.isoformat()}).json()
    assert api["as_of"] == as_of.isoformat()
    served = {row["key"]: _number(row["value"]) for row in api["indicators"]}
    snapshot = annual.figures_snapshot(year, as_of=as_of)
    assert snapshot["extra"]["cutoff"] == as_of.isoformat()
    report = {k: _number(v["value"]) for k, v in snapshot["indicators"].items()}
    return {"dashboard": dashboard, "registry": registry, "api": api and served, "report": report}


@pytest.mark.parametrize(
    "when",
    ["year_end", "mid_year", "today"],
)
def test_dashboard_registry_api_and_report_agree_for_one_date(
    when, leader_client, township, other_township
):
    _dated_records(township, other_township)
    year, as_of = {
        "year_end": (Y - 1, D(Y - 1, 12, 31)),
        "mid_year": (Y, D(Y, 6, 30)),
        "today": (Y, TODAY),
    }[when]
    ways = _four_ways(leader_client, year, as_of)
    registry = ways["registry"]
    assert set(ways["api"]) == set(ways["report"]) == set(registry) == set(REGISTRY)
    assert ways["api"] == registry
    assert ways["report"] == registry
    assert set(ways["dashboard"]) == set(KPI_KEYS)
    assert ways["dashboard"] == {key: registry[key] for key in KPI_KEYS}
    # The date matters: within the year the facts dated after it are left out.
    full = {k: _number(v.value) for k, v in compute_all(year, as_of=D(year, 12, 31)).items()}
    if as_of.month < 12:
        assert registry["tech_contract_count"] < full["tech_contract_count"]
        assert registry["policy_visits"] < full["policy_visits"]


def test_reclassifying_and_moving_an_enterprise_this_year_leaves_every_past_year(
    leader_client, staff_user, township, other_township
):
    """An enterprise 规上 in every year until now, in one township: this year it leaves the 规上
    list, changes industry and moves to another township. Every figure of every past year, on
    the dashboard, in the registry and in the report, reads as before."""
    _dated_records(township, other_township)
    firm = f.EnterpriseFactory(township=township, is_above_scale=True)
    for year in (Y - 2, Y - 1, Y):
        f.YearlyFigureFactory(
            enterprise=firm, year=year, industrial_output=Decimal("9000"), hitech_output=0
        )
        f.RdCoverageFactory(enterprise=firm, year=year)
        f.SmeEvaluationFactory(enterprise=firm, year=year)
    past = {}
    for year in (Y - 2, Y - 1):
        as_of = D(year, 12, 31)
        past[year] = (
            _four_ways(leader_client, year, as_of),
            {k: v.breakdown for k, v in compute_all(year, as_of=as_of).items()},
        )
    now_before = compute_all(Y, as_of=TODAY)

    # Today: off the list, another industry, another township; this year's classification too.
    firm.is_above_scale = False
    firm.township = other_township
    firm.industry = f.IndustryFactory(name="新产业")
    record_save(instance=firm, user=staff_user)
    this_year = firm.yearly_figures.get(year=Y)
    this_year.is_above_scale, this_year.township, this_year.industry = (
        False,
        other_township,
        firm.industry,
    )
    record_save(instance=this_year, user=staff_user)

    for year, (ways, breakdowns) in past.items():
        assert _four_ways(leader_client, year, D(year, 12, 31)) == ways, year
        again = {k: v.breakdown for k, v in compute_all(year, as_of=D(year, 12, 31)).items()}
        for key in ("coverage_rate", "coverage_covered", "coverage_enterprises"):
            assert again[key] == breakdowns[key], (year, key)
    # This year follows the new classification: one 规上 enterprise fewer.
    now = compute_all(Y, as_of=TODAY)
    assert now["coverage_enterprises"].value == now_before["coverage_enterprises"].value - 1
    # The enterprise's page shows the classification by year, the latest first.
    page = leader_client.get(firm.get_absolute_url()).content.decode()
    assert "年度分类" in page and f"{Y}年度：非规上" in page
