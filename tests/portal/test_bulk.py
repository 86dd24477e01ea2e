"""批量修改 / 批量删除 from the list pages and the API: every entity through the generic cases,
the township wall, validation with and without skipping, history, and fixed query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bureau.models import Township
from enterprises.models import Enterprise, HiTechApplication
from portal import registry
from portal.models import BulkJob
from tests import factories as f
from tests.crud_cases import CASES

pytestmark = pytest.mark.django_db

BULK_CASES = [case for case in CASES if case.declaration.bulk_fields]


def _url(model, action="bulk"):
    return reverse(f"{model.url_namespace}:{model._meta.model_name}-{action}")


def _client_of(case, admin_user, staff_user, client_for):
    return client_for(admin_user if case.admin_only else staff_user)


def _pick(record, viewset):
    """A bulk-editable field of ``record`` and a new value for it, as the form posts it, and
    the value the record then holds (as text): a flag or a choice if the entity has one."""
    model = type(record)
    today = datetime.date(2025, 6, 30)
    for name in viewset.declaration.bulk_fields:
        field = model._meta.get_field(name)
        current = getattr(record, field.attname)
        if field.get_internal_type() == "BooleanField":
            return name, "false" if current else "true", str(not current)
        if name in viewset.choices:
            choices = [key for key, _label in viewset.choices[name]() if key]
            other = next((key for key in choices if key != current), None)
            if other:
                return name, other, other
        elif field.choices:
            other = next((key for key, _label in field.choices if key and key != current), None)
            if other:
                return name, other, other
    for name in viewset.declaration.bulk_fields:
        field = model._meta.get_field(name)
        if field.get_internal_type() == "DateField":
            return name, today.isoformat(), today.isoformat()
        if field.get_internal_type() == "CharField" and not field.choices:
            return name, "批量改后的值", "批量改后的值"
    name = viewset.declaration.bulk_fields[0]
    current = getattr(record, record._meta.get_field(name).attname)
    return name, str(current), str(current)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bulk_delete_sends_every_entity_to_the_trash(
    case, township, admin_user, staff_user, client_for
):
    client = _client_of(case, admin_user, staff_user, client_for)
    records = [case.make(township) for _ in range(3)]
    keep = case.make(township)
    pks = [record.pk for record in records]
    url = _url(case.model)
    page = client.post(url, {"action": "delete", "pk": pks}).content.decode()
    assert "确认删除 3 条" in page
    assert case.model.objects.filter(pk__in=pks).count() == 3  # nothing yet

    response = client.post(url, {"action": "delete", "pk": pks, "bulk_step": "confirm"})
    assert response.status_code == 302
    assert not case.model.objects.filter(pk__in=pks).exists()
    assert case.model.objects.filter(pk=keep.pk).exists()
    deleted = case.model.history.filter(id__in=pks, history_type="-")
    assert deleted.count() == 3
    # One batch, named in the reason: the trash restores it whole.
    (reason,) = {row.history_change_reason for row in deleted}
    assert reason.startswith("批量删除（批次 ")
    assert {row.history_user_id for row in deleted} == {int(client.session["_auth_user_id"])}


@pytest.mark.parametrize("case", BULK_CASES, ids=str)
def test_bulk_edit_sets_a_field_on_every_entity_with_history(
    case, township, admin_user, staff_user, client_for
):
    client = _client_of(case, admin_user, staff_user, client_for)
    viewset = registry.viewset_for(case.model)
    records = [case.make(township) for _ in range(2)]
    if "year" in viewset.fields:
        # Keyed rows (a year per registry key) count their years down across the session.
        case.model.objects.filter(pk__in=[r.pk for r in records]).update(year=2025)
        for record in records:
            record.refresh_from_db()
    name, posted, expected = _pick(records[0], viewset)
    pks = [record.pk for record in records]
    url = _url(case.model)
    form = client.post(url, {"action": "edit", "pk": pks})
    assert form.status_code == 200 and "预览修改" in form.content.decode()
    data = {"action": "edit", "pk": pks, f"set_{name}": "on", name: posted}
    preview = client.post(url, {**data, "bulk_step": "preview"})
    assert preview.status_code == 200
    assert "确认修改 2 条" in preview.content.decode(), preview.context["form"].errors.as_json()

    response = client.post(url, {**data, "bulk_step": "confirm"})
    assert response.status_code == 302, _text_of(response)
    label = str(case.model._meta.get_field(name).verbose_name)
    for record in case.model.objects.filter(pk__in=pks):
        field = record._meta.get_field(name)
        assert str(getattr(record, field.attname)) == expected
        reasons = set(record.history.values_list("history_change_reason", flat=True))
        if posted != expected or expected != str(getattr(records[0], field.attname)):
            assert f"批量修改：{label}" in reasons


def test_the_preview_shows_each_change_and_writes_nothing(township, staff_client):
    a, b = f.HiTechApplicationFactory.create_batch(2, enterprise__township=township)
    url = _url(HiTechApplication)
    data = {"action": "edit", "pk": [a.pk, b.pk], "set_year": "on", "year": "2024"}
    page = staff_client.post(url, {**data, "bulk_step": "preview"}).content.decode()
    assert "年度：" in page and "→ <strong>2024</strong>" in page
    assert set(HiTechApplication.objects.values_list("year", flat=True)) != {2024}


def test_nothing_ticked_or_nothing_chosen_is_told_in_chinese(township, staff_client):
    record = f.EnterpriseFactory(township=township)
    url = _url(Enterprise)
    response = staff_client.post(url, {"action": "delete"}, follow=True)
    assert "请先勾选要处理的记录。" in response.content.decode()
    page = staff_client.post(url, {"action": "edit", "pk": [record.pk], "bulk_step": "preview"})
    assert "请至少勾选一个要修改的字段。" in page.content.decode()
    page = staff_client.post(
        url, {"action": "edit", "pk": [record.pk], "bulk_step": "preview", "set_township": "on"}
    )
    assert "请填写要改成的值。" in page.content.decode()


def test_a_liaison_cannot_reach_another_townships_record(township, other_township, liaison_client):
    own = f.EnterpriseFactory(township=township, is_above_scale=False)
    theirs = f.EnterpriseFactory(township=other_township, is_above_scale=False)
    data = {
        "action": "edit",
        "pk": [own.pk, theirs.pk],
        "set_is_above_scale": "on",
        "is_above_scale": "true",
        "bulk_step": "confirm",
    }
    response = liaison_client.post(_url(Enterprise), data, follow=True)
    assert "1条不存在或不在您的权限范围内，未作任何修改" in response.content.decode()
    assert not Enterprise.objects.filter(is_above_scale=True).exists()
    response = liaison_client.post(
        _url(Enterprise), {"action": "delete", "pk": [theirs.pk], "bulk_step": "confirm"}
    )
    assert Enterprise.objects.filter(pk=theirs.pk).exists()
    # "All matching" from a liaison covers their own township's records only, whatever the
    # query asks for.
    query = f"township={other_township.pk}"
    data = {"action": "delete", "all": "1", "query": query, "bulk_step": "confirm"}
    liaison_client.post(_url(Enterprise), data)
    assert Enterprise.objects.filter(pk=theirs.pk).exists()


def test_a_liaison_cannot_move_records_to_another_township(
    township, other_township, liaison_client
):
    own = f.EnterpriseFactory(township=township)
    data = {
        "action": "edit",
        "pk": [own.pk],
        "set_township": "on",
        "township": str(other_township.pk),
        "bulk_step": "confirm",
    }
    response = liaison_client.post(_url(Enterprise), data)
    own.refresh_from_db()
    assert own.township == township
    assert response.status_code == 200  # the form refuses a township it does not offer


def _certify_data(records, **extra):
    return {
        "action": "edit",
        "pk": [record.pk for record in records],
        "set_status": "on",
        "status": HiTechApplication.Status.CERTIFIED,
        "bulk_step": "confirm",
        **extra,
    }


def test_one_invalid_record_writes_nothing_unless_skipped(township, staff_client):
    ready = f.HiTechApplicationFactory(
        enterprise__township=township,
        certificate_number="GR202537000001",
        issued_on=datetime.date(2025, 12, 1),
    )
    unready = f.HiTechApplicationFactory(enterprise__township=township, certificate_number="")
    url = _url(HiTechApplication)
    response = staff_client.post(url, _certify_data([ready, unready]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "有 1 条记录未通过校验，未写入任何记录" in page
    assert "认定通过的申报须填写证书编号" in page and str(unready) in page
    for record in (ready, unready):
        before = record.status
        record.refresh_from_db()
        assert record.status == before

    response = staff_client.post(url, _certify_data([ready, unready], skip_invalid="1"))
    assert response.status_code == 302
    ready.refresh_from_db()
    unready.refresh_from_db()
    assert ready.status == HiTechApplication.Status.CERTIFIED
    assert unready.status != HiTechApplication.Status.CERTIFIED


def test_a_protected_record_is_refused_by_name(township, staff_client):
    used = f.EnterpriseFactory(township=township)
    f.YearlyFigureFactory(enterprise=used)
    free = f.EnterpriseFactory(township=township)
    data = {"action": "delete", "pk": [used.pk, free.pk], "bulk_step": "confirm"}
    response = staff_client.post(_url(Enterprise), data)
    assert response.status_code == 400
    assert "仍有相关记录引用它" in response.content.decode()
    assert Enterprise.objects.filter(pk__in=[used.pk, free.pk]).count() == 2


def test_select_all_matching_acts_on_the_filtered_records_only(township, staff_client):
    wanted = f.EnterpriseFactory.create_batch(3, township=township, is_above_scale=False)
    other = Township.objects.create(code="370302999", name="另一镇")
    left = f.EnterpriseFactory(township=other, is_above_scale=False)
    data = {
        "action": "edit",
        "all": "1",
        "query": f"township={township.pk}",
        "set_is_above_scale": "on",
        "is_above_scale": "true",
    }
    preview = staff_client.post(_url(Enterprise), {**data, "bulk_step": "preview"}).content.decode()
    assert "确认修改 3 条" in preview
    staff_client.post(_url(Enterprise), {**data, "bulk_step": "confirm"})
    assert set(Enterprise.objects.filter(is_above_scale=True)) == set(wanted)
    left.refresh_from_db()
    assert not left.is_above_scale


def test_the_list_offers_the_selection_to_those_who_may_change(
    township, staff_client, leader_client
):
    record = f.EnterpriseFactory(township=township)
    page = staff_client.get(reverse("enterprises:enterprise-list")).content.decode()
    assert f'name="pk" value="{record.pk}"' in page and "批量修改" in page
    page = leader_client.get(reverse("enterprises:enterprise-list")).content.decode()
    assert 'name="pk"' not in page and "批量修改" not in page
    response = leader_client.post(_url(Enterprise), {"action": "delete", "pk": [record.pk]})
    assert response.status_code == 403


def test_the_history_names_the_bulk_action(township, staff_client):
    record = f.EnterpriseFactory(township=township, is_above_scale=False)
    data = {
        "action": "edit",
        "pk": [record.pk],
        "set_is_above_scale": "on",
        "is_above_scale": "true",
    }
    staff_client.post(_url(Enterprise), {**data, "bulk_step": "confirm"})
    page = staff_client.get(record.get_absolute_url()).content.decode()
    assert "批量修改：规上企业" in page or "批量修改：" in page


@pytest.mark.parametrize("step", ["", "preview"])
def test_selection_and_preview_pages_read_a_fixed_number_of_queries(step, township, staff_client):
    url = _url(HiTechApplication)
    staff_client.get(reverse("enterprises:hitechapplication-list"))  # the session, read once
    counts = []
    for n in (3, 30):
        records = f.HiTechApplicationFactory.create_batch(n, enterprise__township=township)
        data = {"action": "edit", "pk": [r.pk for r in records], "set_status": "on"}
        data["status"] = HiTechApplication.Status.PUBLICITY
        if step:
            data["bulk_step"] = step
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.post(url, data)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_job_refused_by_one_record_writes_nothing_and_says_why(
    township, staff_client, settings, django_capture_on_commit_callbacks
):
    settings.BULK_JOB_THRESHOLD = 1  # two records make a job (run inline in the tests)
    ready = f.HiTechApplicationFactory(
        enterprise__township=township,
        certificate_number="GR202537000003",
        issued_on=datetime.date(2025, 12, 1),
    )
    unready = f.HiTechApplicationFactory(enterprise__township=township, certificate_number="")
    url = _url(HiTechApplication)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, _certify_data([ready, unready]))
    job = BulkJob.objects.get()
    assert response.url == job.get_absolute_url()
    assert job.status == BulkJob.Status.REFUSED and job.written == 0
    assert [refusal["pk"] for refusal in job.refused] == [unready.pk]
    assert not HiTechApplication.objects.filter(status=HiTechApplication.Status.CERTIFIED).exists()
    page = staff_client.get(job.get_absolute_url()).content.decode()
    assert "未通过校验，未写入任何记录" in page and "认定通过的申报须填写证书编号" in page

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, _certify_data([ready, unready], skip_invalid="1"))
    job = BulkJob.objects.order_by("-pk").first()
    assert job.status == BulkJob.Status.DONE and job.written == 1
    ready.refresh_from_db()
    assert ready.status == HiTechApplication.Status.CERTIFIED


def test_a_job_page_is_its_owners(township, staff_user, client_for, django_user_model):
    job = BulkJob.objects.create(
        user=staff_user, entity="enterprises.enterprise", action="delete", reason="批量删除"
    )
    other = django_user_model.objects.create_user("other", password="x", role="staff")
    assert client_for(other).get(job.get_absolute_url()).status_code == 404
    assert client_for(staff_user).get(job.get_absolute_url()).status_code == 200


# ---- the API -------------------------------------------------------------------------------


def _api(model, action):
    return f"/api/{model._meta.app_label}/{model._meta.model_name}/{action}/"


def test_api_bulk_update_by_ids_and_by_filter(township, staff_user, client_for):
    client = client_for(staff_user)
    a, b = f.EnterpriseFactory.create_batch(2, township=township, is_above_scale=False)
    response = client.post(
        _api(Enterprise, "bulk-update"),
        {"ids": [a.pk], "changes": {"is_above_scale": True}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"written": 1, "unchanged": 0, "refused": []}
    response = client.post(
        _api(Enterprise, "bulk-update"),
        {"filter": {"township": str(township.pk)}, "changes": {"is_above_scale": True}},
        content_type="application/json",
    )
    assert response.json() == {"written": 1, "unchanged": 1, "refused": []}
    assert Enterprise.objects.filter(is_above_scale=True).count() == 2
    response = client.post(
        _api(Enterprise, "bulk-update"),
        {"ids": [a.pk], "changes": {"name": "改名"}},
        content_type="application/json",
    )
    assert response.status_code == 400 and "不能批量修改" in str(response.json())


def test_api_bulk_refusals_write_nothing(
    township, other_township, staff_user, liaison_user, client_for
):
    ready = f.HiTechApplicationFactory(
        enterprise__township=township,
        certificate_number="GR202537000002",
        issued_on=datetime.date(2025, 12, 1),
    )
    unready = f.HiTechApplicationFactory(enterprise__township=township, certificate_number="")
    body = {
        "ids": [ready.pk, unready.pk],
        "changes": {"status": HiTechApplication.Status.CERTIFIED},
    }
    client = client_for(staff_user)
    response = client.post(
        _api(HiTechApplication, "bulk-update"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["refused"][0]["pk"] == unready.pk
    assert not HiTechApplication.objects.filter(status=HiTechApplication.Status.CERTIFIED).exists()
    response = client.post(
        _api(HiTechApplication, "bulk-update"),
        {**body, "skip_invalid": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["written"] == 1

    theirs = f.EnterpriseFactory(township=other_township)
    response = client_for(liaison_user).post(
        _api(Enterprise, "bulk-delete"), {"ids": [theirs.pk]}, content_type="application/json"
    )
    assert response.status_code == 400 and "权限范围" in str(response.json())
    assert Enterprise.objects.filter(pk=theirs.pk).exists()


def test_api_bulk_delete_and_its_documentation(township, staff_user, client_for):
    client = client_for(staff_user)
    records = f.EnterpriseFactory.create_batch(2, township=township)
    response = client.post(
        _api(Enterprise, "bulk-delete"),
        {"ids": [r.pk for r in records]},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["written"] == 2
    assert not Enterprise.objects.exists()
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/enterprises/enterprise/bulk-update/"]["post"]
    assert operation["summary"] == "批量修改企业"
    assert set(operation["responses"]) >= {"200", "202", "400"}
    assert "/api/enterprises/enterprise/bulk-delete/" in schema["paths"]


def _text_of(response) -> str:
    """The page's main content as plain text, for an assertion's message."""
    html = response.content.decode()
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())[:1500]


def test_bulk_deleted_records_wait_in_the_trash(township, staff_client, admin_client_):
    records = f.EnterpriseFactory.create_batch(2, township=township)
    data = {"action": "delete", "pk": [r.pk for r in records], "bulk_step": "confirm"}
    staff_client.post(_url(Enterprise), data)
    assert not Enterprise.objects.exists()
    trash = admin_client_.get(reverse("bureau:trash")).content.decode()
    assert all(record.name in trash for record in records)
    deleted = Enterprise.history.get(id=records[0].pk, history_type="-")
    admin_client_.post(
        reverse("bureau:trash-restore", args=["enterprises", "enterprise", deleted.history_id])
    )
    assert list(Enterprise.objects.values_list("pk", flat=True)) == [records[0].pk]


def test_past_the_counting_cap_the_selection_reads_as_the_list_does(
    township, staff_client, monkeypatch
):
    monkeypatch.setattr("portal.pagination.COUNT_CAP", 3)
    f.EnterpriseFactory.create_batch(5, township=township)
    page = staff_client.get(reverse("enterprises:enterprise-list")).content.decode()
    assert 'data-total="4"' in page and 'data-total-label="3+"' in page
    assert "选择全部符合条件的 3+ 条" in page
