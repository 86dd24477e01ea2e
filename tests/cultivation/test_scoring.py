"""The 科技型中小企业 score and the 高企 screening at every band boundary, each ratio winning,
each revenue band, a window with a missing year, IP that expired mid-year, each direct ground,
and one worked example per verdict, checked by hand against the rules (docs/cultivation.md)."""

import datetime
from decimal import Decimal

import pytest

from cultivation.rules import ip_class, ip_counts_in, sme_rules_for
from cultivation.scoring import (
    EXPERT,
    INCOMPLETE,
    MANUAL,
    MET,
    NOT_QUALIFIED,
    QUALIFIED,
    UNKNOWN,
    UNMET,
    Figures,
    Holdings,
    hitech_screen,
    sme_evaluate,
)

D = Decimal
Y = 2025


def small(**changes) -> Figures:
    """A small firm inside every size limit; 100 staff, sales and costs of 1,000 万元."""
    base = dict(
        year=Y,
        staff_total=100,
        tech_staff=20,
        sales=D(1000),
        assets=D(800),
        costs=D(1000),
        rd=D(30),
        hitech_income=D(700),
    )
    return Figures(**{**base, **changes})


# --- 科技型中小企业: the bands at their edges ---------------------------------------------------


@pytest.mark.parametrize(
    ("tech_staff", "staff_total", "points"),
    [
        (999, 10000, 0),  # 9.99 %
        (10, 100, 4),  # 10 %
        (1499, 10000, 4),
        (15, 100, 8),
        (20, 100, 12),
        (25, 100, 16),
        (2999, 10000, 16),  # 29.99 %
        (30, 100, 20),  # 30 %
    ],
)
def test_staff_share_scores_by_band(tech_staff, staff_total, points):
    result = sme_evaluate(small(tech_staff=tech_staff, staff_total=staff_total), Holdings(), Y)
    assert result.staff_points == points


@pytest.mark.parametrize(
    ("rd", "points"),
    [
        (D("19.9"), 0),  # 1.99 % of sales, 1.99 % of costs
        (D(20), 10),  # 2 %
        (D("29.9"), 10),
        (D(30), 20),
        (D(40), 30),
        (D(50), 40),
        (D("59.9"), 40),
        (D(60), 50),  # 6 %
    ],
)
def test_rd_share_of_sales_scores_by_band(rd, points):
    # Costs large enough that the cost ratio never wins here.
    result = sme_evaluate(small(rd=rd, costs=D(100000)), Holdings(), Y)
    assert result.rd_points == points
    assert result.rd_basis == "研发费用占销售收入比例"


def test_the_better_of_the_two_rd_ratios_wins_either_way():
    # 2 % of sales (10 points) but 25 % of costs (40 points): costs win.
    by_costs = sme_evaluate(small(rd=D(20), sales=D(1000), costs=D(80)), Holdings(), Y)
    assert (by_costs.rd_points, by_costs.rd_basis) == (40, "研发费用占成本费用总额比例")
    # 6 % of sales (50 points) but 10 % of costs (10 points): sales win.
    by_sales = sme_evaluate(small(rd=D(60), sales=D(1000), costs=D(600)), Holdings(), Y)
    assert (by_sales.rd_points, by_sales.rd_basis) == (50, "研发费用占销售收入比例")


@pytest.mark.parametrize(
    ("class_one", "class_two", "points"),
    [(0, 0, 0), (0, 1, 6), (0, 2, 12), (0, 3, 18), (0, 4, 24), (0, 9, 24), (1, 0, 30), (1, 5, 30)],
)
def test_ip_scores_by_class_and_count(class_one, class_two, points):
    holdings = Holdings(class_one_ip=class_one, class_two_ip=class_two)
    assert sme_evaluate(small(), holdings, Y).ip_points == points


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"staff_total": 501, "tech_staff": 100}, "职工总数"),
        ({"sales": D("20000.01")}, "年销售收入"),
        ({"assets": D("20000.01")}, "资产总额"),
    ],
)
def test_above_a_size_limit_is_not_an_sme_whatever_it_holds(changes, failed):
    result = sme_evaluate(small(**changes), Holdings(hitech_certificate=True, class_one_ip=2), Y)
    assert result.verdict == NOT_QUALIFIED
    assert failed in result.reasons[0]


def test_at_the_size_limits_it_still_is():
    limits = small(staff_total=500, tech_staff=150, sales=D(20000), assets=D(20000), rd=D(1200))
    assert all(c.status == MET for c in sme_evaluate(limits, Holdings(class_one_ip=1), Y).criteria)


@pytest.mark.parametrize(
    "holdings",
    [
        Holdings(hitech_certificate=True),
        Holdings(provincial_rd_institution=True),
        Holdings(other_grounds=("近五年内主导制定国际标准",)),
    ],
)
def test_each_direct_ground_qualifies_without_a_score(holdings):
    # No R&D, no IP, no 科技人员: the score would be 0, and still it qualifies.
    result = sme_evaluate(small(tech_staff=0, rd=D(0)), holdings, Y)
    assert result.verdict == QUALIFIED
    assert result.reasons[0].startswith("直接认定：")


def test_a_score_of_sixty_needs_a_non_zero_staff_score():
    # R&D 6 % (50) + one class-I IP (30) = 80, but 科技人员 9 %: 0 points, so not qualified.
    result = sme_evaluate(small(tech_staff=9, rd=D(60)), Holdings(class_one_ip=1), Y)
    assert result.total == 80 and result.staff_points == 0
    assert result.verdict == NOT_QUALIFIED
    assert "科技人员得分为0" in "".join(result.reasons)


def test_worked_example_qualified():
    # 科技人员 20/100 = 20 % -> 12; R&D 30/1000 = 3 % of sales -> 20, 30/1000 = 3 % of costs
    # -> 0, so 20; IP: three class-II -> 18. Total 50 < 60: not yet. With a class-I IP instead
    # of the three: 12 + 20 + 30 = 62 >= 60 and staff score 12 > 0: qualified.
    result = sme_evaluate(small(), Holdings(class_one_ip=1), Y)
    assert (result.staff_points, result.rd_points, result.ip_points) == (12, 20, 30)
    assert result.total == 62 and result.verdict == QUALIFIED and not result.reasons


def test_worked_example_not_qualified_says_by_how_much_and_how_to_close_it():
    result = sme_evaluate(small(), Holdings(class_two_ip=3), Y)
    assert result.total == 50 and result.shortfall == 10
    assert result.verdict == NOT_QUALIFIED
    assert result.reasons == ["综合得分50分，低于60分（差10分）"]
    # 3 % of sales is 20 points; 4 % would be 30: ten more, exactly the gap.
    assert "研发费用占销售收入比例达到4.00%可得30分（+10分）" in result.hints


def test_worked_example_incomplete_names_what_is_missing():
    result = sme_evaluate(small(tech_staff=None, assets=None), Holdings(class_one_ip=1), Y)
    assert result.verdict == INCOMPLETE
    assert result.missing == ["资产总额", "科技人员数或职工总数"]


def test_no_figures_at_all_is_incomplete_not_a_zero_score():
    result = sme_evaluate(None, Holdings(), Y)
    assert result.verdict == INCOMPLETE and result.missing


def test_rules_are_picked_by_the_year_they_apply_from():
    assert "2017" in sme_rules_for(2020).source
    assert "2022" in sme_rules_for(2025).source
    assert "2017" in sme_rules_for(2010).source  # before any: the first


# --- Intellectual property ---------------------------------------------------------------------


def test_ip_class_follows_its_kind():
    assert ip_class("invention") == 1 and ip_class("plant_variety") == 1
    assert ip_class("utility_model") == 2 and ip_class("software") == 2


def test_ip_that_expired_mid_year_counts_for_the_years_before_not_that_one():
    granted, expired = datetime.date(2015, 3, 1), datetime.date(Y, 6, 30)
    assert ip_counts_in(Y - 1, granted_on=granted, valid_until=expired)
    assert not ip_counts_in(Y, granted_on=granted, valid_until=expired)
    assert ip_counts_in(Y, granted_on=granted, valid_until=datetime.date(Y, 12, 31))
    assert not ip_counts_in(Y, granted_on=datetime.date(Y + 1, 1, 2))
    assert not ip_counts_in(Y, granted_on=granted, lapsed_on=datetime.date(Y, 8, 1))


# --- 高新技术企业 ------------------------------------------------------------------------------


SALES = (D(4000), D(4500), D(5000))
RD = (D(250), D(250), D(250))


def three_years(sales=SALES, rd=RD, **changes):
    return {
        Y - 2 + i: small(year=Y - 2 + i, sales=s, rd=r, hitech_income=s * D("0.7"), **changes)
        for i, (s, r) in enumerate(zip(sales, rd, strict=True))
    }


def status(screening, key):
    return next(c for c in screening.criteria if c.key == key).status


@pytest.mark.parametrize(
    ("latest_sales", "needed"),
    [
        (D(5000), "5.00%"),  # 50 million yuan: still the first band
        (D("5000.01"), "4.00%"),
        (D(20000), "4.00%"),  # 200 million: still the second
        (D("20000.01"), "3.00%"),
    ],
)
def test_the_rd_condition_takes_its_threshold_from_the_latest_sales(latest_sales, needed):
    screening = hitech_screen(
        three_years(sales=(D(4000), D(4000), latest_sales)),
        Holdings(class_one_ip=1),
        Y,
        founded_on=datetime.date(2010, 1, 1),
    )
    criterion = next(c for c in screening.criteria if c.key == "rd_share")
    assert criterion.threshold.startswith(f"≥{needed}")


def test_the_rd_condition_sums_three_years_and_meets_it_at_the_threshold():
    # R&D 250 x 3 = 750; sales 4000 + 4500 + 5000 = 13500 -> 5.56 % >= 5 %: met.
    met = hitech_screen(
        three_years(), Holdings(class_one_ip=1), Y, founded_on=datetime.date(2010, 1, 1)
    )
    assert status(met, "rd_share") == MET
    # R&D 200 x 3 = 600 / 13500 = 4.44 % < 5 %: not met.
    unmet = hitech_screen(
        three_years(rd=(D(200), D(200), D(200))), Holdings(class_one_ip=1), Y,
        founded_on=datetime.date(2010, 1, 1),
    )  # fmt: skip
    assert status(unmet, "rd_share") == UNMET


def test_a_window_with_a_missing_year_is_incomplete_and_names_the_year():
    figures = three_years()
    del figures[Y - 1]
    screening = hitech_screen(
        figures, Holdings(class_one_ip=1), Y, founded_on=datetime.date(2010, 1, 1)
    )
    criterion = next(c for c in screening.criteria if c.key == "rd_share")
    assert criterion.status == UNKNOWN and str(Y - 1) in criterion.note
    assert not screening.all_met


def test_a_younger_enterprise_counts_the_years_it_has_existed():
    figures = three_years()
    del figures[Y - 2]
    screening = hitech_screen(
        figures, Holdings(class_one_ip=1), Y, founded_on=datetime.date(Y - 1, 3, 1)
    )
    assert status(screening, "rd_share") == MET  # 2024-2025 only: 500 / 9500 = 5.26 %


def test_worked_example_every_decidable_condition_met():
    screening = hitech_screen(
        three_years(), Holdings(class_one_ip=1), Y,
        founded_on=datetime.date(2010, 1, 1), tech_field="先进制造与自动化",
    )  # fmt: skip
    assert screening.all_met
    assert status(screening, "capacity") == EXPERT and status(screening, "incidents") == MANUAL
    assert status(screening, "domestic_rd") == MANUAL  # only domestic R&D is recorded
    # Sales grew 4000 -> 4500 -> 5000: ½(1.125 + 1.111) − 1 = 11.81 %: band >= 5 %: 4 points.
    assert screening.growth_points == 4


def test_worked_example_one_short():
    # 科技人员 9 %: the only decidable condition not met.
    screening = hitech_screen(
        three_years(tech_staff=9), Holdings(class_two_ip=4), Y,
        founded_on=datetime.date(2010, 1, 1), tech_field="新材料",
    )  # fmt: skip
    assert [c.key for c in screening.short] == ["tech_staff"]


def test_ip_founding_and_income_conditions_at_their_edges():
    founded_late = hitech_screen(
        three_years(), Holdings(class_two_ip=3), Y, founded_on=datetime.date(Y, 1, 2)
    )
    assert status(founded_late, "registered") == UNMET
    assert status(founded_late, "ip") == UNMET  # three class-II: fewer than four
    on_time = hitech_screen(
        three_years(), Holdings(class_two_ip=4), Y, founded_on=datetime.date(Y, 1, 1)
    )
    assert status(on_time, "registered") == MET and status(on_time, "ip") == MET
    figures = three_years()
    figures[Y] = small(sales=D(5000), hitech_income=D("2999.99"))
    assert status(hitech_screen(figures, Holdings(), Y), "hitech_income") == UNMET
    figures[Y] = small(sales=D(5000), hitech_income=D(3000))
    assert status(hitech_screen(figures, Holdings(), Y), "hitech_income") == MET
