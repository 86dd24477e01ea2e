"""The figures of 惠企政策兑现 (issue 26): what was paid, to how many enterprises, what is still
owed, the tax bureau's 加计扣除 and the 创新券. Kept apart from ``definitions.py`` so the two
lists change independently; ``reports.indicators`` registers both.

Amounts are in 万元 as stored (加计扣除 in 亿元). 应兑未兑, 不符合条件 and 享受高企税收优惠 are
computed from the records on every evaluation (``benefits.selectors``), never stored; each is a
fixed number of queries whatever the data, shared through the evaluation's ``memo``.
"""

from collections import Counter
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Q

from benefits import selectors as benefits
from benefits.models import Award, Policy, RdDeduction, Voucher
from enterprises.models import Enterprise, HiTechApplication
from reports.indicators.base import (
    CountIndicator,
    CustomIndicator,
    RatioIndicator,
    SumIndicator,
    list_url,
    township_pk,
)

SECTION = "惠企政策"
YUAN_PER_YI = Decimal(100_000_000)
AS = Award.Status
C = Policy.Condition
APPROVED = [AS.PUBLICITY, AS.PAID]  # an amount was approved (公示) and maybe paid
HITECH_CONDITIONS = [C.HITECH_FIRST, C.HITECH_RENEWAL]
VOUCHER_USED = [Voucher.Status.USED, Voucher.Status.REIMBURSED]
AWARD_DETAILS = {
    "enterprise": "enterprise__name",
    "policy": "policy__name",
    "level": "policy__level",
    "approved": "amount_approved",
    "paid": "amount_paid",
    "status": "status",
}


def _values(years):
    return [str(v) for v in years]


def _scope(pk):
    """The enterprises of a township (a subquery), or None for the district."""
    return None if pk is None else Enterprise.objects.filter(township=pk).values("pk")


def _township_of(enterprise_ids) -> dict[int, str]:
    return dict(
        Enterprise.objects.filter(pk__in=set(enterprise_ids)).values_list("pk", "township__name")
    )


def _eligible(years, pk, memo) -> dict:
    """``benefits.selectors.entitlements`` once per evaluation: 应兑未兑 and 不符合条件 share it."""
    key = ("benefits_eligible", tuple(years), pk)
    if key not in memo:
        memo[key] = benefits.entitlements(years, _scope(pk))
    return memo[key]


class Owed(CustomIndicator):
    """应兑未兑, computed from the records: ``measure`` is ``count`` (eligible pairs of enterprise
    and policy with no award record) or ``amount`` (the sum the rules give them, 万元)."""

    model = Award
    measure: str = "count"
    decimals = 2

    def _owed(self, years, pk, memo):
        key = ("benefits_owed", tuple(years), pk)
        if key not in memo:
            memo[key] = benefits.owed(years, _scope(pk), _eligible(years, pk, memo))
        return memo[key]

    def _measure(self, rows):
        if self.measure == "amount":
            return sum((row.amount or Decimal(0) for row in rows), Decimal(0))
        return len(rows)

    def evaluate_custom(self, years, pk, detail_year, memo):
        rows = self._owed(years, pk, memo)
        values = {year: self._measure([r for r in rows if r.year == year]) for year in years}
        mine = [r for r in rows if r.year == detail_year]
        key = ("benefits_owed_townships", tuple(years), pk, detail_year)
        if key not in memo:
            memo[key] = _township_of(r.enterprise_id for r in mine)
        names = memo[key]
        by_township: dict = {}
        for row in mine:
            name = names.get(row.enterprise_id)
            by_township.setdefault(name, []).append(row)
        breakdown = {name: self._measure(group) for name, group in sorted(by_township.items())}
        return values, breakdown

    def queryset(self, year, township=None):
        """The enterprises owed something in ``year`` (the page lists them per policy)."""
        rows = benefits.owed([year], _scope(township_pk(township)))
        return Enterprise.objects.filter(pk__in={row.enterprise_id for row in rows})

    def records_url(self, year, township=None):
        """The 应兑未兑 page of the year (and township)."""
        base = list_url("benefits:owed")
        params = {"year": year}
        pk = township_pk(township)
        if pk is not None:
            params["township"] = pk
        return f"{base}?{urlencode(params)}" if base else None


class Ineligible(CustomIndicator):
    """Awards of the year flagged 不符合条件: their policy's condition no longer holds."""

    model = Award

    def evaluate_custom(self, years, pk, detail_year, memo):
        by_year = Counter(year for _pk, year in self._flagged(years, pk, memo))
        return {year: by_year.get(year, 0) for year in years}, {}

    def _flagged(self, years, pk, memo) -> list[tuple[int, int]]:
        """(pk, year) of the flagged awards of ``years``: two queries and the eligibility's."""
        awards = Award.objects.filter(year__in=years)
        if pk is not None:
            awards = awards.filter(enterprise__township=pk)
        eligible = _eligible(years, pk, memo)
        flagged = set(benefits.ineligible_awards(awards, years, _scope(pk), eligible))
        return [(a, y) for a, y in awards.values_list("pk", "year").order_by() if a in flagged]

    def queryset(self, year, township=None):
        """The flagged awards of ``year``."""
        pk = township_pk(township)
        return Award.objects.filter(pk__in=[a for a, _y in self._flagged([year], pk, {})])

    def records_url(self, year, township=None):
        base = list_url("benefits:award-list")
        params = {"year": year, "flag": "ineligible"}
        pk = township_pk(township)
        if pk is not None:
            params["enterprise__township"] = pk
        return f"{base}?{urlencode(params)}" if base else None


class HitechTax(CustomIndicator):
    """享受高企税收优惠: enterprises holding a certificate valid in the year."""

    model = HiTechApplication

    def evaluate_custom(self, years, pk, detail_year, memo):
        held = benefits.hitech_tax_enterprises(years, _scope(pk))
        names = _township_of(held.get(detail_year, ()))
        breakdown = dict(sorted(Counter(names.values()).items(), key=lambda kv: kv[0] or ""))
        return {year: len(held.get(year, ())) for year in years}, breakdown

    def queryset(self, year, township=None):
        """The enterprises holding a valid certificate in ``year``."""
        held = benefits.hitech_tax_enterprises([year], _scope(township_pk(township)))[year]
        return Enterprise.objects.filter(pk__in=held)

    def records_url(self, year, township=None):
        """The page of the enterprises and their certificates valid in the year."""
        base = list_url("benefits:hitech-tax")
        params = {"year": year}
        pk = township_pk(township)
        if pk is not None:
            params["township"] = pk
        return f"{base}?{urlencode(params)}" if base else None


BENEFIT_INDICATORS = [
    SumIndicator(
        "benefit_paid",
        "兑现惠企资金",
        "万元",
        SECTION,
        """Sum of 拨付金额 over the awards of year Y with status 已拨付 (万元); breakdown by the
        policy's level (国家/省/市/区). Details: enterprise, policy, approved and paid.""",
        model=Award,
        where=Q(status=AS.PAID),
        url_params={"status": AS.PAID.value},
        sum_field="amount_paid",
        breakdown_field="policy__level",
        detail_fields=AWARD_DETAILS,
        order_by=("policy__name", "enterprise__name"),
    ),
    SumIndicator(
        "benefit_paid_hitech",
        "其中高企认定奖励",
        "万元",
        SECTION,
        """Sum of 拨付金额 over the awards of year Y with status 已拨付 under a policy whose
        condition is a first 高企 certification or a re-certification (万元).""",
        model=Award,
        where=Q(status=AS.PAID, policy__condition__in=HITECH_CONDITIONS),
        url_params={"status": AS.PAID.value, "policy__condition__in": _values(HITECH_CONDITIONS)},
        sum_field="amount_paid",
    ),
    CountIndicator(
        "benefit_enterprises",
        "惠及企业",
        "家",
        SECTION,
        """Enterprises with at least one award of year Y with status 已拨付, each once;
        breakdown by township.""",
        model=Award,
        where=Q(status=AS.PAID),
        url_params={"status": AS.PAID.value},
        distinct="enterprise",
        breakdown_field="enterprise__township__name",
    ),
    SumIndicator(
        "benefit_approved",
        "核定惠企资金",
        "万元",
        SECTION,
        """Sum of 核定金额 over the awards of year Y with status 已公示 or 已拨付 (万元): what
        was approved, paid or not.""",
        model=Award,
        where=Q(status__in=APPROVED),
        url_params={"status__in": _values(APPROVED)},
        sum_field="amount_approved",
        breakdown_field="policy__level",
    ),
    RatioIndicator(
        "benefit_rate",
        "兑现率",
        "%",
        SECTION,
        """Sum of 拨付金额 over sum of 核定金额, in percent, over the awards of year Y with status
        已公示 or 已拨付; breakdown by the policy's level. None when nothing was approved.""",
        model=Award,
        where=Q(status__in=APPROVED),
        url_params={"status__in": _values(APPROVED)},
        numerator=("sum", "amount_paid"),
        denominator=("sum", "amount_approved"),
        breakdown_field="policy__level",
    ),
    RatioIndicator(
        "benefit_rate_by_policy",
        "兑现率（按政策）",
        "%",
        SECTION,
        """The same 兑现率 (paid over approved, awards of year Y 已公示 or 已拨付), broken down
        by policy.""",
        model=Award,
        where=Q(status__in=APPROVED),
        url_params={"status__in": _values(APPROVED)},
        numerator=("sum", "amount_paid"),
        denominator=("sum", "amount_approved"),
        breakdown_field="policy__name",
    ),
    CountIndicator(
        "benefit_unpaid",
        "已公示未拨付",
        "项",
        SECTION,
        """Awards of year Y with status 已公示: approved and published, not yet paid. Names: the
        enterprises; details: enterprise, policy, level, approved amount.""",
        model=Award,
        where=Q(status=AS.PUBLICITY),
        url_params={"status": AS.PUBLICITY.value},
        name_field="enterprise__name",
        detail_fields=AWARD_DETAILS,
        order_by=("policy__name", "enterprise__name"),
    ),
    Owed(
        "benefit_owed",
        "应兑未兑",
        "项",
        SECTION,
        """Pairs of enterprise and policy that the policy's rule makes eligible in year Y (first
        高企 certification, re-certification, 科小 registration or R&D growth, per the records)
        with no award record of that policy and year, whatever its status; computed, never
        stored. Breakdown by township.""",
        measure="count",
    ),
    Owed(
        "benefit_owed_amount",
        "应兑未兑金额",
        "万元",
        SECTION,
        """The sum the rules give the 应兑未兑 pairs of year Y (fixed amount, or a share of the
        R&D figure up to the cap), 万元; breakdown by township.""",
        measure="amount",
    ),
    Ineligible(
        "benefit_ineligible",
        "不符合条件的兑现记录",
        "项",
        SECTION,
        """Awards of year Y, other than 不予支持, under a policy with a condition that the records
        no longer meet for that enterprise and year (a 高企 certification revoked or changed, a
        科小 registration withdrawn, R&D that did not grow).""",
    ),
    CountIndicator(
        "deduction_enterprises",
        "享受研发费用加计扣除企业",
        "家",
        SECTION,
        """Enterprises on the tax bureau's 加计扣除 list for year Y (one record per enterprise and
        year); breakdown by township.""",
        model=RdDeduction,
        breakdown_field="enterprise__township__name",
    ),
    SumIndicator(
        "deduction_amount",
        "研发费用加计扣除额",
        "亿元",
        SECTION,
        """Sum of 加计扣除金额 over the tax bureau's list for year Y, in 亿元 (stored in 元, as
        the list gives it).""",
        model=RdDeduction,
        sum_field="deducted_amount",
        divisor=YUAN_PER_YI,
    ),
    SumIndicator(
        "voucher_issued",
        "发放创新券",
        "万元",
        SECTION,
        """Sum of the face amounts of the 创新券 issued (发放日期) in year Y, whatever their
        status now (万元).""",
        model=Voucher,
        year_field="issued_on",
        year_param="issued_on__year",
        sum_field="amount",
    ),
    SumIndicator(
        "voucher_used",
        "使用创新券",
        "万元",
        SECTION,
        """Sum of 使用金额 over the 创新券 issued in year Y with status 已使用 or 已兑付
        (万元).""",
        model=Voucher,
        year_field="issued_on",
        year_param="issued_on__year",
        where=Q(status__in=VOUCHER_USED),
        url_params={"status__in": _values(VOUCHER_USED)},
        sum_field="amount_used",
    ),
    HitechTax(
        "hitech_tax_enterprises",
        "享受高企税收优惠企业",
        "家",
        SECTION,
        """Enterprises holding a 高企 certificate valid in year Y: an application with status 认定
        whose certificate was issued in Y or in the two years before (valid three years; a
        revoked one, 撤销认定, does not count). Each enterprise once; breakdown by township.""",
    ),
]
