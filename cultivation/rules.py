"""The published rules of 科技型中小企业 evaluation and 高新技术企业 recognition, as data with the
year they apply from (docs/cultivation.md).

Amounts are in 万元, as the yearly figures store them; ratios are fractions (0.10 for 10 %).
A rule that changes gets a new entry with its first year; ``sme_rules_for`` and
``hitech_rules_for`` pick the one in force for a year.
"""

from dataclasses import dataclass
from decimal import Decimal

D = Decimal


@dataclass(frozen=True)
class Band:
    """At least ``at`` scores ``points`` (bands are listed from the highest)."""

    at: Decimal
    points: int


def points_for(value: Decimal | None, bands: tuple[Band, ...]) -> int:
    """The points of the highest band ``value`` reaches; 0 below them all or without a value."""
    if value is None:
        return 0
    for band in bands:
        if value >= band.at:
            return band.points
    return 0


@dataclass(frozen=True)
class SmeRules:
    """科技型中小企业评价: size limits, the three scores and the pass mark."""

    effective_from: int
    source: str
    max_staff: int = 500
    max_sales: Decimal = D(20000)  # 2 亿元
    max_assets: Decimal = D(20000)
    # 科技人员 / 职工总数 -> up to 20 points
    staff_bands: tuple[Band, ...] = (
        Band(D("0.30"), 20),
        Band(D("0.25"), 16),
        Band(D("0.20"), 12),
        Band(D("0.15"), 8),
        Band(D("0.10"), 4),
    )
    # 研发费用 / 销售收入 or 研发费用 / 成本费用总额, the better of the two -> up to 50 points
    rd_sales_bands: tuple[Band, ...] = (
        Band(D("0.06"), 50),
        Band(D("0.05"), 40),
        Band(D("0.04"), 30),
        Band(D("0.03"), 20),
        Band(D("0.02"), 10),
    )
    rd_costs_bands: tuple[Band, ...] = (
        Band(D("0.30"), 50),
        Band(D("0.25"), 40),
        Band(D("0.20"), 30),
        Band(D("0.15"), 20),
        Band(D("0.10"), 10),
    )
    # 科技成果: one class-I IP is 30 points; class-II by number -> up to 24
    class_one_points: int = 30
    class_two_bands: tuple[Band, ...] = (
        Band(D(4), 24),
        Band(D(3), 18),
        Band(D(2), 12),
        Band(D(1), 6),
    )
    pass_score: int = 60


@dataclass(frozen=True)
class HitechRules:
    """高新技术企业认定: the conditions the records can decide."""

    effective_from: int
    source: str
    min_years_registered: int = 1
    min_tech_staff_share: Decimal = D("0.10")
    # R&D / sales over the last three years, by the latest year's sales (万元): up to 5,000
    # (5,000 万 = 50 million yuan) 5 %, up to 20,000 4 %, above 3 %.
    rd_share_by_sales: tuple[tuple[Decimal | None, Decimal], ...] = (
        (D(5000), D("0.05")),
        (D(20000), D("0.04")),
        (None, D("0.03")),
    )
    min_domestic_rd_share: Decimal = D("0.60")
    min_hitech_income_share: Decimal = D("0.60")
    min_capacity_score: int = 71
    # IP that supports the main products: in practice one class-I, or several class-II.
    min_class_one: int = 1
    min_class_two: int = 4
    years_window: int = 3
    # Growth (成长性, 20 points of the innovation-capacity score): net assets and sales, 10 each,
    # by the average yearly growth over the three years.
    growth_bands: tuple[Band, ...] = (
        Band(D("0.35"), 10),
        Band(D("0.25"), 8),
        Band(D("0.15"), 6),
        Band(D("0.05"), 4),
        Band(D("0.000001"), 2),
    )


SME_RULES = (
    SmeRules(2017, "科技型中小企业评价办法（国科发政〔2017〕115号）"),
    SmeRules(2022, "科技型中小企业评价办法（国科发区〔2022〕67号）"),
)
HITECH_RULES = (HitechRules(2016, "高新技术企业认定管理办法（国科发火〔2016〕32号）"),)


def _in_force(rules, year: int):
    eligible = [rule for rule in rules if rule.effective_from <= year]
    return max(eligible, key=lambda rule: rule.effective_from) if eligible else rules[0]


def sme_rules_for(year: int) -> SmeRules:
    return _in_force(SME_RULES, year)


def hitech_rules_for(year: int) -> HitechRules:
    return _in_force(HITECH_RULES, year)


# --- Intellectual property ---------------------------------------------------------------------

# Kinds of IP and their class for both evaluations: class I (Ⅰ类) and class II (Ⅱ类).
IP_CLASS_ONE = {
    "invention": "发明专利（含国防专利）",
    "plant_variety": "植物新品种",
    "crop_variety": "国家级农作物品种",
    "new_drug": "国家新药",
    "tcm_variety": "国家一级中药保护品种",
    "ic_layout": "集成电路布图设计专有权",
}
IP_CLASS_TWO = {
    "utility_model": "实用新型专利",
    "design": "外观设计专利",
    "software": "软件著作权",
    "other": "其他（Ⅱ类）",
}


def ip_class(kind: str) -> int:
    """1 for a class-I kind, 2 for any other."""
    return 1 if kind in IP_CLASS_ONE else 2


def ip_counts_in(
    year: int, *, granted_on, valid_until=None, lapsed_on=None, kind: str = ""
) -> bool:
    """Whether an IP counts for ``year``: granted by the year's end and still valid on its last
    day. One that expired (or was let lapse or transferred) during the year counts for the years
    before, not for that one."""
    import datetime

    end = datetime.date(year, 12, 31)
    if granted_on is None or granted_on > end:
        return False
    if valid_until is not None and valid_until < end:
        return False
    if lapsed_on is not None and lapsed_on <= end:
        return False
    return True
