"""操作手册: one Chinese manual per role, from the repository's Markdown, linked from every page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "name", "heading"),
    [
        ("admin_user", "admin", "系统管理员操作手册"),
        ("staff_user", "staff", "科室工作人员操作手册"),
        ("liaison_user", "liaison", "乡镇（街道）联络员操作手册"),
        ("leader_user", "leader", "局领导操作手册"),
    ],
)
def test_each_role_is_sent_to_its_own_manual(request, client_for, persona, name, heading):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("manual-mine"))
    assert response.url == reverse("manual", args=[name])
    page = client.get(response.url).content.decode()
    assert f"<h1>{heading}</h1>" in page and "<ol>" in page


def test_the_staff_manual_walks_through_the_main_tasks(staff_client):
    page = staff_client.get(reverse("manual", args=["staff"])).content.decode()
    for task in ("录入一条记录", "从Excel导入", "查看看板", "编写年度工作报告"):
        assert f"<h2>{task}" in page or task in page.split("<h2>", 1)[1]


def test_every_page_links_to_the_manual_and_an_unknown_one_is_404(staff_client):
    page = staff_client.get(reverse("reports:dashboard")).content.decode()
    assert f'href="{reverse("manual-mine")}"' in page and "操作手册" in page
    assert staff_client.get("/help/..%2Fsettings/").status_code == 404
    assert staff_client.get(reverse("manual", args=["nobody"])).status_code == 404
