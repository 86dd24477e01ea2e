"""The header search for texts of one or two characters, which trigrams cannot serve: on
PostgreSQL they are matched by the short-text index (bureau/trigram.py) and looked for table by
table (portal/search.py ``_found``), with the same results as a plain ``icontains`` — a match
anywhere in a value, the list's order, the user's scope."""

import pytest
from django.db import connection
from django.db.models import F, Q
from django.urls import reverse

from bureau.models import Role, User
from bureau.trigram import SHORT_GRAMS, SHORT_GRAMS_QUERY, SHORT_TEXT_COLUMNS, ShortIContains
from portal import registry
from portal.search import search
from tests import factories as f

pytestmark = pytest.mark.django_db
SEARCH = reverse("search")

ONE, TWO = "燚", "龘靐"  # in the middle of each value below, and nowhere else


def found(client, q):
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    return {g.label: [text for text, _url in g.items] for g in response.context["groups"]}


def middle(before, after):
    return f"{before}{ONE}{TWO}{after}"


def test_one_and_two_characters_in_the_middle_of_a_value_of_every_kind(staff_client, township):
    firm = f.EnterpriseFactory(name=middle("青河", "机械有限公司"), township=township)
    village = f.VillageFactory(township=township, name=middle("东", "庄村"))
    records = {
        "企业": firm,
        "人才工程项目": f.TalentProjectFactory(candidate=middle("王", "明")),
        "外国专家": f.ForeignExpertFactory(name=middle("Anna ", " Berg")),
        "科技特派员": f.CommissionerFactory(name=middle("李", "华")),
        "引智项目": f.IntroProjectFactory(title=middle("蓝莓", "引进项目")),
        "创新平台": f.PlatformFactory(name=middle("华泰", "众创空间")),
        "扶贫工作重点村": f.KeyVillageFactory(village=f.VillageFactory(name=middle("西", "村"))),
        "村（社区）": village,
    }
    for text in (ONE, TWO, ONE + TWO[0]):
        groups = found(staff_client, text)
        for label, record in records.items():
            assert label in groups, (text, label, groups)
            assert str(record) in groups[label], (text, label, groups[label])


def test_a_kind_is_found_by_one_or_two_characters_of_a_related_name(staff_client, township):
    firm = f.EnterpriseFactory(name=middle("青河", "材料有限公司"), township=township)
    related = {
        "人才工程项目": f.TalentProjectFactory(enterprise=firm),
        "外国专家": f.ForeignExpertFactory(employer=firm),
        "引智项目": f.IntroProjectFactory(host=firm),
        "创新平台": f.PlatformFactory(host=firm),
    }
    for text in (ONE, TWO):
        groups = found(staff_client, text)
        for label, record in related.items():
            assert str(record) in groups.get(label, []), (text, label, groups)


def test_a_liaison_finds_only_their_townships_records_by_two_characters(
    liaison_client, township, other_township
):
    mine = f.EnterpriseFactory(name=middle("城关", "企业"), township=township)
    f.EnterpriseFactory(name=middle("东山", "企业"), township=other_township)
    f.PlatformFactory(
        name=middle("东山", "空间"), host=f.EnterpriseFactory(township=other_township)
    )
    groups = found(liaison_client, TWO)
    assert groups == {"企业": [str(mine)]}


@pytest.mark.parametrize("who", [Role.STAFF, Role.LIAISON])
def test_the_same_records_in_the_same_order_as_icontains(who, township, other_township):
    """Every kind's first records for short (and longer) texts, against one ``icontains``
    query over its searched fields in its list's order."""
    for n, name in enumerate(["甲乙科技", "乙甲科技", "科技甲", "丙丁", "丁丙甲乙", "a%b_c"]):
        firm = f.EnterpriseFactory(
            name=f"{name}有限公司{n}", township=[township, other_township][n % 2]
        )
        f.TalentProjectFactory(enterprise=firm, candidate=f"{name[:2]}人{n}")
        f.PlatformFactory(host=firm, name=f"{name[::-1]}空间{n}")
    user = User(username="short-text", role=who, township=township)
    per_kind = 5
    kinds = {str(v.model._meta.verbose_name_plural): v for v in registry.viewsets()}
    for text in ("甲", "乙甲", "科", "%", "_", "B", "a%", "科技甲", "没有"):
        groups = {g.label: g for g in search(user, text)}
        for label, viewset in kinds.items():
            if label not in groups and not viewset.search_fields:
                continue
            condition = Q()
            for path in viewset.search_fields or ():
                condition |= Q(**{f"{path}__icontains": text})
            expected = list(viewset.get_queryset(user).filter(condition)[: per_kind + 1])
            group = groups.get(label)
            got = [text_ for text_, _url in group.items] if group else []
            assert got == [str(row) for row in expected[:per_kind]], (text, label)
            assert (group.more if group else False) == (len(expected) > per_kind), (text, label)


def test_the_short_text_condition_can_use_its_index(township):
    from enterprises.models import Enterprise

    f.EnterpriseFactory(name=middle("青河", "公司"), township=township)
    for column in SHORT_TEXT_COLUMNS["enterprises_enterprise"]:
        matching = Enterprise.objects.filter(ShortIContains(F(column), TWO))
        sql, params = matching.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert f"enterprises_enterprise_{column}_short" in plan, plan
        assert list(matching.values_list("name", flat=True)) == (
            [middle("青河", "公司")] if column == "name" else []
        )


def test_no_trigram_index_is_chosen_for_one_or_two_characters(township):
    """A trigram index cannot narrow a text of two characters (it returns every row, each then
    rechecked: 12,000 commissioners, 130 ms), so the short-text condition is not a LIKE the
    planner could give one, whatever the statistics say: the plan names only short indexes."""
    from poverty.models import Commissioner

    f.CommissionerFactory(name=middle("李", "华"))
    condition = Q()
    for column in SHORT_TEXT_COLUMNS["poverty_commissioner"]:
        condition |= Q(ShortIContains(F(column), TWO))
    matching = Commissioner.objects.filter(condition)
    sql, params = matching.order_by().values("pk").query.sql_with_params()
    assert "LIKE" not in sql, sql  # nothing a trigram index could be offered for
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "_short" in plan and "_trgm" not in plan, plan
    assert list(matching.values_list("name", flat=True)) == [middle("李", "华")]


def test_every_column_the_search_expects_indexed_has_its_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE indexdef LIKE %s",
            [f"%{SHORT_GRAMS}(upper%"],
        )
        indexed = {(table, name) for table, name in cursor.fetchall()}
    expected = {
        (table, f"{table}_{column}_short")
        for table, columns in SHORT_TEXT_COLUMNS.items()
        for column in columns
    }
    assert indexed == expected


def test_the_index_keys_are_the_two_character_substrings_and_the_last_character():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tsvector_to_array({SHORT_GRAMS}(%s)), {SHORT_GRAMS}(''), {SHORT_GRAMS}(NULL)",
            ["a科技b"],
        )
        keys, empty, null = cursor.fetchone()
    assert sorted(keys) == sorted(["a科", "科技", "技b", "b"])
    assert (empty, null) == ("", None)


@pytest.mark.parametrize(
    "text", ["科", "科技", "技b", "b", "a", "\\", "'", "a'", ":*", "&", "!", "<-", " x"]
)
def test_a_text_is_found_by_its_query_exactly_where_it_occurs(text):
    """The query of one character finds it anywhere (as the start of a two-character key, or
    the last character), of two exactly those two together; quotes, backslashes and the
    tsquery's operators are text like any other."""
    values = ["a科技b", f"x{text}y", text, f"{text}z", f"z{text}", "nothing", ""]
    with connection.cursor() as cursor:
        for value in values:
            cursor.execute(
                f"SELECT {SHORT_GRAMS}(%s) @@ {SHORT_GRAMS_QUERY}(%s)",
                [value.upper(), text.upper()],
            )
            assert cursor.fetchone()[0] == (text.upper() in value.upper()), (text, value)
