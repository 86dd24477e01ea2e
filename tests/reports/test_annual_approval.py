"""The annual report's approval flow: staff submit a version for 审定, the leaders are told; a
leader approves it after a confirmation with an opinion, or returns it with comments, and the
staff are told; every step stays in the report's history."""

import pytest
from django.urls import reverse

from bureau.models import Notification
from reports.annual import selectors, services
from reports.models import ReportReview
from tests import factories as f
from tests.reports.annual_data import YEAR, approve, build_year

pytestmark = pytest.mark.django_db
Action = ReportReview.Action


def url(name, *args):
    return reverse(f"reports:annual-{name}", args=args)


@pytest.fixture
def report(staff_user):
    build_year()
    return services.report_create(year=YEAR, user=staff_user)


@pytest.fixture
def second_leader(db):
    return f.UserFactory(username="leader2", role="leader")


def test_staff_submit_and_every_active_leader_is_told(
    report, staff_client, leader_user, second_leader
):
    f.UserFactory(username="retired", role="leader", is_active=False)
    response = staff_client.post(url("submit", YEAR), {"base": 1})
    assert response.status_code == 302
    review = report.reviews.get()
    assert (review.action, review.version.number, review.by.username) == (
        Action.SUBMITTED,
        1,
        "staff",
    )
    told = Notification.objects.order_by("recipient__username")
    assert [n.recipient.username for n in told] == ["leader", "leader2"]
    assert "v1 已提交审定" in told[0].text and told[0].url.endswith(f"/{YEAR}/v1/")
    assert list(selectors.reports_awaiting_approval()) == [report]
    # Submitted once is enough until a leader decides.
    staff_client.post(url("submit", YEAR), {"base": 1})
    assert report.reviews.count() == 1


def test_a_submission_on_an_older_version_is_refused(report, staff_client, staff_user):
    services.report_paragraph_update(
        report=report, user=staff_user, base=1, key="problems.1", text="一是改过。"
    )
    staff_client.post(url("submit", YEAR), {"base": 1})
    assert not report.reviews.exists()


def test_approval_asks_for_a_confirmation_and_keeps_the_opinion(
    report, staff_client, leader_client
):
    staff_client.post(url("submit", YEAR), {"base": 1})
    page = leader_client.get(url("approve", YEAR, 1)).content.decode()
    assert "待审定" in page and "审定意见" in page and "退回修改" in page

    unconfirmed = leader_client.post(url("approve", YEAR, 1), {"opinion": "同意。"})
    assert "请勾选确认后再审定" in unconfirmed.content.decode()
    assert not report.versions.get().is_approved

    leader_client.post(url("approve", YEAR, 1), {"opinion": "同意上报。", "confirm": "on"})
    version = report.versions.get()
    assert version.is_approved and version.approved_by.username == "leader"
    approved = report.reviews.get(action=Action.APPROVED)
    assert approved.comment == "同意上报。"
    told = Notification.objects.get(recipient__username="staff")
    assert "已由局领导审定" in told.text or "审定" in told.text
    assert list(selectors.reports_awaiting_approval()) == []


def test_a_return_needs_comments_and_reaches_the_staff(report, staff_client, leader_client):
    staff_client.post(url("submit", YEAR), {"base": 1})
    leader_client.post(url("return", YEAR, 1), {"comment": "  "})
    assert not report.reviews.filter(action=Action.RETURNED).exists()

    leader_client.post(url("return", YEAR, 1), {"comment": "第二部分问题写得不够具体。"})
    returned = report.reviews.get(action=Action.RETURNED)
    assert returned.comment == "第二部分问题写得不够具体。"
    told = Notification.objects.get(recipient__username="staff")
    assert "退回修改" in told.text and "不够具体" in told.text
    page = staff_client.get(url("detail", YEAR)).content.decode()
    assert "退回修改：" in page and "第二部分问题写得不够具体。" in page
    # Returned, staff may submit again; the history keeps all three steps.
    staff_client.post(url("submit", YEAR), {"base": 1})
    assert [r.action for r in selectors.report_reviews(report)] == [
        Action.SUBMITTED,
        Action.RETURNED,
        Action.SUBMITTED,
    ]
    assert "审定流程" in page and "提交审定" in page


def test_only_leaders_decide_and_only_editors_submit(
    report, staff_client, leader_client, liaison_client
):
    assert staff_client.get(url("approve", YEAR, 1)).status_code == 403
    assert staff_client.post(url("return", YEAR, 1), {"comment": "改"}).status_code == 403
    assert leader_client.post(url("submit", YEAR), {"base": 1}).status_code == 403
    assert liaison_client.post(url("submit", YEAR), {"base": 1}).status_code == 403
    assert not report.reviews.exists()


def test_an_approved_version_cannot_be_returned(report, staff_user, leader_user):
    version = approve(report.versions.get(), staff=staff_user, leader=leader_user)
    with pytest.raises(services.ValidationError):
        services.report_version_return(version=version, user=leader_user, comment="再改改")


def test_notifications_show_in_the_header_and_open_to_their_page(report, staff_client, client_for):
    leader = f.UserFactory(username="leader3", role="leader", full_name="王局长")
    client = client_for(leader)
    staff_client.post(url("submit", YEAR), {"base": 1})
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert 'id="unread-notifications">1<' in page
    listing = client.get(reverse("notifications")).content.decode()
    assert "v1 已提交审定" in listing
    notification = Notification.objects.get(recipient=leader)
    opened = client.post(reverse("notification-open", args=[notification.pk]))
    assert opened.status_code == 302 and opened.url == url("version", YEAR, 1)
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="unread-notifications"' not in client.get(reverse("notifications")).content.decode()
    # Another user's notification is not theirs to open.
    other = Notification.objects.create(recipient=f.UserFactory(username="x"), text="别人的")
    assert client.post(reverse("notification-open", args=[other.pk])).status_code == 404


def test_the_header_names_the_role_once(client_for):
    user = f.UserFactory(username="staff9", role="staff", full_name="科室工作人员")
    page = client_for(user).get(reverse("notifications")).content.decode()
    assert "科室工作人员</a> · 科室工作人员" not in page and "科室工作人员</a>" in page
    named = f.UserFactory(username="staff10", role="staff", full_name="李明")
    assert (
        "李明</a> · 科室工作人员"
        in client_for(named).get(reverse("notifications")).content.decode()
    )
