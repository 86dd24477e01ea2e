"""Small holes of the attack run (issue 23, findings 5, 9 and 10).

5. Shared saved views are bounded: at most ``MAX_PER_USER`` per user, the newest
   ``SHARED_SHOWN`` shared ones shown (the rest behind 更多), counted in bounded batches.
9. ``?sort=`` takes ``col`` or ``-col`` only: ``--col`` keeps the list's default order on every
   list, for every role, and a saved view keeping it opens for everyone it is shared with.
10. Two people creating one unique thing at once: the second gets the form's own message,
   never a 500 from the IntegrityError the database raises. The race is run for real: another
   connection holds the conflicting row uncommitted until our insert waits on it.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse

from bureau import accounts
from bureau.models import SavedView, User
from bureau.saved_views import MAX_PER_USER, saved_view_save
from enterprises.models import Enterprise
from portal.registry import viewset_for
from portal.saved_views import COUNT_BATCH, SHARED_SHOWN
from reports.annual import services as annual
from reports.models import AnnualReport
from tests import factories as f
from tests.crud_cases import CASES

ENTERPRISES = "enterprises.enterprise"


def _list_url(model):
    return reverse(viewset_for(model).url_name("list"))


# ---- 9. sort ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_doubled_dash_sort_keeps_the_default_order_on_every_list(
    case, township, admin_client_, staff_client, liaison_client, leader_client
):
    case.make(township)
    column = viewset_for(case.model).columns[0].name
    for client in (admin_client_, staff_client, liaison_client, leader_client):
        for sort in (f"--{column}", f"---{column}", f"-{column}-"):
            response = client.get(_list_url(case.model), {"sort": sort})
            assert response.status_code != 500, sort
            assert response.status_code in (200, 403, 404), (sort, response.status_code)


@pytest.mark.django_db
def test_a_shared_saved_view_keeping_a_bad_sort_opens_for_everyone(
    township, staff_user, client_for, django_user_model
):
    f.EnterpriseFactory(township=township)
    view = SavedView.objects.create(
        owner=staff_user, entity=ENTERPRISES, name="坏排序", query="sort=--name", shared=True
    )
    colleague = f.UserFactory(username="colleague", role="staff")
    response = client_for(colleague).get(reverse("saved-view-open", args=[view.pk]), follow=True)
    assert response.status_code == 200
    assert client_for(colleague).get(_list_url(Enterprise) + "?sort=--name").status_code == 200


# ---- 5. saved views are bounded -----------------------------------------------------------


@pytest.mark.django_db
def test_saving_past_the_cap_is_refused_with_a_message(staff_user, staff_client):
    SavedView.objects.bulk_create(
        SavedView(owner=staff_user, entity=ENTERPRISES, name=f"v{n}", shared=True)
        for n in range(MAX_PER_USER)
    )
    with pytest.raises(ValidationError, match="最多保存50个筛选"):
        saved_view_save(user=staff_user, name="one more", entity=ENTERPRISES, query="")
    response = staff_client.post(
        reverse("saved-view-save"),
        {"entity": ENTERPRISES, "query": "", "name": "页面上再存"},
        follow=True,
    )
    assert "最多保存50个筛选" in response.content.decode()
    assert SavedView.objects.filter(owner=staff_user).count() == MAX_PER_USER


@pytest.mark.django_db
def test_the_workbench_shows_the_newest_shared_views_and_more_in_bounded_queries(
    township, liaison_user, client_for, django_assert_max_num_queries
):
    sharers = [
        f.UserFactory(username=f"sharer{n}", role="liaison", township=township) for n in range(4)
    ]
    SavedView.objects.bulk_create(
        SavedView(owner=sharer, entity=ENTERPRISES, name=f"共享{n}", shared=True)
        for sharer in sharers
        for n in range(MAX_PER_USER)
    )
    client = client_for(liaison_user)
    page = client.get(reverse("reports:workbench")).content.decode()
    newest = SavedView.objects.order_by("-created_at", "-pk").first()
    shown = page.split('id="my-saved-views"', 1)[1].split("</ul>", 1)[0]
    assert shown.count('gap-2 saved-view"') == SHARED_SHOWN
    assert newest.name in shown
    assert f"更多（另有 {4 * MAX_PER_USER - SHARED_SHOWN} 个共享筛选）" in page
    strip = client.get(_list_url(Enterprise)).content.decode()
    assert strip.count('class="btn btn-sm btn-light border saved-view"') == SHARED_SHOWN
    assert "更多（另有" in strip


def test_counts_are_asked_in_batches():
    assert COUNT_BATCH * 2 < 1664  # PostgreSQL's limit on a select list, with room to spare


# ---- 10. simultaneous creation ------------------------------------------------------------


def _race(other_insert, mine):
    """Run ``other_insert`` in another connection's transaction and hold it uncommitted until
    ``mine`` (in a thread of its own) waits on it; then commit. Returns what ``mine`` raised."""
    ready, release, outcome = threading.Event(), threading.Event(), {}

    def other():
        from django.db import transaction

        try:
            with transaction.atomic():
                other_insert()
                ready.set()
                release.wait(15)
        finally:
            connections.close_all()

    def run_mine():
        try:
            mine()
        except Exception as error:  # noqa: BLE001 - the test inspects what was raised
            outcome["error"] = error
        finally:
            connections.close_all()

    holder = threading.Thread(target=other)
    holder.start()
    assert ready.wait(15)
    runner = threading.Thread(target=run_mine)
    runner.start()
    deadline = time.monotonic() + 15
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    release.set()
    holder.join(20)
    runner.join(20)
    return outcome.get("error")


@pytest.mark.django_db(transaction=True)
def test_a_saved_view_name_taken_at_the_same_moment_gets_the_forms_message():
    owner = f.UserFactory(username="owner", role="staff")
    error = _race(
        lambda: SavedView.objects.create(owner=owner, entity=ENTERPRISES, name="同名"),
        lambda: saved_view_save(user=owner, name="同名", entity=ENTERPRISES, query=""),
    )
    assert isinstance(error, ValidationError), repr(error)
    assert "同名的筛选" in str(error)
    assert SavedView.objects.filter(owner=owner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_user_name_taken_at_the_same_moment_gets_the_forms_message():
    admin = f.UserFactory(username="padmin", role="admin")
    error = _race(
        lambda: User.objects.create(username="newbie", role="staff"),
        lambda: accounts.user_create(actor=admin, username="newbie", full_name="新", role="staff"),
    )
    assert isinstance(error, ValidationError), repr(error)
    assert "username" in error.message_dict
    assert User.objects.filter(username="newbie").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_years_report_created_at_the_same_moment_gets_the_forms_message():
    staff = f.UserFactory(username="writer", role="staff")
    error = _race(
        lambda: AnnualReport.objects.create(year=2025, created_by=staff),
        lambda: annual.report_create(year=2025, user=staff),
    )
    assert isinstance(error, ValidationError), repr(error)
    assert "year" in error.message_dict
    assert AnnualReport.objects.filter(year=2025).count() == 1
