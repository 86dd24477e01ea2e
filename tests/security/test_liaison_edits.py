"""A township liaison's edit never changes what they could not see.

Every entity a liaison edits whose form has a related-record field reaching other townships is
found from the declarations; a record of the liaison's township gets relations outside it (a
member enterprise of another township, a village elsewhere). The liaison then saves it through
the form exactly as the browser renders it (unchanged, and with one field changed), through
the API (a GET sent back as a PUT, a PATCH, a PUT listing only what they see) and through an
import of their own export: the relations outside stay as they were every time.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bureau import permissions
from bureau.services import record_version
from imports import services as import_services
from imports.models import ImportJob
from poverty.models import ServiceVisit
from tests import factories as f
from tests.crud_cases import CASES_BY_MODEL
from tests.security.attack import ENTITY_PAGES, browser_form_data

pytestmark = pytest.mark.django_db


def _outside_fields(page, liaison):
    """Related-record fields of the page's form that can point outside the liaison's township
    (the field leading to the township itself is where the record belongs, not a relation)."""
    path_head = page.model.township_lookup.split("__")[0]
    names = []
    for name in page.crud.fields:
        field = page.field(name)
        if field.is_relation and name != path_head:
            if permissions.is_scoped_choice(liaison, field.related_model):
                names.append(name)
    return names


def _pages_with_outside_relations():
    from bureau.models import Role, User  # noqa: PLC0415 - a stand-in, never saved

    liaison = User(role=Role.LIAISON, township_id=1)
    return [
        (page, names)
        for page in ENTITY_PAGES
        if page.model.township_lookup
        and not page.case.admin_only
        and (names := _outside_fields(page, liaison))
    ]


OUTSIDE = _pages_with_outside_relations()


def test_the_generated_cases_cover_the_relations_that_cross_townships():
    found = {(page.name, name) for page, names in OUTSIDE for name in names}
    assert {
        ("innovationcommunity", "member_enterprises"),
        ("introproject", "experts"),
        ("enterprise", "village"),
    } <= found


def _relations(obj, names):
    obj = type(obj)._default_manager.get(pk=obj.pk)
    snapshot = {}
    for name in names:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            snapshot[name] = set(getattr(obj, name).values_list("pk", flat=True))
        else:
            snapshot[name] = getattr(obj, field.attname)
    return snapshot


def _record_reaching_outside(page, names, township, other_township):
    obj = page.case.make(township)
    for name in names:
        field = page.field(name)
        related_case = CASES_BY_MODEL[field.related_model]
        outside = related_case.make(other_township)
        if field.many_to_many:
            inside = related_case.make(township)
            getattr(obj, name).add(outside, inside)
        else:
            # Past the form's rules, as a record imported by staff may be.
            page.model._default_manager.filter(pk=obj.pk).update(**{name: outside})
    return obj


def _refused_by_own_rule(page, names) -> set:
    """The relations put outside that break the record's own rule, so that every save of it is
    refused naming them: a single related record (an enterprise's village) must lie in the
    record's township. Members outside (many-to-many) break no rule: saves go through and keep
    them. Nor does a year's classification (a yearly figure's 乡镇 of that year): an enterprise
    that moved keeps its past years where they counted, and its liaison edits their figures."""
    return {
        name
        for name in names
        if not page.field(name).many_to_many
        and not (page.name == "enterpriseyearlyfigure" and name == "township")
    }


def _hidden_part(snapshot, liaison_township, page, names):
    hidden = {}
    for name in names:
        model = page.field(name).related_model
        queryset = model._default_manager.filter(
            pk__in=snapshot[name] if isinstance(snapshot[name], set) else [snapshot[name]]
        )
        lookup = "pk" if model.__name__ == "Township" else model.township_lookup
        hidden[name] = set(
            queryset.exclude(**{lookup: liaison_township.pk}).values_list("pk", flat=True)
        )
    return hidden


@pytest.mark.parametrize(("page", "names"), OUTSIDE, ids=[str(p) for p, _n in OUTSIDE])
def test_liaison_form_edit_keeps_relations_outside_the_township(
    page, names, liaison_client, township, other_township
):
    obj = _record_reaching_outside(page, names, township, other_township)
    before = _relations(obj, names)
    hidden = _hidden_part(before, township, page, names)
    assert any(hidden.values()), "the record must reach outside the township"

    form_page = liaison_client.get(page.url("update", obj))
    assert form_page.status_code == 200
    data = browser_form_data(form_page.content.decode())
    for value_sets in (data, {**data, page.case.change[0]: [str(page.case.change[1])]}):
        # Each post is based on the record as it now stands (the form's version): the second
        # would otherwise be a stale save of the first's form, refused as such.
        current = type(obj)._default_manager.get(pk=obj.pk)
        value_sets = {**value_sets, "based_on": [record_version(current)]}
        response = liaison_client.post(page.url("update", obj), value_sets)
        if refused := _refused_by_own_rule(page, names):
            assert response.status_code == 200
            assert set(response.context["form"].errors) == refused, response.context["form"].errors
        else:
            assert response.status_code == 302, response.context["form"].errors
        after = _relations(obj, names)
        for name in names:
            if isinstance(before[name], set):
                assert hidden[name] <= after[name], f"{page}.{name} lost members out of sight"
            else:
                assert after[name] == before[name], f"{page}.{name} changed out of sight"


@pytest.mark.parametrize(("page", "names"), OUTSIDE, ids=[str(p) for p, _n in OUTSIDE])
def test_liaison_api_edit_keeps_relations_outside_the_township(
    page, names, api_for, liaison_user, township, other_township
):
    obj = _record_reaching_outside(page, names, township, other_township)
    before = _relations(obj, names)
    hidden = _hidden_part(before, township, page, names)
    api = api_for(liaison_user)
    body = api.get(page.api_url(obj)).json()
    writable = {key: value for key, value in body.items() if key in page.crud.fields}
    visible_only = {
        name: sorted(before[name] - hidden[name]) for name in names if isinstance(before[name], set)
    }
    field, value = page.case.change
    for method, payload in (
        ("put", writable),  # what a GET answered, sent back
        ("patch", {field: value}),
        ("put", {**writable, **visible_only}),  # only what the liaison sees
    ):
        response = getattr(api, method)(page.api_url(obj), payload, format="json")
        if refused := _refused_by_own_rule(page, names):
            assert response.status_code == 400
            assert set(response.json()) == refused, response.json()
        else:
            assert response.status_code == 200, response.json()
        after = _relations(obj, names)
        for name in names:
            if isinstance(before[name], set):
                assert hidden[name] <= after[name], f"{method} {page}.{name} lost members"
            else:
                assert after[name] == before[name], f"{method} {page}.{name} changed"


@pytest.mark.parametrize(
    ("page", "names"),
    [(p, n) for p, n in OUTSIDE if p.importable],
    ids=[str(p) for p, _n in OUTSIDE if p.importable],
)
def test_liaison_reimporting_their_export_keeps_relations_outside_the_township(
    page, names, liaison_client, liaison_user, township, other_township, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    obj = _record_reaching_outside(page, names, township, other_township)
    before = _relations(obj, names)
    hidden = _hidden_part(before, township, page, names)
    exported = liaison_client.get(f"/imports/{page.name}/export/")
    assert exported.status_code == 200
    data = b"".join(exported.streaming_content) if exported.streaming else exported.content
    job = import_services.import_job_create(
        user=liaison_user,
        entity=page.name,
        upload=SimpleUploadedFile("own.xlsx", data),
        file_name="own.xlsx",
        skip_invalid=True,
    )
    job = import_services.import_job_start(job=job, dry_run=True)
    assert not job.is_running
    if job.status == ImportJob.Status.PREVIEWED:
        job = import_services.import_job_confirm(job=job, user=liaison_user)
    assert not job.is_running
    after = _relations(obj, names)
    for name in names:
        if isinstance(before[name], set):
            assert hidden[name] <= after[name]
        else:
            assert after[name] == before[name]


def test_liaison_changing_a_communitys_status_keeps_members_of_other_townships(
    liaison_client, township, other_township
):
    """The finding as reported: only the status changes; the members elsewhere stay."""
    ours = f.EnterpriseFactory(township=township)
    theirs = f.EnterpriseFactory(township=other_township, name="外镇成员企业")
    community = f.InnovationCommunityFactory(lead_enterprise=ours, status="applied")
    community.member_enterprises.set([ours, theirs])
    url = f"/enterprises/innovationcommunity/{community.pk}/edit/"
    page = liaison_client.get(url).content.decode()
    assert "外镇成员企业" not in page  # not offered, not shown
    assert "另有1项不属于本乡镇（街道）" in page  # but counted, and said to be kept
    data = browser_form_data(page)
    data["status"] = ["approved"]
    assert liaison_client.post(url, data).status_code == 302
    community.refresh_from_db()
    assert community.status == "approved"
    assert set(community.member_enterprises.all()) == {ours, theirs}


def test_liaison_import_listing_only_visible_members_keeps_the_others(
    liaison_user, township, other_township, settings, tmp_path
):
    from imports.engine.pipeline import run_import  # noqa: PLC0415
    from tests.imports.conftest import xlsx_bytes  # noqa: PLC0415

    ours = f.EnterpriseFactory(township=township, name="本镇成员")
    theirs = f.EnterpriseFactory(township=other_township, name="外镇成员")
    community = f.InnovationCommunityFactory(lead_enterprise=ours, year=2025, name="共同体甲")
    community.member_enterprises.set([theirs])
    data = xlsx_bytes(
        [
            ["共同体名称", "申报年度", "牵头企业", "成员企业", "状态"],
            ["共同体甲", 2025, ours.credit_code, "本镇成员", "已备案"],
        ]
    )
    result = run_import(
        "innovationcommunity", io.BytesIO(data).getvalue(), user=liaison_user, dry_run=False
    )
    assert result.written, result.summary()
    community.refresh_from_db()
    assert set(community.member_enterprises.all()) == {ours, theirs}


def test_commissioners_are_district_wide_a_liaison_chooses_among_all_of_them(
    liaison_client, township, other_township
):
    """Technology commissioners are sent by the district and serve villages of any township:
    a liaison's service visit offers every commissioner, and keeps whoever was chosen."""
    serving_elsewhere = f.CommissionerFactory(name="邻镇特派员")
    f.ServiceVisitFactory(
        village=f.KeyVillageFactory(village=f.VillageFactory(township=other_township))
    ).commissioners.set([serving_elsewhere])
    page = liaison_client.get("/poverty/servicevisit/new/").content.decode()
    assert "邻镇特派员" in page
    visit = f.ServiceVisitFactory(
        village=f.KeyVillageFactory(village=f.VillageFactory(township=township))
    )
    visit.commissioners.set([serving_elsewhere])
    url = f"/poverty/servicevisit/{visit.pk}/edit/"
    data = browser_form_data(liaison_client.get(url).content.decode())
    data["content"] = ["改了服务内容"]
    assert liaison_client.post(url, data).status_code == 302
    assert list(ServiceVisit.objects.get(pk=visit.pk).commissioners.all()) == [serving_elsewhere]
    # the commissioners' own list stays with staff: not a liaison's records to keep
    assert liaison_client.get("/poverty/commissioner/").status_code == 403
