"""The SQL of the 科小 score and the 高企 conditions (``cultivation.expressions``) equals the
Python scoring (``cultivation.scoring``, the oracle) on random figures placed at, just below and
just above every band's edge, evaluated by PostgreSQL over one row of values."""

import datetime
from decimal import ROUND_CEILING, Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cultivation import expressions, rules, scoring

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2025
CENT = D("0.01")

SME = rules.sme_rules_for(YEAR)
HITECH = rules.hitech_rules_for(YEAR)
SHARES = sorted(
    {b.at for b in SME.staff_bands + SME.rd_sales_bands + SME.rd_costs_bands}
    | {HITECH.min_tech_staff_share, HITECH.min_hitech_income_share}
    | {share for _limit, share in HITECH.rd_share_by_sales}
)
LIMITS = [D(SME.max_staff)] + [limit for limit, _s in HITECH.rd_share_by_sales if limit]


def amounts():
    """An amount: none, zero, random, or at / beside a size limit or a sales band's edge."""
    edges = [limit + delta for limit in LIMITS + [SME.max_sales] for delta in (-CENT, 0, CENT)]
    return st.one_of(
        st.none(),
        st.just(D(0)),
        st.sampled_from(edges),
        st.decimals(min_value=CENT, max_value=D(50000), places=2),
    )


@st.composite
def share_of(draw, denominator, *, whole=False):
    """A numerator whose share of ``denominator`` sits at a band's edge (or a step either side),
    or anywhere; none sometimes."""
    if denominator is None or draw(st.integers(0, 9)) == 0:
        return draw(st.none() | st.integers(0, 600) if whole else amounts())
    at = draw(st.sampled_from(SHARES))
    if whole:
        edge = int((at * denominator).to_integral_value(ROUND_CEILING))
        return max(edge + draw(st.sampled_from([-1, 0, 1])), 0)
    edge = (at * denominator).quantize(CENT, rounding=ROUND_CEILING)
    return max(edge + draw(st.sampled_from([-CENT, 0, CENT])), D(0))


@st.composite
def year_figures(draw, year):
    staff = draw(st.none() | st.integers(0, 600) | st.sampled_from([499, 500, 501]))
    tech = draw(share_of(staff, whole=True))
    if staff is not None and tech is not None:
        tech = min(tech, staff)  # the model's clean() refuses more
    sales = draw(amounts())
    costs = draw(amounts())
    rd = draw(share_of(draw(st.sampled_from([sales, costs]))))
    return scoring.Figures(
        year=year,
        staff_total=staff,
        tech_staff=tech,
        sales=sales,
        assets=draw(amounts()),
        costs=costs,
        rd=rd,
        hitech_income=draw(share_of(sales)),
    )


@st.composite
def cases(draw):
    window = {YEAR: draw(year_figures(YEAR))}
    for offset in range(1, HITECH.years_window):
        if draw(st.booleans()):
            window[YEAR - offset] = draw(year_figures(YEAR - offset))
    cutoff = datetime.date(YEAR + 1 - HITECH.min_years_registered, 1, 1)
    founded = draw(
        st.none()
        | st.sampled_from([cutoff - datetime.timedelta(days=1), cutoff, cutoff.replace(day=2)])
        | st.dates(datetime.date(YEAR - 4, 1, 1), datetime.date(YEAR + 1, 12, 31))
    )
    holdings = scoring.Holdings(
        class_one_ip=draw(st.integers(0, 2)),
        class_two_ip=draw(st.integers(0, 6)),
        hitech_certificate=draw(st.booleans()),
        provincial_rd_institution=draw(st.booleans()),
    )
    return window, founded, holdings, draw(st.booleans())


COLUMNS = {
    "founded_on": "date",
    "one": "int",
    "two": "int",
    "grounds": "boolean",
    "has_field": "boolean",
    "staff_total": "int",
    "tech_staff": "int",
    "sales_revenue": "numeric",
    "total_assets": "numeric",
    "total_costs": "numeric",
    "rd_expense": "numeric",
    "hitech_product_income": "numeric",
    **{f"w{k}_{x}": "numeric" for k in range(HITECH.years_window) for x in ("rd", "sales")},
}


def in_sql(window, founded, holdings, has_field) -> dict:
    """The expressions evaluated by PostgreSQL over the row ``_inner`` would give."""
    latest = window[YEAR]
    values = {
        "founded_on": founded,
        "one": holdings.class_one_ip,
        "two": holdings.class_two_ip,
        "grounds": holdings.hitech_certificate or holdings.provincial_rd_institution,
        "has_field": has_field,
        "staff_total": latest.staff_total,
        "tech_staff": latest.tech_staff,
        "sales_revenue": latest.sales,
        "total_assets": latest.assets,
        "total_costs": latest.costs,
        "rd_expense": latest.rd,
        "hitech_product_income": latest.hitech_income,
    }
    for k in range(HITECH.years_window):
        row = window.get(YEAR - k)
        values[f"w{k}_rd"] = row.rd if row else None
        values[f"w{k}_sales"] = row.sales if row else None
    found = {**expressions.sme_sql(SME), **expressions.hitech_sql(HITECH, YEAR)}
    query = expressions.Sql("SELECT ")
    for index, (name, expression) in enumerate(found.items()):
        query += (", " if index else "") + expression + f" AS {name}"
    cells = ", ".join(f"%s::{kind}" for kind in COLUMNS.values())
    query += expressions.Sql(
        f" FROM (VALUES ({cells})) s({', '.join(COLUMNS)})", [values[c] for c in COLUMNS]
    )
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        return dict(zip(found, cursor.fetchone(), strict=True))


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_sql_scores_as_python_does_at_every_band_edge(case):
    window, founded, holdings, has_field = case
    sql = in_sql(*case)
    sme = scoring.sme_evaluate(window[YEAR], holdings, YEAR)
    assert (sql["staff_points"], sql["rd_points"], sql["ip_points"], sql["total"]) == (
        sme.staff_points,
        sme.rd_points,
        sme.ip_points,
        sme.total,
    )
    assert expressions.VERDICTS[sql["verdict"]] == sme.verdict
    size_unmet = any(c.key.startswith("size_") and c.status == scoring.UNMET for c in sme.criteria)
    assert sql["size_unmet"] == size_unmet

    screening = scoring.hitech_screen(
        window, holdings, YEAR, founded_on=founded, tech_field="电子信息" if has_field else None
    )
    met = {c.key: c.status == scoring.MET for c in screening.decidable}
    met.pop("domestic_rd", None)  # decidable only with all R&D recorded, which no record holds
    assert {key: sql[f"hitech_{key}"] for key in met} == met
    assert sql["short"] == len([c for c in screening.short if c.key != "domestic_rd"])


def test_a_rule_changed_for_a_year_changes_the_sql(monkeypatch):
    """The rules stay data: a stricter pass mark and staff band from 2025 on change the 2025
    expressions, not 2024's."""
    stricter = rules.SmeRules(
        2025,
        "test",
        pass_score=70,
        staff_bands=(rules.Band(D("0.50"), 20), rules.Band(D("0.10"), 4)),
    )
    before = {
        year: str(expressions.sme_sql(rules.sme_rules_for(year))["verdict"].params)
        for year in (2024, 2025)
    }
    monkeypatch.setattr(rules, "SME_RULES", (*rules.SME_RULES, stricter))
    after = {
        year: str(expressions.sme_sql(rules.sme_rules_for(year))["verdict"].params)
        for year in (2024, 2025)
    }
    assert after[2024] == before[2024] and after[2025] != before[2025]
    assert "70" in after[2025] and "0.50" in after[2025]
