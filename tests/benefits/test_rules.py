"""惠企政策兑现: each award rule at its boundary, eligibility over a policy's years, 应兑未兑
against a hand count, a revoked certification flagging its award, and the figures."""

import datetime
from decimal import Decimal

import pytest

from benefits import selectors
from benefits.models import Award, Policy
from enterprises.models import HiTechApplication
from reports.indicators import REGISTRY
from tests import factories as f

pytestmark = pytest.mark.django_db

C = Policy.Condition
HT = HiTechApplication.Status
D = Decimal


def _certify(enterprise, year, *, kind="first", status=HT.CERTIFIED):
    return f.HiTechApplicationFactory(
        enterprise=enterprise,
        year=year,
        kind=kind,
        status=status,
        certificate_number=f"GR{year}37000{enterprise.pk:05d}",
        issued_on=datetime.date(year, 11, 28),
    )


def _policy(condition, **kwargs):
    defaults = {"start_year": 2024, "end_year": 2026, "condition": condition}
    defaults["fixed_amount"] = None if "share_percent" in kwargs else D("20")
    return f.PolicyFactory(**{**defaults, **kwargs})


def _eligible(policy, year, enterprises=None):
    return selectors.entitlements([year], enterprises).get((policy.pk, year), {})


def _rd(enterprise, year, expense):
    return f.YearlyFigureFactory(enterprise=enterprise, year=year, rd_expense=D(expense))


# ---- the rules at their boundaries ---------------------------------------------------------


def test_first_certification_in_the_year_earns_the_first_award_not_the_renewal(township):
    first = _policy(C.HITECH_FIRST, fixed_amount=D("20"))
    renewal = _policy(C.HITECH_RENEWAL, fixed_amount=D("5"))
    new = f.EnterpriseFactory(township=township)
    _certify(new, 2025)
    assert _eligible(first, 2025)[new.pk].amount == D("20")
    assert new.pk not in _eligible(renewal, 2025)
    # The year before and after the certification: nothing.
    assert new.pk not in _eligible(first, 2024) and new.pk not in _eligible(first, 2026)


def test_second_certification_earns_the_renewal_award_even_when_marked_first(township):
    first = _policy(C.HITECH_FIRST, fixed_amount=D("20"))
    renewal = _policy(C.HITECH_RENEWAL, fixed_amount=D("5"))
    again = f.EnterpriseFactory(township=township)
    _certify(again, 2022)
    # Typed 首次申报 by mistake: the records say it was certified before.
    _certify(again, 2025, kind="first")
    assert again.pk not in _eligible(first, 2025)
    assert _eligible(renewal, 2025)[again.pk].amount == D("5")
    renewed = f.EnterpriseFactory(township=township)
    _certify(renewed, 2025, kind="renewal")  # certified before the portal's records began
    assert renewed.pk in _eligible(renewal, 2025) and renewed.pk not in _eligible(first, 2025)


def test_an_application_not_certified_earns_nothing(township):
    first = _policy(C.HITECH_FIRST)
    for status in (HT.APPLIED, HT.PUBLICITY, HT.REJECTED):
        _certify(f.EnterpriseFactory(township=township), 2025, status=status)
    assert _eligible(first, 2025) == {}


def test_rd_growth_share_is_capped_at_the_boundary(township):
    subsidy = _policy(
        C.RD_GROWTH, share_percent=D("10"), share_basis=Policy.Basis.RD_INCREASE, cap=D("50")
    )
    below, at, above, flat = (f.EnterpriseFactory(township=township) for _ in range(4))
    for enterprise, before, now in (
        (below, "1000", "1499.90"),  # +499.90 -> 49.99
        (at, "1000", "1500"),  # +500 -> exactly the cap
        (above, "1000", "1500.10"),  # +500.10 -> 50.01, capped
        (flat, "1000", "1000"),  # no growth: not eligible
    ):
        _rd(enterprise, 2024, before)
        _rd(enterprise, 2025, now)
    eligible = _eligible(subsidy, 2025)
    assert eligible[below.pk].amount == D("49.99")
    assert eligible[at.pk].amount == D("50.00")
    assert eligible[above.pk].amount == D("50")
    assert eligible[above.pk].basis == D("500.10")
    assert flat.pk not in eligible
    # A threshold (起补基数): an increase below it earns nothing, one at it does.
    subsidy.min_basis = D("500")
    subsidy.save()
    eligible = _eligible(subsidy, 2025)
    assert below.pk not in eligible and eligible[at.pk].amount == D("50.00")
    subsidy.min_basis = None
    subsidy.save()
    # Without last year's figure there is no increase to reward.
    lone = f.EnterpriseFactory(township=township)
    _rd(lone, 2025, "900")
    assert lone.pk not in _eligible(subsidy, 2025)


def test_sme_registration_award_only_for_registered(township):
    sme = _policy(C.SME_REGISTERED, fixed_amount=D("2"))
    registered = f.SmeEvaluationFactory(enterprise=f.EnterpriseFactory(township=township))
    f.SmeEvaluationFactory(
        enterprise=f.EnterpriseFactory(township=township), status="rejected", score=40
    )
    assert set(_eligible(sme, 2025)) == {registered.enterprise_id}


def test_eligibility_follows_the_policy_years(township):
    policy = _policy(C.HITECH_FIRST, start_year=2024, end_year=2025)
    by_year = {}
    for year in (2023, 2024, 2025, 2026):
        by_year[year] = f.EnterpriseFactory(township=township)
        _certify(by_year[year], year)
    found = selectors.entitlements([2023, 2024, 2025, 2026])
    assert (policy.pk, 2023) not in found and (policy.pk, 2026) not in found
    assert set(found[(policy.pk, 2024)]) == {by_year[2024].pk}
    assert set(found[(policy.pk, 2025)]) == {by_year[2025].pk}
    # A policy without an end applies every year from its start.
    open_ended = _policy(C.HITECH_FIRST, name="长期奖励", start_year=2025, end_year=None)
    assert set(_eligible(open_ended, 2026)) == {by_year[2026].pk}


def test_an_award_outside_the_policy_years_is_refused(township):
    policy = _policy(C.HITECH_FIRST, start_year=2024, end_year=2025)
    award = f.AwardFactory.build(
        enterprise=f.EnterpriseFactory(township=township), policy=policy, year=2026
    )
    with pytest.raises(Exception, match="不适用"):
        award.full_clean()


# ---- 应兑未兑 ------------------------------------------------------------------------------


def test_owed_matches_a_hand_count(township, other_township):
    first = _policy(C.HITECH_FIRST, fixed_amount=D("20"))
    sme = _policy(C.SME_REGISTERED, fixed_amount=D("2"))
    certified = [f.EnterpriseFactory(township=township) for _ in range(5)]
    for enterprise in certified:
        _certify(enterprise, 2025)
    registered = [f.EnterpriseFactory(township=other_township) for _ in range(3)]
    for enterprise in registered:
        f.SmeEvaluationFactory(enterprise=enterprise)
    # Awarded: two certified (one paid, one 不予支持: decided, not owed) and one registered.
    f.AwardFactory(enterprise=certified[0], policy=first, status=Award.Status.APPLIED)
    f.AwardFactory(enterprise=certified[1], policy=first, status=Award.Status.REJECTED)
    f.AwardFactory(enterprise=registered[0], policy=sme)
    # An award of another year or policy does not settle this one.
    f.AwardFactory(enterprise=certified[2], policy=sme)

    owed = selectors.owed([2025])
    by_hand = {(e.pk, first.pk) for e in certified[2:]} | {(e.pk, sme.pk) for e in registered[1:]}
    assert {(row.enterprise_id, row.policy_id) for row in owed} == by_hand
    assert REGISTRY["benefit_owed"].compute(2025).value == 5
    assert REGISTRY["benefit_owed_amount"].compute(2025).value == D("64")  # 3 x 20 + 2 x 2
    assert REGISTRY["benefit_owed"].compute(2025, township).value == 3
    assert REGISTRY["benefit_owed"].compute(2025).breakdown == {"东山镇": 2, "城关街道": 3}

    # A record changed changes the figure: one more award, one fewer owed.
    f.AwardFactory(enterprise=certified[3], policy=first)
    assert REGISTRY["benefit_owed"].compute(2025).value == 4


def test_owed_page_lists_a_liaisons_township_only(township, other_township, liaison_client):
    _policy(C.HITECH_FIRST)
    mine = f.EnterpriseFactory(township=township, name="本镇应兑企业")
    theirs = f.EnterpriseFactory(township=other_township, name="外镇应兑企业")
    _certify(mine, 2025)
    _certify(theirs, 2025)
    page = liaison_client.get("/benefits/owed/?year=2025").content.decode()
    assert "本镇应兑企业" in page and "外镇应兑企业" not in page
    export = liaison_client.get(
        f"/benefits/owed/?year=2025&export=xlsx&township={theirs.township_id}"
    )
    assert "外镇应兑企业".encode() not in export.content


# ---- 不符合条件 ----------------------------------------------------------------------------


def test_a_revoked_certification_flags_its_award(township, staff_client):
    first = _policy(C.HITECH_FIRST)
    enterprise = f.EnterpriseFactory(township=township, name="被撤销企业")
    application = _certify(enterprise, 2025)
    award = f.AwardFactory(
        enterprise=enterprise,
        policy=first,
        status=Award.Status.PAID,
        amount_approved=D("20"),
        amount_paid=D("20"),
        paid_on=datetime.date(2025, 12, 1),
    )
    assert selectors.ineligible_awards(Award.objects.all()) == []
    assert REGISTRY["benefit_ineligible"].compute(2025).value == 0
    page = staff_client.get(award.get_absolute_url()).content.decode()
    assert 'id="award-flag"' not in page and "应兑金额20万元" in page

    application.status = HT.REVOKED
    application.save()
    assert selectors.ineligible_awards(Award.objects.all()) == [award.pk]
    assert REGISTRY["benefit_ineligible"].compute(2025).value == 1
    page = staff_client.get(REGISTRY["benefit_ineligible"].records_url(2025)).content.decode()
    assert "被撤销企业" in page
    assert 'id="award-flag"' in staff_client.get(award.get_absolute_url()).content.decode()
    # A revoked certificate is held no longer: no tax benefit either.
    assert REGISTRY["hitech_tax_enterprises"].compute(2025).value == 0


# ---- the other figures -----------------------------------------------------------------------


def test_rate_paid_and_enterprises_by_level(township):
    district = _policy(C.HITECH_FIRST, level=Policy.Level.DISTRICT)
    city = _policy(C.SME_REGISTERED, level=Policy.Level.CITY, fixed_amount=D("2"))
    a, b, c = (f.EnterpriseFactory(township=township) for _ in range(3))
    paid = {"status": Award.Status.PAID, "paid_on": datetime.date(2025, 12, 1)}
    f.AwardFactory(enterprise=a, policy=district, amount_approved=20, amount_paid=20, **paid)
    f.AwardFactory(enterprise=b, policy=district, amount_approved=20, status="publicity")
    f.AwardFactory(enterprise=a, policy=city, amount_approved=2, amount_paid=2, **paid)
    f.AwardFactory(enterprise=c, policy=city, amount_approved=9, status="rejected")
    rate = REGISTRY["benefit_rate"].compute(2025)
    assert rate.value == D("52.38")  # 22 / 42
    assert rate.breakdown == {"区": D("50.00"), "市": D("100.00")}
    paid_total = REGISTRY["benefit_paid"].compute(2025)
    assert paid_total.value == D("22.00") and paid_total.breakdown == {"区": 20, "市": 2}
    assert REGISTRY["benefit_enterprises"].compute(2025).value == 1
    assert REGISTRY["benefit_paid_hitech"].compute(2025).value == D("20.00")
    assert REGISTRY["benefit_unpaid"].compute(2025).names == [b.name]


def test_tax_benefit_counts_certificates_valid_in_the_year(township):
    for year in (2021, 2022, 2024):
        _certify(f.EnterpriseFactory(township=township), year)
    # 2022's certificate covers 2022-2024, 2024's 2024-2026; 2021's ended with 2023.
    assert REGISTRY["hitech_tax_enterprises"].compute(2024).value == 2
    assert REGISTRY["hitech_tax_enterprises"].compute(2023).value == 2


def test_deductions_and_vouchers(township):
    for amount in (60_000_000, 40_000_000):  # 元
        f.RdDeductionFactory(
            enterprise=f.EnterpriseFactory(township=township), deducted_amount=amount
        )
    assert REGISTRY["deduction_enterprises"].compute(2025).value == 2
    assert REGISTRY["deduction_amount"].compute(2025).value == D("1.00")
    f.VoucherFactory(amount=10)
    f.VoucherFactory(amount=5, status="used", amount_used=4, contract="检测服务合同")
    assert REGISTRY["voucher_issued"].compute(2025).value == D("15.00")
    assert REGISTRY["voucher_used"].compute(2025).value == D("4.00")
