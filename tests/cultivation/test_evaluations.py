"""The evaluation table the 培育库 reads (``cultivation.evaluations``) equals a fresh computation
by the Python oracle (``selectors.assess``) after edits, moves, deletes, imports and rule
changes; refreshing it costs a fixed number of queries; the lists page, sort and stream."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cultivation import evaluations, rules, selectors
from cultivation.models import Evaluation, EvaluationYear
from enterprises.models import Enterprise, IpKind
from imports.engine.pipeline import run_import
from tests import factories as f
from tests.imports.conftest import xlsx_bytes

pytestmark = pytest.mark.django_db
YEAR = 2025
D = Decimal


def firm(township, name, *, tech=30, rd="60", sales="1000", invention=True, field=True):
    enterprise = f.EnterpriseFactory(
        township=township, name=name, founded_on=datetime.date(2010, 1, 1)
    )
    for year in (YEAR - 2, YEAR - 1, YEAR):
        f.YearlyFigureFactory(
            enterprise=enterprise,
            year=year,
            staff_total=100,
            tech_staff=tech,
            sales_revenue=D(sales),
            total_assets=D("800"),
            total_costs=D("900"),
            rd_expense=D(rd),
            hitech_product_income=D("700"),
            industrial_output=None,
            hitech_output=None,
        )
    if invention:
        f.IntellectualPropertyFactory(
            enterprise=enterprise, kind=IpKind.INVENTION, granted_on=datetime.date(2020, 3, 1)
        )
    if field:
        f.HiTechApplicationFactory(enterprise=enterprise, year=YEAR - 3, status="rejected")
    return enterprise


@pytest.fixture
def firms(township, other_township):
    return [
        firm(township, "甲"),
        firm(township, "乙", tech=10, rd="30", invention=False),
        firm(other_township, "丙", tech=20, rd="45", field=False),
        firm(other_township, "丁", tech=5, rd="10", sales="30000"),
    ]


def oracle(year: int) -> dict:
    """{enterprise: (科小 total, verdict, 高企 short, certified)} computed now by Python."""
    out = {}
    for a in selectors.assess(Enterprise.objects.all(), year):
        if year in a.figures:
            out[a.enterprise.pk] = (
                a.sme.total,
                a.sme.verdict,
                len(a.hitech.short),
                a.certificate is not None,
            )
    return out


def table(year: int) -> dict:
    evaluations.fresh(year)
    return {
        row.enterprise_id: (
            row.total,
            Evaluation.Verdict(row.verdict).label,
            row.short,
            row.certified,
        )
        for row in Evaluation.objects.filter(year=year)
    }


def test_the_table_is_the_fresh_computation_after_every_kind_of_write(firms, other_township):
    a, b, c, d = firms
    assert table(YEAR) == oracle(YEAR) and len(oracle(YEAR)) == 4
    assert table(YEAR - 1) == oracle(YEAR - 1)

    # edits: a figure, an IP granted, a certificate issued, a recorded evaluation
    figure = b.yearly_figures.get(year=YEAR)
    figure.tech_staff = 30
    figure.save()
    f.IntellectualPropertyFactory(enterprise=c, kind=IpKind.INVENTION)
    f.HiTechApplicationFactory(
        enterprise=d,
        year=YEAR - 1,
        status="certified",
        certificate_number="GR202437000009",
        issued_on=datetime.date(YEAR - 1, 11, 1),
    )
    f.SmeEvaluationFactory(enterprise=a, year=YEAR, status="rejected", score=80)
    assert table(YEAR) == oracle(YEAR)
    assert table(YEAR - 1) == oracle(YEAR - 1)  # kept years are refreshed too

    # moves: an IP to another enterprise (both change), an enterprise to another township
    ip = a.intellectual_properties.get()
    ip.enterprise = b
    ip.save()
    a.township = other_township
    a.founded_on = datetime.date(YEAR, 6, 1)  # no longer registered a year before
    a.save()
    assert table(YEAR) == oracle(YEAR)
    listed = evaluations.hitech_reserve(Enterprise.objects.filter(township=other_township), YEAR)
    assert a.pk in {
        row.enterprise_id
        for row in evaluations.evaluations(Enterprise.objects.filter(township=other_township), YEAR)
    }
    assert {row.enterprise_id for row in listed} <= {a.pk, c.pk, d.pk}

    # deletes
    b.intellectual_properties.all().delete()
    c.yearly_figures.get(year=YEAR).delete()
    assert table(YEAR) == oracle(YEAR) and c.pk not in table(YEAR)

    # an import (a COPY that bypasses the models and says so)
    result = run_import(
        "enterpriseyearlyfigure",
        xlsx_bytes(
            [
                [
                    "统一社会信用代码",
                    "年度",
                    "职工总数",
                    "科技人员数",
                    "销售收入（万元）",
                    "研发费用（万元）",
                ],
                [d.credit_code, YEAR, 100, 35, 1000, 70],
            ]
        ),
        dry_run=False,
    )
    assert result.written and result.changed == 1, result.errors
    assert table(YEAR) == oracle(YEAR)
    assert table(YEAR)[d.pk][0] != 0


def test_a_rule_changed_for_a_year_recomputes_that_year(firms, monkeypatch):
    before = table(YEAR)
    assert table(YEAR) == oracle(YEAR)
    stricter = rules.SmeRules(YEAR, "test", pass_score=70, class_one_points=10)
    monkeypatch.setattr(rules, "SME_RULES", (*rules.SME_RULES, stricter))
    assert table(YEAR) == oracle(YEAR) != before
    assert EvaluationYear.objects.get(year=YEAR).signature == evaluations.signature(YEAR)


def test_refreshing_costs_the_same_queries_whatever_the_marks_and_years(township):
    firm(township, "甲")
    evaluations.fresh([YEAR])
    firm(township, "乙")
    with CaptureQueriesContext(connection) as few:
        evaluations.fresh([YEAR])
    for i in range(6):
        firm(township, f"新{i}", invention=bool(i % 2))
    evaluations.fresh([YEAR])  # the years below are then computed whole, the kept one patched
    for i in range(6):
        firm(township, f"后{i}")
    with CaptureQueriesContext(connection) as many:
        evaluations.fresh([YEAR])
    assert len(few) == len(many)
    with CaptureQueriesContext(connection) as idle:
        evaluations.fresh([YEAR])
    assert len(idle) == 2


def test_the_lists_page_sort_and_export_every_row(staff_client, township):
    for i in range(30):
        firm(township, f"企业{i:02d}", tech=10 + i % 3 * 10)
    url = reverse("cultivation:sme")
    response = staff_client.get(url, {"year": YEAR})
    assert len(response.context["rows"]) == 25 and response.context["page"].paginator.count == 30
    second = staff_client.get(url, {"year": YEAR, "page": 2}).context["rows"]
    assert len(second) == 5
    scores = [a.sme.total for a in response.context["rows"]]
    assert scores == sorted(scores, reverse=True)
    by_name = staff_client.get(url, {"year": YEAR, "sort": "name"}).context["rows"]
    assert [a.enterprise.name for a in by_name] == [f"企业{i:02d}" for i in range(25)]

    export = staff_client.get(url, {"year": YEAR, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert sheet.max_row == 31
    printed = b"".join(staff_client.get(url, {"year": YEAR, "print": "1"}).streaming_content)
    assert printed.decode().count("<tr><td>") == 30

    hitech = staff_client.get(reverse("cultivation:hitech"), {"year": YEAR, "sort": "township"})
    found = selectors.hitech_candidates(selectors.assess(Enterprise.objects.all(), YEAR))
    assert found and hitech.context["page"].paginator.count == len(found)


def test_the_rebuild_command_computes_the_kept_years_again(firms):
    from django.core.management import call_command  # noqa: PLC0415

    assert table(YEAR) == oracle(YEAR)
    Evaluation.objects.filter(year=YEAR).update(total=0)  # damaged behind the table's back
    call_command("cultivation_rebuild", verbosity=0)
    assert table(YEAR) == oracle(YEAR)
