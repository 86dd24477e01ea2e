"""The states a report version moves through (issue 22): 草稿 → 待审定 (locked) → 已审定 (frozen),
or 退回 / 撤回 back to editable. Every allowed transition, and each forbidden one: an edit
while the version is pending (also racing the submission), a decision on a superseded,
withdrawn or never submitted version, and a second approval of the same version."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse

from bureau.models import Notification
from reports.annual import selectors, services
from reports.models import AnnualReport, ReportReview, YearClosing
from tests import factories as f
from tests.reports.annual_data import YEAR, approve, build_year

pytestmark = pytest.mark.django_db
Action = ReportReview.Action
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"reports:annual-{name}", args=args)


@pytest.fixture
def report(staff_user):
    build_year()
    return services.report_create(year=YEAR, user=staff_user)


def state(report, number):
    return selectors.report_review_state(report, report.versions.get(number=number))


def unread(user):
    return list(Notification.objects.filter(recipient=user, read_at__isnull=True))


def edits(report, user, base):
    """Every write that saves a version, as staff would make them on ``base``."""
    return [
        lambda: services.report_paragraph_update(
            report=report, user=user, base=base, key="problems.1", text="待审定时的修改。"
        ),
        lambda: services.report_paragraph_insert(
            report=report, user=user, base=base, after="problems.1", kind="body", text="新段落。"
        ),
        lambda: services.report_paragraph_delete(
            report=report, user=user, base=base, key="problems.1"
        ),
        lambda: services.report_paragraph_reset(
            report=report, user=user, base=base, key="problems.1"
        ),
        lambda: services.report_refresh_figures(report=report, user=user, base=base),
        lambda: services.report_version_restore(
            version=report.versions.get(number=base), user=user
        ),
    ]


# --- allowed transitions ----------------------------------------------------------------------


def test_a_new_report_is_a_draft_and_submitting_makes_it_pending(report, staff_user):
    assert state(report, 1).label == "草稿" and state(report, 1).editable
    services.report_submit(report=report, user=staff_user, base=1)
    pending = state(report, 1)
    assert pending.label == "待审定" and pending.awaiting_approval and not pending.editable
    assert pending.review.by == staff_user


def test_pending_is_locked_for_every_edit_and_the_page_offers_none(
    report, staff_user, staff_client
):
    services.report_submit(report=report, user=staff_user, base=1)
    for edit in edits(report, staff_user, 1):
        with pytest.raises(ValidationError, match="审定期间不能修改"):
            edit()
    assert report.versions.count() == 1
    page = staff_client.get(url("detail", YEAR)).content.decode()
    assert 'id="report-locked"' in page and "撤回 v1" in page
    assert f'hx-get="/reports/annual/{YEAR}/paragraphs/' not in page and "提交审定 v1" not in page
    # the form opened before the submission is refused on save
    response = staff_client.post(
        url("paragraph", YEAR, "problems.1"), {"base": 1, "text": "改"}, **HTMX
    )
    assert "审定期间不能修改" in response.content.decode()
    assert report.versions.count() == 1


def test_staff_withdraw_a_pending_version_which_tells_the_leaders_and_leaves_their_queue(
    report, staff_user, staff_client, leader_user, client_for
):
    second = f.UserFactory(username="leader2", role="leader")
    services.report_submit(report=report, user=staff_user, base=1, note="请审定")
    assert len(unread(leader_user)) == 1 and list(selectors.reports_awaiting_approval()) == [report]

    response = staff_client.post(url("withdraw", YEAR), {"base": 1, "reason": "还要补充材料"})
    assert response.status_code == 302
    withdrawn = report.reviews.order_by("-at", "-pk").first()
    assert (withdrawn.action, withdrawn.by, withdrawn.comment) == (
        Action.WITHDRAWN,
        staff_user,
        "还要补充材料",
    )
    assert state(report, 1).label == "草稿" and state(report, 1).editable
    assert list(selectors.reports_awaiting_approval()) == []
    for leader in (leader_user, second):
        # the submission's notification is resolved; the withdrawal's is new
        texts = [n.text for n in unread(leader)]
        assert len(texts) == 1 and "已由" in texts[0] and "撤回" in texts[0]
        page = client_for(leader).get(reverse("reports:dashboard")).content.decode()
        assert 'id="leader-todo"' not in page
    # editable again, then submitted again
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="撤回后补充。"
    )
    services.report_submit(report=report, user=staff_user, base=2)
    assert state(report, 2).awaiting_approval


def test_withdrawing_needs_a_pending_version(report, staff_user, leader_user):
    with pytest.raises(ValidationError, match="不在待审定状态"):
        services.report_withdraw(report=report, user=staff_user, base=1)
    with pytest.raises(PermissionDenied):
        services.report_withdraw(report=report, user=leader_user, base=1)


def test_a_return_makes_the_version_editable_and_its_comments_stay_on_the_next_versions(
    report, staff_user, staff_client, leader_user
):
    services.report_submit(report=report, user=staff_user, base=1)
    services.report_version_return(
        version=report.versions.get(), user=leader_user, comment="问题部分要具体。"
    )
    assert state(report, 1).label == "退回" and state(report, 1).editable
    returned = unread(staff_user)
    assert len(returned) == 1 and "问题部分要具体" in returned[0].text
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="一是按意见修改。"
    )
    page = staff_client.get(url("detail", YEAR)).content.decode()
    assert 'id="report-returned"' in page and "问题部分要具体。" in page
    assert "提交审定 v2" in page
    # the return concerned v1, which v2 superseded: it no longer waits for the staff
    assert unread(staff_user) == []
    services.report_submit(report=report, user=staff_user, base=2)
    assert 'id="report-returned"' not in staff_client.get(url("detail", YEAR)).content.decode()


def test_approval_freezes_the_version_and_a_revision_is_a_new_draft(
    report, staff_user, leader_user
):
    version = approve(report.versions.get(), staff=staff_user, leader=leader_user, opinion="同意")
    assert state(report, 1).label == "已审定" and version.is_approved
    with pytest.raises(PermissionDenied):
        edits(report, staff_user, 1)[0]()
    revision = services.report_version_restore(version=version, user=staff_user)
    assert state(report, revision.number).label == "草稿"
    assert selectors.report_approved_version(report) == version


# --- forbidden decisions ----------------------------------------------------------------------


def test_a_version_never_submitted_cannot_be_approved_or_returned(
    report, leader_user, leader_client
):
    version = report.versions.get()
    with pytest.raises(ValidationError, match="只有待审定的版本才能审定"):
        services.report_version_approve(version=version, user=leader_user)
    with pytest.raises(ValidationError, match="只有待审定的版本才能退回"):
        services.report_version_return(version=version, user=leader_user, comment="改")
    page = leader_client.get(url("approve", YEAR, 1)).content.decode()
    assert 'id="not-decidable"' in page and "审定 v1</button>" not in page
    assert "审定或退回" not in leader_client.get(url("detail", YEAR)).content.decode()


def test_a_superseded_version_cannot_be_approved(report, staff_user, leader_user, leader_client):
    services.report_submit(report=report, user=staff_user, base=1)
    # the leader opens v1's page; meanwhile staff withdraw it and save v2
    services.report_withdraw(report=report, user=staff_user, base=1)
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="一是撤回后改过。"
    )
    services.report_submit(report=report, user=staff_user, base=2)
    v1 = report.versions.get(number=1)
    refused = leader_client.post(url("approve", YEAR, 1), {"confirm": "on"})
    assert "已被 v2 取代" in refused.content.decode()
    with pytest.raises(ValidationError, match="已被 v2 取代"):
        services.report_version_return(version=v1, user=leader_user, comment="改")
    assert not report.versions.filter(approved_at__isnull=False).exists()
    page = leader_client.get(url("approve", YEAR, 1)).content.decode()
    assert "v1 已被 v2 取代" in page and "审定 v1</button>" not in page


def test_a_submission_left_on_an_older_version_by_the_old_flow_cannot_be_approved(
    report, staff_user, leader_user
):
    # Data from before the lock: v1 submitted, then edited into v2 all the same.
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="一是旧流程的修改。"
    )
    v1 = report.versions.get(number=1)
    ReportReview.objects.create(report=report, version=v1, action=Action.SUBMITTED, by=staff_user)
    with pytest.raises(ValidationError, match="已被 v2 取代"):
        services.report_version_approve(version=v1, user=leader_user)


def test_a_second_approval_of_the_same_version_is_the_same_approval(
    report, staff_user, staff_client, leader_client
):
    staff_client.post(url("submit", YEAR), {"base": 1})
    first = leader_client.post(url("approve", YEAR, 1), {"confirm": "on", "opinion": "同意"})
    second = leader_client.post(url("approve", YEAR, 1), {"confirm": "on", "opinion": "同意"})
    assert first.status_code == second.status_code == 302
    assert report.reviews.filter(action=Action.APPROVED).count() == 1
    assert YearClosing.objects.filter(year=YEAR).count() == 1
    assert Notification.objects.filter(recipient=staff_user, text__contains="审定").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_are_one_approval(staff_user):
    """Two leaders' clicks in two connections at the same moment: the row lock lets one
    approve, the other finds it approved."""
    build_year()
    report = services.report_create(year=YEAR, user=staff_user)
    leaders = [f.UserFactory(username=f"boss{i}", role="leader") for i in range(2)]
    services.report_submit(report=report, user=staff_user, base=1)
    version = report.versions.get()
    barrier, errors = threading.Barrier(2), []

    def click(leader):
        try:
            barrier.wait()
            services.report_version_approve(version=version, user=leader, opinion="同意")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(leader,)) for leader in leaders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert report.reviews.filter(action=Action.APPROVED).count() == 1
    assert YearClosing.objects.filter(year=YEAR).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_the_submission_waits_for_it_and_is_refused(staff_user):
    """The edit-while-pending race: staff's paragraph save reaches the database while another
    tab's 提交审定 holds the report; it waits on the lock, then finds the version pending."""
    build_year()
    report = services.report_create(year=YEAR, user=staff_user)
    started, outcome = threading.Event(), {}

    def edit():
        started.set()
        try:
            outcome["version"] = services.report_paragraph_update(
                report=report, user=staff_user, base=1, key="problems.1", text="同时的修改。"
            )
        except ValidationError as error:
            outcome["error"] = error
        finally:
            connection.close()

    with transaction.atomic():
        services.report_submit(report=report, user=staff_user, base=1)
        thread = threading.Thread(target=edit)
        thread.start()
        started.wait(5)
        thread.join(1)
        assert thread.is_alive(), "the edit should wait for the submission's lock"
    thread.join(30)
    assert "审定期间不能修改" in str(outcome.get("error"))
    assert AnnualReport.objects.get().versions.count() == 1


# --- the pages name the version ---------------------------------------------------------------


def test_the_submit_button_names_the_current_version_after_an_htmx_save(
    report, staff_client, staff_user
):
    page = staff_client.get(url("detail", YEAR)).content.decode()
    assert "提交审定 v1" in page
    response = staff_client.post(
        url("paragraph", YEAR, "problems.1"), {"base": 1, "text": "一是就地修改。"}, **HTMX
    )
    body = response.content.decode()
    button = body[body.index('id="report-submit"') :]
    assert 'hx-swap-oob="true"' in button[:80]
    assert "提交审定 v2" in button and 'name="base" value="2"' in button
    # the button's own form, as swapped in, submits at once
    assert staff_client.post(url("submit", YEAR), {"base": 2}).status_code == 302
    assert state(report, 2).awaiting_approval


def test_the_report_list_names_the_versions_and_their_states(
    report, staff_user, leader_user, staff_client
):
    approve(report.versions.get(), staff=staff_user, leader=leader_user)
    services.report_version_restore(version=report.versions.get(), user=staff_user)
    page = staff_client.get(url("list")).content.decode()
    assert "v2" in page and 'data-state="draft"' in page
    assert "v1 已审定" in page and "正式稿为 v1" in page and "v2 为修订稿，尚未审定" in page
    detail = staff_client.get(url("detail", YEAR)).content.decode()
    assert "v2 草稿" in detail and "已审定版本（正式稿）：v1" in detail


def test_a_leader_is_offered_the_decision_only_on_the_submitted_version(
    report, staff_user, leader_client
):
    services.report_submit(report=report, user=staff_user, base=1)
    detail = leader_client.get(url("detail", YEAR)).content.decode()
    assert "审定或退回 v1" in detail
    page = leader_client.get(url("approve", YEAR, 1)).content.decode()
    assert "v1 待审定" in page and "审定 v1</button>" in page


def test_a_decision_resolves_every_leaders_notification_of_the_version(
    report, staff_user, leader_user
):
    second = f.UserFactory(username="leader2", role="leader")
    services.report_submit(report=report, user=staff_user, base=1)
    assert len(unread(second)) == 1
    approve_by_first = report.versions.get()
    services.report_version_approve(version=approve_by_first, user=leader_user)
    assert unread(second) == [] and unread(leader_user) == []
    told = unread(staff_user)
    assert len(told) == 1 and "审定" in told[0].text
