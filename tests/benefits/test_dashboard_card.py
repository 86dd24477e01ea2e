"""The dashboard's 惠企政策兑现 card: how much was paid, to how many, what is still owed, each
number a link to its records; a liaison's card counts their township only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025


def _card(client):
    response = client.get(reverse("reports:dashboard-benefits"), {"year": YEAR})
    assert response.status_code == 200
    return response.context["card"], response.content.decode()


def test_the_card_shows_paid_enterprises_and_owed_with_links(
    staff_client, liaison_client, township, other_township
):
    policy = f.PolicyFactory()
    for t in (township, other_township):
        paid = f.EnterpriseFactory(township=t)
        f.AwardFactory(
            enterprise=paid,
            policy=policy,
            status="paid",
            amount_approved=Decimal("20"),
            amount_paid=Decimal("20"),
            paid_on=datetime.date(2026, 3, 1),
        )
        owed = f.EnterpriseFactory(township=t)
        f.HiTechApplicationFactory(
            enterprise=owed,
            year=YEAR,
            status="certified",
            certificate_number=f"GR{owed.pk}",
            issued_on=datetime.date(YEAR, 11, 1),
        )
    card, page = _card(staff_client)
    figures = card["figures"]
    assert figures["benefit_paid"]["value"] == Decimal("40.00")
    assert figures["benefit_enterprises"]["value"] == 2
    assert figures["benefit_owed"]["value"] == 2
    assert card["by_level"] == {"区": Decimal("40.00")}
    assert figures["benefit_owed"]["url"] in page.replace("&amp;", "&")
    assert staff_client.get(figures["benefit_paid"]["url"]).status_code == 200

    card, _page = _card(liaison_client)
    assert card["figures"]["benefit_owed"]["value"] == 1
    assert card["figures"]["benefit_paid"]["value"] == Decimal("20.00")
