"""The workbench counts 应兑未兑 (of the year before), awards flagged 不符合条件 and vouchers
about to expire, scoped like the lists, each opening its records."""

import datetime

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db
THIS = datetime.date.today().year


def _items(client, year=THIS) -> dict:
    response = client.get(reverse("reports:workbench"), {"year": year})
    assert response.status_code == 200
    return {item.label: item for item in response.context["items"]}


def _certify(enterprise, year):
    return f.HiTechApplicationFactory(
        enterprise=enterprise,
        year=year,
        status="certified",
        certificate_number=f"GR{enterprise.pk:08d}",
        issued_on=datetime.date(year, 11, 1),
    )


def test_owed_flagged_and_expiring_are_counted_per_scope(
    staff_client, liaison_client, township, other_township
):
    policy = f.PolicyFactory(start_year=THIS - 2, end_year=None)
    for t in (township, other_township):
        _certify(f.EnterpriseFactory(township=t), THIS - 1)  # owed
    revoked = f.EnterpriseFactory(township=township)
    application = _certify(revoked, THIS - 1)
    application.status = "revoked"
    application.save()
    f.AwardFactory(enterprise=revoked, policy=policy, year=THIS - 1)
    f.VoucherFactory(
        enterprise=f.EnterpriseFactory(township=other_township),
        issued_on=datetime.date.today() - datetime.timedelta(days=300),
        expires_on=datetime.date.today() + datetime.timedelta(days=30),
    )
    staff = _items(staff_client)
    assert staff["惠企政策应兑未兑"].count == 2
    assert staff["兑现记录不符合条件"].count == 1
    assert staff["创新券即将到期"].count == 1
    rows = staff_client.get(staff["惠企政策应兑未兑"].url).context["rows"]
    assert len(rows) == 2
    listed = staff_client.get(staff["兑现记录不符合条件"].url).context["object_list"]
    assert [award.enterprise_id for award in listed] == [revoked.pk]

    mine = _items(liaison_client)
    assert mine["惠企政策应兑未兑"].count == 1
    assert mine["创新券即将到期"].count == 0
