"""The list pages' paginator counts at most ``cap + 1`` rows and still pages past the cap.

The cap is lowered for the tests (10 rows, 3 a page; 30 on the list page) so that a few dozen
records show what 10,000 do in production."""

import json
import re

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Enterprise
from portal import pagination
from portal.pagination import CappedPaginator, MoreThan
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

CAP, PER_PAGE = 10, 3
LIST = reverse("enterprises:enterprise-list")


def enterprises(n: int, township) -> list[int]:
    return [e.pk for e in EnterpriseFactory.create_batch(n, township=township)]


def ordered():
    return Enterprise.objects.order_by("pk")


def count_queries(queries, table: str = "enterprises_enterprise") -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and table in q["sql"]]


@pytest.mark.parametrize("rows", [0, 1, CAP - 1, CAP])
def test_up_to_the_cap_it_pages_exactly_as_django_does(township, rows):
    enterprises(rows, township)
    capped, plain = CappedPaginator(ordered(), PER_PAGE, cap=CAP), Paginator(ordered(), PER_PAGE)
    assert capped.count == plain.count == rows
    assert type(capped.count) is int and not capped.capped
    assert capped.num_pages == plain.num_pages
    for number in [*plain.page_range, 0, plain.num_pages + 1, "x", None]:
        a, b = capped.get_page(number), plain.get_page(number)
        assert (a.number, list(a), a.has_next(), a.end_index()) == (
            b.number,
            list(b),
            b.has_next(),
            b.end_index(),
        )


def test_one_row_over_the_cap_counts_as_more_than_the_cap(township):
    enterprises(CAP + 1, township)
    count = CappedPaginator(ordered(), PER_PAGE, cap=CAP).count
    assert isinstance(count, MoreThan)
    assert str(count) == "10+" and count == CAP + 1 and count > CAP


def test_the_count_query_reads_at_most_cap_plus_one_rows(township):
    enterprises(CAP + 5, township)
    paginator = CappedPaginator(Enterprise.objects.order_by("name"), PER_PAGE, cap=CAP)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == CAP + 1
    [sql] = count_queries(queries.captured_queries)
    # a LIMITed subquery, its order dropped (sorting every row first would defeat the limit)
    assert re.search(rf"\bLIMIT {CAP + 1}\b", sql), sql
    assert "ORDER BY" not in sql.upper(), sql
    # what the database did: no node of the plan produced more than cap + 1 rows
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def rows(node):
        yield node["Actual Rows"] * node.get("Actual Loops", 1)
        for child in node.get("Plans", []):
            yield from rows(child)

    assert max(rows(plan[0]["Plan"])) <= CAP + 1


def test_django_s_paginator_counts_every_row_which_is_what_the_cap_avoids(township):
    # the control: the same list through Django's paginator has an unbounded count
    enterprises(CAP + 5, township)
    with CaptureQueriesContext(connection) as queries:
        assert Paginator(ordered(), PER_PAGE).count == CAP + 5
    [sql] = count_queries(queries.captured_queries)
    assert "LIMIT" not in sql.upper()


def test_past_the_cap_every_page_opens_and_the_last_one_says_so(township):
    pks = enterprises(CAP + 8, township)  # 18 rows: six pages of three, the cap ends on page 4
    paginator = CappedPaginator(ordered(), PER_PAGE, cap=CAP)
    seen, number = [], 1
    while True:
        page = paginator.get_page(number)
        assert page.number == number
        seen += [e.pk for e in page]
        assert page.start_index() == (number - 1) * PER_PAGE + 1
        assert page.end_index() == page.start_index() + len(page) - 1
        if not page.has_next():
            break
        assert paginator.num_pages >= number + 1  # the page links reach the next page
        number = page.next_page_number()
    assert seen == pks and number == 6


def test_a_page_beyond_the_rows_of_a_capped_list_falls_back_to_the_cap_s_last_page(township):
    enterprises(CAP + 5, township)
    paginator = CappedPaginator(ordered(), PER_PAGE, cap=CAP)
    page = paginator.get_page(999)
    # page 4 holds rows 10-12, the last the count saw (11) among them; pages 5 and on still open
    assert page.number == 4 and len(page) == PER_PAGE and page.has_next()
    assert paginator.get_page("x").number == 1
    assert paginator.get_page(0).number >= 1


def test_the_list_page_shows_more_than_the_cap_and_its_next_link_pages_on(
    staff_client, township, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    enterprises(60, township)
    with CaptureQueriesContext(connection) as queries:
        html = staff_client.get(LIST, {"page": 2}).content.decode()
    assert "共 30+ 条记录" in html
    counts = count_queries(queries.captured_queries)
    assert counts and all(re.search(r"\bLIMIT 31\b", sql) for sql in counts), counts
    # page 3 (rows 51-60) is past the cap, and reachable; it is the last, so no next link
    assert "page=3" in html
    html = staff_client.get(LIST, {"page": 3}).content.decode()
    assert len(re.findall(r'<td[^>]*><a href="/enterprises/enterprise/\d+/">', html)) == 10
    assert 'class="page-link" href="?page=4"' not in html


def test_a_short_list_page_still_shows_its_exact_count(staff_client, township, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    enterprises(30, township)
    html = staff_client.get(LIST).content.decode()
    assert "共 30 条记录" in html and "30+" not in html
