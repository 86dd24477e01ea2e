"""The header's search: enterprises by name or credit code, people, projects, platforms and
villages, grouped by kind, scoped to what the user may see, a few of each with 查看全部, in a
fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bureau.trigram import TRIGRAM_COLUMNS
from tests import factories as f

pytestmark = pytest.mark.django_db
SEARCH = reverse("search")


def groups(client, q):
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    return {g.label: g for g in response.context["groups"]}


def test_finds_an_enterprise_by_name_and_by_credit_code_in_any_case(staff_client, township):
    firm = f.EnterpriseFactory(name="青河晶万汽车尾气净化装置有限公司", township=township)
    found = groups(staff_client, "晶万")
    assert [text for text, _url in found["企业"].items] == [str(firm)]
    by_code = groups(staff_client, firm.credit_code.lower()[-8:])
    assert by_code["企业"].items[0][1] == firm.get_absolute_url()


def test_results_are_grouped_by_kind_and_name_people_and_projects(staff_client, township):
    firm = f.EnterpriseFactory(name="福嘉农业科技有限公司", township=township)
    f.TalentProjectFactory(candidate="福嘉某", enterprise=firm)
    f.PlatformFactory(name="福嘉科创众创空间", host=firm)
    found = groups(staff_client, "福嘉")
    assert {"企业", "人才工程项目", "创新平台"} <= set(found)


def test_a_liaison_finds_only_their_townships_records(liaison_client, township, other_township):
    f.EnterpriseFactory(name="城关测试企业", township=township)
    f.EnterpriseFactory(name="东山测试企业", township=other_township)
    found = groups(liaison_client, "测试企业")
    assert [text.split("（")[0] for text, _ in found["企业"].items] == ["城关测试企业"]


def test_at_most_five_of_a_kind_with_a_link_to_all_of_them(staff_client, township):
    for n in range(7):
        f.EnterpriseFactory(name=f"批量企业{n}", township=township)
    group = groups(staff_client, "批量企业")["企业"]
    assert len(group.items) == 5 and group.more
    assert (
        group.all_url
        == reverse("enterprises:enterprise-list") + "?q=%E6%89%B9%E9%87%8F%E4%BC%81%E4%B8%9A"
    )
    listed = staff_client.get(group.all_url).content.decode()
    assert listed.count("批量企业") >= 7


def test_the_search_costs_the_same_queries_for_few_or_many_matches(staff_client, township):
    staff_client.get(SEARCH, {"q": "企业"})  # the header's cached reads, once

    def count():
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(SEARCH, {"q": "企业"})
        return len(queries)

    f.EnterpriseFactory(name="企业甲", township=township)
    few = count()
    for n in range(12):
        f.EnterpriseFactory(name=f"企业{n}", township=township)
        f.TalentProjectFactory(candidate=f"企业人{n}")
    assert count() == few


def test_nothing_for_an_account_without_a_role_and_hostile_input_is_harmless(
    client_for, outsider_user, staff_client
):
    assert client_for(outsider_user).get(SEARCH, {"q": "企业"}).context["groups"] == []
    for hostile in ("\x00\x0b", "%", "_" * 5000, "' OR 1=1 --"):
        assert staff_client.get(SEARCH, {"q": hostile}).status_code == 200
    # A lone surrogate, as a browser would send it: bytes that are not UTF-8.
    assert staff_client.get(SEARCH + "?q=%00%ED%A0%80").status_code == 200


def test_follow_up_notes_are_found_on_records_the_user_may_see(
    staff_client, liaison_client, township, other_township
):
    from django.contrib.contenttypes.models import ContentType

    from bureau.models import FollowUpNote

    mine = f.EnterpriseFactory(township=township)
    theirs = f.EnterpriseFactory(township=other_township)
    kind = ContentType.objects.get_for_model(type(mine))
    for record in (mine, theirs):
        FollowUpNote.objects.create(
            content_type=kind, object_id=record.pk, date="2026-03-01", text="催交研发费用辅助账"
        )
    assert len(groups(staff_client, "辅助账")["跟进记录"].items) == 2
    found = groups(liaison_client, "辅助账")["跟进记录"].items
    assert [url for _text, url in found] == [mine.get_absolute_url() + "#follow-up"]


TRIGRAM = [(table, column) for table, columns in TRIGRAM_COLUMNS.items() for column in columns]


@pytest.mark.parametrize(("table", "column"), TRIGRAM)
def test_the_search_condition_can_use_the_trigram_index(table, column, township):
    """The index (bureau/trigram.py) is on the very expression Django writes for icontains:
    with sequential scans priced out, PostgreSQL reads it, not the table. Every column the
    header search reads has one (a table read whole was 5-20 ms a kind at province scale)."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    path = next(field.name for field in model._meta.fields if field.column == column)
    matching = model._base_manager.filter(**{f"{path}__icontains": "青河区"})
    sql, params = matching.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"{table}_{column}_trgm" in plan, plan


def test_every_column_the_header_search_reads_is_trigram_indexed():
    from portal.search import _kinds, _trigram_indexed

    for viewset in _kinds():
        for path in viewset.search_fields:
            model, *relations, name = [viewset.model, *path.split("__")]
            for relation in relations:
                model = model._meta.get_field(relation).related_model
            assert _trigram_indexed(model, name), (viewset.model, path)


def test_a_related_name_is_searched_in_its_own_table(staff_client, township):
    """The enterprises matching are read first, once for every kind that searches their
    names, and named by id: a list of ids can be read from the foreign key's index beside the
    kind's own trigram indexes, where a subquery made PostgreSQL read the kind whole."""
    enterprise = f.EnterpriseFactory(township=township, name="青河精密机械有限公司")
    f.TalentProjectFactory(enterprise=enterprise, candidate="王工")
    f.PlatformFactory(host=enterprise, name="青河众创空间")
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(reverse("search"), {"q": "精密机械"}).content.decode()
    assert "王工" in page and "青河众创空间" in page
    names = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "enterprises_enterprise"."id" AS "pk"')
        and '"legal_representative"' not in q["sql"]
    ]
    assert len(names) == 1, names  # read once for talents, experts, projects and platforms
    talent = [q["sql"] for q in queries if 'FROM "talents_talentproject"' in q["sql"]]
    assert f'"enterprise_id" IN ({enterprise.pk})' in talent[0], talent
    assert "IN (SELECT" not in talent[0]


def test_a_related_name_matching_many_records_is_joined(monkeypatch, staff_user, township):
    """More related matches than are collected: the kind is joined to them and each of its rows
    tested as it is read, with the same result."""
    from portal import search as search_module

    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", 2)
    firms = [f.EnterpriseFactory(township=township, name=f"青河精密{n}厂") for n in range(4)]
    project = f.TalentProjectFactory(enterprise=firms[2], candidate="王工")
    with CaptureQueriesContext(connection) as queries:
        found = search_module.search(staff_user, "河精密")
    assert str(project) in [text for g in found for text, _url in g.items]
    talent = [q["sql"] for q in queries if 'FROM "talents_talentproject"' in q["sql"]]
    assert 'INNER JOIN "enterprises_enterprise"' in talent[0], talent


def test_a_credit_code_is_not_read_for_text_no_code_can_hold(staff_client, township):
    """A credit code holds digits and 24 capital letters only (its validator's alphabet): for
    a name, which no index serves in a 200,000-row column when it has one or two characters,
    the column is not read; a fragment of a code, in any case, still finds it."""
    firm = f.EnterpriseFactory(name="青河晶万汽车有限公司", township=township)
    for text in ("晶万", "晶万汽车"):
        with CaptureQueriesContext(connection) as queries:
            assert [t for t, _url in groups(staff_client, text)["企业"].items] == [str(firm)]
        enterprise = [q["sql"] for q in queries if 'FROM "enterprises_enterprise"' in q["sql"]]
        assert enterprise and not any('"credit_code"::text) LIKE' in q for q in enterprise)
    for text in (firm.credit_code[-6:].lower(), firm.credit_code[3:5]):
        assert groups(staff_client, text)["企业"].items[0][1] == firm.get_absolute_url()


@pytest.mark.parametrize("candidates", [3, 1000])
def test_three_characters_or_more_find_the_first_ones_in_the_list_s_order(
    monkeypatch, settings, staff_user, township, candidates
):
    """The matches are collected first, then the first few taken in the list's order; with
    more matches than are collected, the list's order is read at once: the same few."""
    from portal import search as search_module

    monkeypatch.setattr(search_module, "SEARCH_CANDIDATES", candidates)
    for n in (9, 3, 7, 1, 8, 2, 6, 4):
        f.EnterpriseFactory(name=f"青河精工{n}号", township=township)
    f.EnterpriseFactory(name="别的企业", township=township)
    groups = search_module.search(staff_user, "河精工")
    enterprises = next(g for g in groups if g.label == "企业")
    in_order = [f"青河精工{n}号" for n in (1, 2, 3, 4, 6, 7, 8, 9)]
    assert [text for text, _url in enterprises.items] == in_order[: len(enterprises.items)]
    assert len(enterprises.items) == settings.GLOBAL_SEARCH_PER_KIND
    assert enterprises.more


def test_the_planner_hint_of_a_search_does_not_outlive_it(staff_user, township):
    """Collecting the matches of a fully indexed kind tells PostgreSQL to read no table whole;
    the session's setting is back as it was afterwards, and the matches are the same."""
    from portal import search as search_module

    f.EnterpriseFactory(name="青河精工甲", township=township)
    groups = search_module.search(staff_user, "河精工")
    assert [text for text, _url in next(g for g in groups if g.label == "企业").items] == [
        "青河精工甲"
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
