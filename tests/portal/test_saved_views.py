"""我的筛选 (issue 16): a list's filters and sort saved under a name, private or shared with the
users of the owner's role, opened with one click from the list and the workbench; only the owner
renames or deletes; a condition that no longer validates opens with a note, not an error."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bureau.models import SavedView
from tests import factories as f

pytestmark = pytest.mark.django_db

ENTERPRISES = "enterprises.enterprise"
HITECH = "enterprises.hitechapplication"
WORKBENCH = reverse("reports:workbench")


def list_path(entity: str) -> str:
    app, model = entity.split(".")
    return reverse(f"{app}:{model}-list")


def save(client, name, query="", entity=ENTERPRISES, shared=False):
    data = {"entity": entity, "query": query, "name": name}
    if shared:
        data["shared"] = "on"
    return client.post(reverse("saved-view-save"), data)


def view_of(user, name="城关规上", query="", entity=ENTERPRISES, shared=False) -> SavedView:
    return SavedView.objects.create(
        owner=user, name=name, query=query, entity=entity, shared=shared
    )


def open_url(view) -> str:
    return reverse("saved-view-open", args=[view.pk])


def opened(client, view):
    """The list a view opens (following the redirect), with its messages."""
    response = client.get(open_url(view), follow=True)
    assert response.status_code == 200
    return response


def notes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def listed(response) -> set[int]:
    return {obj.pk for obj in response.context["object_list"]}


def test_save_keeps_filters_and_sort_without_the_page(staff_client, township):
    response = save(
        staff_client, " 城关规上 ", f"township={township.pk}&is_above_scale=true&sort=-name&page=2"
    )
    view = SavedView.objects.get()
    assert (view.name, view.entity, view.shared) == ("城关规上", ENTERPRISES, False)
    assert view.query == f"township={township.pk}&is_above_scale=true&sort=-name"
    assert response.status_code == 302
    assert response["Location"] == f"{list_path(ENTERPRISES)}?{view.query}"


def test_a_view_opens_the_list_with_its_filters_and_sort(
    staff_client, staff_user, township, other_township
):
    wanted = [
        f.EnterpriseFactory(township=township, is_above_scale=True, name=n)
        for n in ("A公司", "B公司")
    ]
    f.EnterpriseFactory(township=township, is_above_scale=False)
    f.EnterpriseFactory(township=other_township, is_above_scale=True)
    view = view_of(staff_user, query=f"township={township.pk}&is_above_scale=true&sort=-name")
    response = opened(staff_client, view)
    assert response.redirect_chain == [(f"{list_path(ENTERPRISES)}?{view.query}", 302)]
    assert listed(response) == {obj.pk for obj in wanted}
    assert [row.cells[0] for row in response.context["table"].rows] == ["B公司", "A公司"]
    assert notes(response) == []


def test_the_list_page_shows_own_and_shared_views_to_open_in_one_click(
    staff_client, staff_user, leader_user
):
    colleague = f.UserFactory(role="staff")
    mine = view_of(staff_user, "我的")
    theirs = view_of(colleague, "同事共享", shared=True)
    private = view_of(colleague, "同事私有")
    leaders = view_of(leader_user, "领导共享", shared=True)
    other_list = view_of(staff_user, "别的列表", entity=HITECH)
    page = staff_client.get(list_path(ENTERPRISES)).content.decode()
    assert open_url(mine) in page and open_url(theirs) in page
    for hidden in (private, leaders, other_list):
        assert open_url(hidden) not in page
    assert "保存当前筛选" in page and 'name="csrfmiddlewaretoken"' in page


def test_private_views_open_for_their_owner_only_and_shared_for_the_same_role(
    client_for, staff_user, leader_user
):
    colleague = f.UserFactory(role="staff")
    private = view_of(staff_user, "私有")
    shared = view_of(staff_user, "共享", shared=True)
    assert client_for(staff_user).get(open_url(private)).status_code == 302
    assert client_for(colleague).get(open_url(private)).status_code == 404
    assert client_for(colleague).get(open_url(shared)).status_code == 302
    # Shared with the owner's role, not with everyone.
    assert client_for(leader_user).get(open_url(shared)).status_code == 404


def test_the_owner_renames_shares_and_deletes(staff_client, staff_user):
    view = view_of(staff_user, "旧名")
    response = staff_client.post(
        reverse("saved-view-update", args=[view.pk]), {"name": "新名", "shared": "on"}
    )
    assert response.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.shared) == ("新名", True)
    page = staff_client.get(reverse("saved-views")).content.decode()
    assert "新名" in page
    response = staff_client.post(reverse("saved-view-delete", args=[view.pk]))
    assert response.status_code == 302
    assert not SavedView.objects.exists()


def test_another_user_cannot_rename_or_delete_even_a_shared_view(client_for, staff_user):
    view = view_of(staff_user, "共享", shared=True)
    colleague = client_for(f.UserFactory(role="staff"))
    rename = colleague.post(reverse("saved-view-update", args=[view.pk]), {"name": "改掉"})
    delete = colleague.post(reverse("saved-view-delete", args=[view.pk]))
    assert (rename.status_code, delete.status_code) == (404, 404)
    view.refresh_from_db()
    assert view.name == "共享"


@pytest.mark.parametrize(
    "name,message",
    [
        ("", "请填写筛选的名称。"),
        ("甲" * 41, "名称最多40个字（现有41个）。"),
        ("重名", "您在这个列表已有同名的筛选，请换一个名称。"),
    ],
)
def test_a_name_is_required_short_and_unique_per_owner_and_list(
    staff_client, staff_user, name, message
):
    view_of(staff_user, "重名")
    response = save(staff_client, name)
    assert response.status_code == 302
    assert SavedView.objects.count() == 1
    assert any(message in note for note in notes(staff_client.get(response["Location"])))


def test_the_same_name_is_fine_on_another_list_or_for_another_user(
    staff_client, staff_user, client_for
):
    view_of(staff_user, "常用")
    save(staff_client, "常用", entity=HITECH)
    save(client_for(f.UserFactory(role="staff")), "常用")
    assert SavedView.objects.filter(name="常用").count() == 3


def test_renaming_to_a_name_taken_is_refused(staff_client, staff_user):
    view_of(staff_user, "甲")
    view = view_of(staff_user, "乙")
    staff_client.post(reverse("saved-view-update", args=[view.pk]), {"name": "甲"})
    view.refresh_from_db()
    assert view.name == "乙"


def test_a_list_the_user_may_not_see_cannot_be_saved(liaison_client, staff_client):
    # Commissioners are district-wide: a liaison has no such list.
    assert save(liaison_client, "特派员", entity="poverty.commissioner").status_code == 404
    assert save(staff_client, "不存在", entity="nothing.here").status_code == 404
    assert not SavedView.objects.exists()


def test_a_view_whose_conditions_no_longer_validate_opens_with_a_note(
    staff_client, staff_user, township
):
    industry = f.IndustryFactory(name="已撤销的产业")
    gone = industry.pk
    industry.delete()
    kept = f.HiTechApplicationFactory(year=2024, enterprise__township=township)
    f.HiTechApplicationFactory(year=2023, enterprise__township=township)
    view = view_of(
        staff_user,
        "旧筛选",
        entity=HITECH,
        query="year=2024&status=withdrawn&retired_field=1&sort=bogus",
    )
    response = opened(staff_client, view)
    assert response.redirect_chain == [(f"{list_path(HITECH)}?year=2024", 302)]
    assert listed(response) == {kept.pk}
    (note,) = notes(response)
    assert note.startswith("已保存的筛选「旧筛选」中的条件“")
    assert note.endswith("已失效，已忽略。")
    for dropped in ("withdrawn", "retired_field：1", "排序：bogus"):
        assert dropped in note
    # A related record since deleted: the same.
    enterprises = view_of(staff_user, "按产业", query=f"industry={gone}&is_above_scale=true")
    response = opened(staff_client, enterprises)
    assert response.redirect_chain == [(f"{list_path(ENTERPRISES)}?is_above_scale=true", 302)]
    assert f"：{gone}" in notes(response)[0]


def test_a_liaisons_view_applies_to_their_township_only(
    liaison_client, liaison_user, township, other_township, client_for
):
    own = f.EnterpriseFactory(township=township, is_above_scale=True)
    f.EnterpriseFactory(township=other_township, is_above_scale=True)
    save(liaison_client, "规上", "is_above_scale=true", shared=True)
    view = SavedView.objects.get()
    assert listed(opened(liaison_client, view)) == {own.pk}
    (card,) = liaison_client.get(WORKBENCH).context["saved_views"]
    assert card.count == 1
    # Shared with another township's liaison, it opens their township's records.
    neighbour = client_for(f.UserFactory(role="liaison", township=other_township))
    theirs = listed(opened(neighbour, view))
    assert theirs and own.pk not in theirs
    # A condition naming the first township is not theirs to choose: dropped, with the note.
    pinned = view_of(view.owner, "城关", query=f"township={township.pk}", shared=True)
    response = opened(neighbour, pinned)
    assert own.pk not in listed(response)
    assert "已失效，已忽略" in notes(response)[0]


def test_workbench_card_counts_what_each_view_opens(staff_client, staff_user, township):
    for above in (True, True, False):
        f.EnterpriseFactory(township=township, is_above_scale=above)
    f.HiTechApplicationFactory(year=2024, status="publicity", enterprise__township=township)
    f.HiTechApplicationFactory(year=2024, status="applied", enterprise__township=township)
    views = [
        view_of(staff_user, "规上", query="is_above_scale=true&sort=name"),
        view_of(staff_user, "全部"),
        view_of(staff_user, "公示", entity=HITECH, query="status=publicity&year=2024"),
        view_of(staff_user, "公示或申报", entity=HITECH, query="status__in=publicity,applied"),
        view_of(staff_user, "失效条件", entity=HITECH, query="status=withdrawn&year=2024"),
    ]
    response = staff_client.get(WORKBENCH)
    cards = {card.view.pk: card for card in response.context["saved_views"]}
    assert set(cards) == {view.pk for view in views}
    for view in views:
        opened_list = opened(staff_client, view)
        assert cards[view.pk].count == opened_list.context["table"].page.paginator.count, view
        assert cards[view.pk].url == open_url(view)
    assert [cards[v.pk].count for v in views] == [
        2,
        5,
        1,
        2,
        2,
    ]  # the applications have enterprises too
    assert "我的筛选" in response.content.decode()


def test_workbench_queries_do_not_grow_with_the_views(staff_client, staff_user, township):
    industry = f.IndustryFactory()
    view_of(staff_user, "一", query=f"township={township.pk}")
    staff_client.get(WORKBENCH)  # the header's cached reads, once

    def count():
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(WORKBENCH)
        return len(queries)

    few = count()
    for n in range(6):
        view_of(staff_user, f"企业{n}", query=f"township={township.pk}&industry={industry.pk}")
        view_of(staff_user, f"高企{n}", entity=HITECH, query=f"enterprise__township={township.pk}")
    assert count() == few + 1  # the related records of a second kind (industries), once


def test_the_list_page_queries_do_not_grow_with_the_views(staff_client, staff_user):
    colleague = f.UserFactory(role="staff")
    view_of(staff_user, "一")

    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            staff_client.get(list_path(ENTERPRISES))
        return len(queries)

    few = count()
    for n in range(10):
        view_of(staff_user, f"我的{n}", query=f"sort=name&q={n}")
        view_of(colleague, f"共享{n}", shared=True)
    assert count() == few


def test_writes_are_csrf_protected_posts(staff_user, staff_client):
    view = view_of(staff_user, "甲")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user)
    for url, data in [
        (reverse("saved-view-save"), {"entity": ENTERPRISES, "name": "乙"}),
        (reverse("saved-view-update", args=[view.pk]), {"name": "丙"}),
        (reverse("saved-view-delete", args=[view.pk]), {}),
    ]:
        assert strict.post(url, data).status_code == 403, url
        assert staff_client.get(url).status_code == 405, url
    view.refresh_from_db()
    assert view.name == "甲" and SavedView.objects.count() == 1


@pytest.mark.parametrize(
    "persona,status",
    [
        ("admin_user", 200),
        ("staff_user", 200),
        ("liaison_user", 200),
        ("leader_user", 200),
        ("outsider_user", 403),
    ],
)
def test_the_management_page_for_each_persona(persona, status, request, client_for):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("saved-views")).status_code == status
