"""跟进记录 (issue 16): dated notes with author and kind on enterprises, applications, talent
projects and platforms, newest first on the record's page, scoped like the record."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from bureau.models import FollowUpNote
from enterprises.models import Enterprise
from tests import factories as f

pytestmark = pytest.mark.django_db


def add_url(record):
    kind = ContentType.objects.get_for_model(type(record))
    return reverse("follow-up-add", args=[kind.pk, record.pk])


def note(client, record, text, date="2026-03-01", kind="call"):
    return client.post(add_url(record), {"date": date, "kind": kind, "text": text})


@pytest.mark.parametrize(
    "make",
    [
        lambda t: f.EnterpriseFactory(township=t),
        lambda t: f.HiTechApplicationFactory(enterprise__township=t),
        lambda t: f.SmeEvaluationFactory(enterprise__township=t),
        lambda t: f.TalentProjectFactory(enterprise__township=t),
        lambda t: f.PlatformFactory(host__township=t),
    ],
)
def test_notes_are_added_and_shown_newest_first_on_each_kind_of_record(
    make, staff_client, township
):
    record = make(township)
    note(staff_client, record, "电话询问申报材料", date="2026-03-01")
    note(staff_client, record, "上门指导填报", date="2026-04-10", kind="visit")
    page = staff_client.get(record.get_absolute_url()).content.decode()
    assert page.index("上门指导填报") < page.index("电话询问申报材料")
    assert "走访" in page and 'id="follow-up"' in page
    assert FollowUpNote.objects.filter(author__username="staff").count() == 2


def test_a_liaison_adds_notes_in_their_township_only(liaison_client, township, other_township):
    mine = f.EnterpriseFactory(township=township)
    theirs = f.EnterpriseFactory(township=other_township)
    assert note(liaison_client, mine, "本乡镇").status_code == 302
    assert note(liaison_client, theirs, "别的乡镇").status_code == 404
    assert list(FollowUpNote.objects.values_list("text", flat=True)) == ["本乡镇"]


def test_leaders_read_notes_but_add_none(leader_client, staff_client, township):
    record = f.EnterpriseFactory(township=township)
    note(staff_client, record, "已电话通知")
    page = leader_client.get(record.get_absolute_url()).content.decode()
    assert "已电话通知" in page and "添加跟进记录" not in page
    assert note(leader_client, record, "领导记的").status_code == 403
    assert FollowUpNote.objects.count() == 1


def test_a_note_needs_text_and_a_sane_date_said_in_chinese(staff_client, township):
    record = f.EnterpriseFactory(township=township)
    response = note(staff_client, record, "  ", date="9999-12-31")
    assert response.status_code == 302
    assert not FollowUpNote.objects.exists()
    page = staff_client.get(record.get_absolute_url()).content.decode()
    assert "跟进记录未保存" in page


def test_only_the_author_or_an_administrator_deletes(
    staff_client, client_for, admin_client_, township
):
    record = f.EnterpriseFactory(township=township)
    note(staff_client, record, "要删的")
    other = client_for(f.UserFactory(username="staff2", role="staff"))
    saved = FollowUpNote.objects.get()
    assert other.post(reverse("follow-up-delete", args=[saved.pk])).status_code == 403
    assert admin_client_.post(reverse("follow-up-delete", args=[saved.pk])).status_code == 302
    assert not FollowUpNote.objects.exists()


def test_an_entity_without_notes_takes_none(staff_client, township):
    village = f.VillageFactory(township=township)
    kind = ContentType.objects.get_for_model(type(village))
    response = staff_client.post(
        reverse("follow-up-add", args=[kind.pk, village.pk]),
        {"date": "2026-03-01", "kind": "call", "text": "x"},
    )
    assert response.status_code == 404
    assert Enterprise.objects.count() == 0 and not FollowUpNote.objects.exists()
    assert datetime.date(2026, 3, 1)
