"""The demo district's 惠企政策兑现: a district policy document, the awards paid under it, the
tax bureau's 研发费用加计扣除 list and the 创新券.

Written after the district's other records (the awards follow from its certifications, 科小
registrations and R&D figures, as ``benefits.selectors`` computes them), row by row through
``record_save`` as the forms write. Kept apart from ``generator.py`` / ``services.py``:
``demo_seed`` calls ``benefits_seed`` once. Deterministic for a seed and a day; a second run
adds nothing (the policy document's number is the key).
"""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from benefits.models import Award, Policy, RdDeduction, Voucher
from benefits.selectors import entitlements
from bureau.services import record_save
from demo.names import DISTRICT_COUNTY_CODE
from enterprises.models import Enterprise, EnterpriseYearlyFigure, HiTechApplication

DOCUMENT = "青河区关于加快科技创新推动高质量发展的若干政策措施"
DOCUMENT_NUMBER = "青政发〔2023〕12号"
CENT = Decimal("0.01")
C = Policy.Condition
S = Award.Status

# name, level, kind, condition, fixed amount, share %, cap, (district, city, province) shares;
# the R&D subsidy starts at an increase of 100 万元 (起补基数)
POLICIES = [
    ("首次认定高新技术企业奖励", "district", "award", C.HITECH_FIRST, 20, None, None, (60, 40, 0)),
    (
        "高新技术企业重新认定奖励",
        "district",
        "award",
        C.HITECH_RENEWAL,
        10,
        None,
        None,
        (100, 0, 0),
    ),
    ("科技型中小企业入库奖励", "district", "award", C.SME_REGISTERED, 2, None, None, (100, 0, 0)),
    ("企业研发投入增长奖补", "district", "award", C.RD_GROWTH, None, 10, 50, (50, 30, 20)),
]
# Benefits the bureau answers for without paying them itself: kept as policies for the record.
OTHER_POLICIES = [
    ("高新技术企业减按15%税率征收企业所得税", "national", "tax", "企业所得税法第二十八条"),
    ("鲁川市科技创新券", "city", "voucher", "鲁科字〔2023〕9号"),
    ("产学研合作引导资金", "city", "guidance", "鲁科字〔2023〕15号"),
]
PROVIDERS = [
    ("山东理工大学", Voucher.ProviderKind.UNIVERSITY),
    ("鲁川职业技术学院", Voucher.ProviderKind.UNIVERSITY),
    ("鲁川市产业技术研究院", Voucher.ProviderKind.INSTITUTE),
    ("山东省科学院新材料研究所", Voucher.ProviderKind.INSTITUTE),
    ("青河区生产力促进中心", Voucher.ProviderKind.SERVICE),
    ("鲁川检验检测认证有限公司", Voucher.ProviderKind.SERVICE),
]
VOUCHERS_PER_YEAR = 12


def benefits_seed(*, seed: int, today: datetime.date, result) -> None:
    """The district's benefits for the two years before ``today``'s and its own."""
    if Policy.objects.filter(document_number=DOCUMENT_NUMBER).exists():
        result.existing[Policy] += Policy.objects.filter(document_number=DOCUMENT_NUMBER).count()
        return
    rng = random.Random(seed * 26)
    years = [today.year - 2, today.year - 1, today.year]
    district = Enterprise.objects.filter(township__code__startswith=DISTRICT_COUNTY_CODE)
    policies = _policies(years[0], result)
    _awards(rng, policies, years, today, district, result)
    _deductions(rng, years[:2], district, result)
    _vouchers(rng, years, today, district, result)


def _save(instance, result) -> None:
    record_save(instance=instance, user=None)
    result.added[type(instance)] += 1


def _policies(start: int, result) -> list[Policy]:
    made = []
    for name, level, kind, condition, fixed, share, cap, split in POLICIES:
        policy = Policy(
            name=name,
            level=level,
            kind=kind,
            document=DOCUMENT,
            document_number=DOCUMENT_NUMBER,
            start_year=start,
            end_year=start + 2,
            condition=condition,
            fixed_amount=Decimal(fixed) if fixed is not None else None,
            share_percent=Decimal(share) if share is not None else None,
            share_basis=Policy.Basis.RD_INCREASE if share is not None else "",
            cap=Decimal(cap) if cap is not None else None,
            min_basis=Decimal(100) if condition == C.RD_GROWTH else None,
            district_share=split[0],
            city_share=split[1],
            province_share=split[2],
        )
        _save(policy, result)
        made.append(policy)
    for name, level, kind, number in OTHER_POLICIES:
        policy = Policy(
            name=name, level=level, kind=kind, document_number=number, start_year=start - 5
        )
        _save(policy, result)
    return made


def _status(rng: random.Random, year: int, today: datetime.date, early: bool) -> str | None:
    """Where an eligible enterprise's award stands; None: it never applied (应兑未兑). An
    ``early`` award (科小 registration, in spring) is paid within its year; the others are
    claimed the year after."""
    draw = rng.random()
    if year == today.year and early:
        for status, upto in ((None, 0.2), (S.APPLIED, 0.3), (S.REVIEW, 0.4), (S.PUBLICITY, 0.6)):
            if draw < upto:
                return status
        return S.PAID
    if year == today.year:  # this year's are still being reviewed
        return None if draw < 0.3 else S.APPLIED if draw < 0.7 else S.REVIEW
    if year == today.year - 1:
        for status, upto in ((None, 0.12), (S.REJECTED, 0.16), (S.APPLIED, 0.2), (S.REVIEW, 0.26)):
            if draw < upto:
                return status
        return S.PUBLICITY if draw < 0.42 else S.PAID
    return None if draw < 0.08 else S.REJECTED if draw < 0.12 else S.PAID


def _awards(rng, policies, years, today, district, result) -> None:
    found = entitlements(years, district.values("pk"), policies)
    codes = dict(district.values_list("pk", "credit_code"))
    revoked = None
    for policy in policies:
        for year in years:
            eligible = found.get((policy.pk, year), {})
            rows = sorted(eligible.values(), key=lambda e: codes[e.enterprise_id])
            for row in rows:
                early = policy.condition == C.SME_REGISTERED
                status = _status(rng, year, today, early)
                if status is None:
                    continue
                applied_on = min(
                    datetime.date(year + 1, 2, 20) + datetime.timedelta(days=rng.randint(0, 40)),
                    today,
                )
                if year == today.year:
                    days = rng.randint(1, 20)
                    applied_on = today - datetime.timedelta(days=days)
                    if early:
                        applied_on = min(datetime.date(year, 5, 10 + days), today)
                award = Award(
                    enterprise_id=row.enterprise_id,
                    policy=policy,
                    year=year,
                    amount_applied=row.amount,
                    status=status,
                    applied_on=applied_on,
                )
                if status in (S.PUBLICITY, S.PAID):
                    award.amount_approved = row.amount
                    award.published_on = min(applied_on + datetime.timedelta(days=75), today)
                    award.publicity_number = f"青科公示〔{year + 1}〕{policy.pk % 9 + 1}号"
                if status == S.PAID:
                    award.amount_paid = row.amount
                    award.paid_on = min(award.published_on + datetime.timedelta(days=45), today)
                    award.payment_number = f"青财科指〔{year + 1}〕{policy.pk % 9 + 11}号"
                if status == S.REJECTED:
                    award.notes = "研发费用归集不规范" if policy.condition == C.RD_GROWTH else ""
                    award.notes = award.notes or "申报材料不全，逾期未补正"
                _save(award, result)
                if (
                    revoked is None
                    and status == S.PAID
                    and policy.condition == C.HITECH_FIRST
                    and year == today.year - 1
                ):
                    revoked = award
    if revoked is not None:
        # A certificate withdrawn after the award was paid: the award shows 不符合条件.
        application = HiTechApplication.objects.get(
            enterprise_id=revoked.enterprise_id, year=revoked.year
        )
        application.status = HiTechApplication.Status.REVOKED
        record_save(instance=application, user=None)


def _deductions(rng, years, district, result) -> None:
    """The tax bureau's list: most enterprises with R&D expense deduct about all of it."""
    figures = (
        EnterpriseYearlyFigure.objects.filter(
            enterprise__in=district.values("pk"), year__in=years, rd_expense__gt=0
        )
        .order_by("year", "enterprise__credit_code")
        .values_list("enterprise_id", "year", "rd_expense")
    )
    for enterprise, year, expense in figures:
        if rng.random() < 0.2:
            continue  # did not claim, or its claim is not on the list
        rate = 120 if rng.random() < 0.05 else 100
        share = Decimal(rng.randint(80, 100)) / 100
        # R&D expense is kept in 万元; the tax bureau's list gives 元.
        amount = (expense * 10000 * share * rate / 100).quantize(CENT, ROUND_HALF_UP)
        _save(
            RdDeduction(enterprise_id=enterprise, year=year, deducted_amount=amount, rate=rate),
            result,
        )


def _vouchers(rng, years, today, district, result) -> None:
    pool = list(district.order_by("credit_code").values_list("pk", flat=True))
    if not pool:
        return
    number = 0
    for year in years:
        chosen = rng.sample(pool, min(VOUCHERS_PER_YEAR, len(pool)))
        for n, enterprise in enumerate(chosen):
            number += 1
            last = min(datetime.date(year, 12, 10), today)
            if year == today.year - 1 and n < 3:
                # Issued late last year, a year's validity: unused, and about to expire.
                issued_on = datetime.date(year, 12, 1) + datetime.timedelta(days=n)
            else:
                start = datetime.date(year, 3, 1)
                span = max((last - start).days, 0)
                issued_on = start + datetime.timedelta(days=rng.randint(0, span))
            expires_on = issued_on + datetime.timedelta(days=365)
            amount = Decimal(rng.choice((5, 10, 10, 20)))
            provider, kind = rng.choice(PROVIDERS)
            voucher = Voucher(
                number=f"QHCXQ{year}{number:04d}",
                enterprise_id=enterprise,
                amount=amount,
                issued_on=issued_on,
                expires_on=expires_on,
                provider=provider,
                provider_kind=kind,
            )
            draw = rng.random()
            if year == today.year - 1 and n < 3:
                status = Voucher.Status.ISSUED
            elif expires_on < today:
                status = (
                    Voucher.Status.REIMBURSED
                    if draw < 0.5
                    else Voucher.Status.USED
                    if draw < 0.75
                    else Voucher.Status.EXPIRED
                )
            else:
                status = (
                    Voucher.Status.ISSUED
                    if draw < 0.5
                    else Voucher.Status.USED
                    if draw < 0.8
                    else Voucher.Status.REIMBURSED
                )
            voucher.status = status
            if status in (Voucher.Status.USED, Voucher.Status.REIMBURSED):
                voucher.amount_used = (amount * Decimal(rng.choice((0.6, 0.8, 1)))).quantize(CENT)
                voucher.contract = f"{provider}技术服务合同（{issued_on.year}）"
            if status == Voucher.Status.REIMBURSED:
                voucher.amount_reimbursed = voucher.amount_used
            _save(voucher, result)
