"""Who could register or apply next: the 科技型中小企业 self-evaluation and the 高新技术企业
screening computed from an enterprise's yearly figures, its intellectual property and what it
holds (docs/cultivation.md).

Plain functions over plain data: the callers read the records (a fixed number of queries for any
number of enterprises) and pass ``Figures`` and ``Holdings``; nothing here touches the database,
so each rule is tested at its boundaries on its own. Every criterion says its figure, its
threshold and its outcome, so a page can show why an enterprise does or does not qualify.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from cultivation.rules import (
    Band,
    HitechRules,
    SmeRules,
    hitech_rules_for,
    points_for,
    sme_rules_for,
)

MET = "满足"
UNMET = "不满足"
UNKNOWN = "数据不全"  # the records could decide it, but a figure is missing
MANUAL = "需人工核实"  # the records cannot decide it
EXPERT = "需专家评价"

QUALIFIED = "符合"
NOT_QUALIFIED = "不符合"
INCOMPLETE = "数据不全"

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Figures:
    """One year's figures of an enterprise (amounts in 万元)."""

    year: int
    staff_total: int | None = None
    tech_staff: int | None = None
    sales: Decimal | None = None
    assets: Decimal | None = None
    costs: Decimal | None = None
    rd: Decimal | None = None  # 研发费用 (境内)
    rd_total: Decimal | None = None  # all R&D, domestic and abroad, where recorded
    hitech_income: Decimal | None = None
    net_assets: Decimal | None = None


@dataclass(frozen=True)
class Holdings:
    """What an enterprise holds in a year: valid IP by class, a valid 高企 certificate, a
    recognised R&D institution of provincial level or above, other recorded direct grounds."""

    class_one_ip: int = 0
    class_two_ip: int = 0
    hitech_certificate: bool = False
    provincial_rd_institution: bool = False
    other_grounds: tuple[str, ...] = ()


@dataclass
class Criterion:
    key: str
    label: str
    status: str
    figure: str = ""
    threshold: str = ""
    points: int | None = None
    note: str = ""

    @property
    def decidable(self) -> bool:
        return self.status in (MET, UNMET, UNKNOWN)


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{(value * HUNDRED).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def ratio(numerator, denominator) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _next_band(value: Decimal | None, bands: tuple[Band, ...], points: int) -> Band | None:
    """The lowest band above the one ``value`` reaches (what one more step would give)."""
    higher = [band for band in bands if band.points > points]
    return min(higher, key=lambda band: band.points) if higher else None


# --- 科技型中小企业 ----------------------------------------------------------------------------


@dataclass
class SmeEvaluation:
    year: int
    rules: SmeRules
    criteria: list[Criterion] = field(default_factory=list)
    staff_points: int = 0
    rd_points: int = 0
    rd_basis: str = ""
    ip_points: int = 0
    direct_grounds: list[str] = field(default_factory=list)
    verdict: str = INCOMPLETE
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)  # what would raise the score

    @property
    def total(self) -> int:
        return self.staff_points + self.rd_points + self.ip_points

    @property
    def shortfall(self) -> int:
        """Points short of the pass mark (0 when it is reached)."""
        return max(self.rules.pass_score - self.total, 0)


def _size(rules: SmeRules, figures: Figures) -> list[Criterion]:
    checks = [
        ("staff", "职工总数", figures.staff_total, rules.max_staff, "人"),
        ("sales", "年销售收入", figures.sales, rules.max_sales, "万元"),
        ("assets", "资产总额", figures.assets, rules.max_assets, "万元"),
    ]
    out = []
    for key, label, value, limit, unit in checks:
        if value is None:
            status = UNKNOWN
        else:
            status = MET if value <= limit else UNMET
        out.append(
            Criterion(
                key=f"size_{key}",
                label=f"{label}不超过{limit}{unit}",
                status=status,
                figure="—" if value is None else f"{value}{unit}",
                threshold=f"≤{limit}{unit}",
            )
        )
    return out


def sme_evaluate(figures: Figures | None, holdings: Holdings, year: int) -> SmeEvaluation:
    """The self-evaluation of ``year`` from that year's ``figures`` and ``holdings``."""
    rules = sme_rules_for(year)
    result = SmeEvaluation(year=year, rules=rules)
    figures = figures or Figures(year=year)

    size = _size(rules, figures)
    result.criteria += size

    grounds = []
    if holdings.hitech_certificate:
        grounds.append("持有有效的高新技术企业证书")
    if holdings.provincial_rd_institution:
        grounds.append("建有省级以上研发机构")
    grounds += list(holdings.other_grounds)
    result.direct_grounds = grounds

    # 科技人员
    staff_share = ratio(figures.tech_staff, figures.staff_total)
    result.staff_points = points_for(staff_share, rules.staff_bands)
    staff_known = staff_share is not None
    result.criteria.append(
        Criterion(
            key="staff_score",
            label="科技人员占职工总数比例",
            status=(MET if result.staff_points else UNMET) if staff_known else UNKNOWN,
            figure=percent(staff_share),
            threshold="≥10%得4分，≥30%得满分20分",
            points=result.staff_points,
        )
    )

    # 研发投入: the better of the two ratios
    by_sales = ratio(figures.rd, figures.sales)
    by_costs = ratio(figures.rd, figures.costs)
    sales_points = points_for(by_sales, rules.rd_sales_bands)
    costs_points = points_for(by_costs, rules.rd_costs_bands)
    rd_known = by_sales is not None or by_costs is not None
    if costs_points > sales_points:
        result.rd_points, result.rd_basis = costs_points, "研发费用占成本费用总额比例"
        rd_figure = percent(by_costs)
    else:
        result.rd_points, result.rd_basis = sales_points, "研发费用占销售收入比例"
        rd_figure = percent(by_sales)
    result.criteria.append(
        Criterion(
            key="rd_score",
            label="研发投入（取两种比例中得分高者）",
            status=(MET if result.rd_points else UNMET) if rd_known else UNKNOWN,
            figure=f"{result.rd_basis}{rd_figure}" if rd_known else "—",
            threshold="占销售收入≥2%或占成本费用≥10%起评，≥6%或≥30%得满分50分",
            points=result.rd_points,
            note=f"占销售收入{percent(by_sales)}（{sales_points}分），"
            f"占成本费用{percent(by_costs)}（{costs_points}分）",
        )
    )

    # 科技成果
    if holdings.class_one_ip:
        result.ip_points = rules.class_one_points
    else:
        result.ip_points = points_for(Decimal(holdings.class_two_ip), rules.class_two_bands)
    result.criteria.append(
        Criterion(
            key="ip_score",
            label="科技成果（有效知识产权）",
            status=MET if result.ip_points else UNMET,
            figure=f"Ⅰ类{holdings.class_one_ip}项，Ⅱ类{holdings.class_two_ip}项",
            threshold="Ⅰ类1项得30分；Ⅱ类1至4项以上得6至24分",
            points=result.ip_points,
        )
    )

    # The verdict: size first, then direct grounds, then the score.
    unmet_size = [c for c in size if c.status == UNMET]
    unknown_size = [c for c in size if c.status == UNKNOWN]
    if unmet_size:
        result.verdict = NOT_QUALIFIED
        result.reasons = [f"{c.label}（实际{c.figure}）" for c in unmet_size]
        return result
    if unknown_size:
        result.missing += [c.label.split("不超过")[0] for c in unknown_size]
    if grounds and not unknown_size:
        result.verdict = QUALIFIED
        result.reasons = [f"直接认定：{ground}" for ground in grounds]
        return result
    if not staff_known:
        result.missing.append("科技人员数或职工总数")
    if not rd_known:
        result.missing.append("研发费用、销售收入或成本费用")
    passed = result.total >= rules.pass_score and result.staff_points > 0
    if result.missing:
        result.verdict = INCOMPLETE
        return result
    result.verdict = QUALIFIED if passed else NOT_QUALIFIED
    if not passed:
        if result.total < rules.pass_score:
            result.reasons.append(
                f"综合得分{result.total}分，低于{rules.pass_score}分（差{result.shortfall}分）"
            )
        if not result.staff_points:
            result.reasons.append("科技人员得分为0（占比不足10%）")
    result.hints = _sme_hints(rules, staff_share, by_sales, by_costs, result)
    return result


def _sme_hints(rules, staff_share, by_sales, by_costs, result: SmeEvaluation) -> list[str]:
    hints = []
    step = _next_band(staff_share, rules.staff_bands, result.staff_points)
    if step is not None:
        hints.append(
            f"科技人员占比达到{percent(step.at)}可得{step.points}分"
            f"（+{step.points - result.staff_points}分）"
        )
    for value, bands, label in (
        (by_sales, rules.rd_sales_bands, "研发费用占销售收入比例"),
        (by_costs, rules.rd_costs_bands, "研发费用占成本费用比例"),
    ):
        step = _next_band(value, bands, result.rd_points)
        if step is not None:
            hints.append(
                f"{label}达到{percent(step.at)}可得{step.points}分（+{step.points - result.rd_points}分）"
            )
    if result.ip_points < rules.class_one_points:
        hints.append(f"取得1项Ⅰ类知识产权可得{rules.class_one_points}分")
    return hints


# --- 高新技术企业 ------------------------------------------------------------------------------


@dataclass
class HitechScreening:
    year: int
    rules: HitechRules
    criteria: list[Criterion] = field(default_factory=list)
    growth_points: int | None = None  # 成长性 sub-score prefilled from the figures

    def of(self, status: str) -> list[Criterion]:
        return [c for c in self.criteria if c.status == status]

    @property
    def decidable(self) -> list[Criterion]:
        return [c for c in self.criteria if c.decidable]

    @property
    def all_met(self) -> bool:
        """Every condition the records can decide is met."""
        return all(c.status == MET for c in self.decidable)

    @property
    def short(self) -> list[Criterion]:
        """Decidable conditions not met, or not known for a missing figure."""
        return [c for c in self.decidable if c.status != MET]


def _window(figures: dict[int, Figures], year: int, founded_on, years: int) -> list[int]:
    """The accounting years the three-year ratio covers: the last ``years``, or fewer when the
    enterprise is younger (it then counts the years it has existed)."""
    first = year - years + 1
    if founded_on is not None and founded_on.year > first:
        first = founded_on.year
    return list(range(first, year + 1))


def _growth(values: list[Decimal | None]) -> Decimal | None:
    """Average yearly growth over three years: ½(V1/V0 + V2/V1) − 1."""
    if len(values) != 3 or any(v is None or v <= 0 for v in values[:2]) or values[2] is None:
        return None
    v0, v1, v2 = (Decimal(v) for v in values)
    return (v1 / v0 + v2 / v1) / 2 - 1


def hitech_screen(
    figures: dict[int, Figures],
    holdings: Holdings,
    year: int,
    *,
    founded_on: datetime.date | None = None,
    tech_field: str | None = None,
) -> HitechScreening:
    """Every condition of the 高企 recognition the records can decide, for an application using
    the accounting years up to ``year``."""
    rules = hitech_rules_for(year)
    result = HitechScreening(year=year, rules=rules)
    latest = figures.get(year)
    add = result.criteria.append

    # Registered at least a year before applying (at the start of year + 1).
    if founded_on is None:
        add(Criterion("registered", "注册成立满一年", UNKNOWN, "—", "成立一年以上"))
    else:
        cutoff = datetime.date(year + 1 - rules.min_years_registered, 1, 1)
        add(
            Criterion(
                "registered",
                "注册成立满一年",
                MET if founded_on <= cutoff else UNMET,
                f"成立于{founded_on.isoformat()}",
                "成立一年以上",
            )
        )

    # IP supporting the main products.
    ip_ok = (
        holdings.class_one_ip >= rules.min_class_one or holdings.class_two_ip >= rules.min_class_two
    )
    add(
        Criterion(
            "ip",
            "拥有核心知识产权",
            MET if ip_ok else UNMET,
            f"Ⅰ类{holdings.class_one_ip}项，Ⅱ类{holdings.class_two_ip}项",
            f"Ⅰ类≥{rules.min_class_one}项或Ⅱ类≥{rules.min_class_two}项",
        )
    )

    # One of the eight national fields.
    add(
        Criterion(
            "field",
            "属于《国家重点支持的高新技术领域》",
            MET if tech_field else UNKNOWN,
            tech_field or "—",
            "八大领域之一",
            note="" if tech_field else "未登记技术领域（见高企申报记录）",
        )
    )

    # 科技人员 share in the latest year.
    share = ratio(latest.tech_staff, latest.staff_total) if latest else None
    add(
        Criterion(
            "tech_staff",
            "科技人员占职工总数比例",
            UNKNOWN if share is None else MET if share >= rules.min_tech_staff_share else UNMET,
            percent(share),
            f"≥{percent(rules.min_tech_staff_share)}",
        )
    )

    # R&D over the window / sales over the window, by the latest year's sales band.
    window = _window(figures, year, founded_on, rules.years_window)
    rows = [figures.get(y) for y in window]
    missing_years = [
        y
        for y, row in zip(window, rows, strict=True)
        if row is None or row.rd is None or row.sales is None
    ]
    needed = None
    if latest is not None and latest.sales is not None:
        for limit, share_needed in rules.rd_share_by_sales:
            if limit is None or latest.sales <= limit:
                needed = share_needed
                break
    # An enterprise founded after the year has no year in the window (found by the property
    # test of cultivation/expressions.py): nothing to sum, so the ratio is unknown.
    if not window or missing_years or needed is None:
        gap = "、".join(str(y) for y in missing_years) or str(year)
        add(
            Criterion(
                "rd_share",
                "近三年研发费用占同期销售收入比例",
                UNKNOWN,
                "—",
                "按最近一年销售收入分档：≤5000万元5%，5000万至2亿元4%，2亿元以上3%",
                note=f"缺{gap}年度的研发费用或销售收入",
            )
        )
    else:
        rd_sum = sum((row.rd for row in rows), Decimal(0))
        sales_sum = sum((row.sales for row in rows), Decimal(0))
        value = ratio(rd_sum, sales_sum)
        add(
            Criterion(
                "rd_share",
                "近三年研发费用占同期销售收入比例",
                UNKNOWN if value is None else MET if value >= needed else UNMET,
                f"{percent(value)}（{window[0]}—{window[-1]}年）",
                f"≥{percent(needed)}（最近一年销售收入{latest.sales}万元）",
            )
        )

    # Domestic R&D share: only decidable where all R&D is recorded beside the domestic part.
    rd_totals = [row.rd_total for row in rows if row is not None]
    if rows and all(row is not None and row.rd_total for row in rows):
        domestic = ratio(sum(row.rd for row in rows if row.rd), sum(rd_totals))
        add(
            Criterion(
                "domestic_rd",
                "境内研发费用占全部研发费用比例",
                MET if domestic is not None and domestic >= rules.min_domestic_rd_share else UNMET,
                percent(domestic),
                f"≥{percent(rules.min_domestic_rd_share)}",
            )
        )
    else:
        add(
            Criterion(
                "domestic_rd",
                "境内研发费用占全部研发费用比例",
                MANUAL,
                "—",
                f"≥{percent(rules.min_domestic_rd_share)}",
                note="年度指标只记录境内研发费用",
            )
        )

    # Hi-tech product income in the latest year.
    income = ratio(latest.hitech_income, latest.sales) if latest else None
    add(
        Criterion(
            "hitech_income",
            "高新技术产品（服务）收入占同期总收入比例",
            UNKNOWN
            if income is None
            else MET
            if income >= rules.min_hitech_income_share
            else UNMET,
            percent(income),
            f"≥{percent(rules.min_hitech_income_share)}",
        )
    )

    # Innovation capacity: experts judge it; growth is prefilled where three years exist.
    years = [year - 2, year - 1, year]
    sales_growth = _growth([figures[y].sales if y in figures else None for y in years])
    assets_growth = _growth([figures[y].net_assets if y in figures else None for y in years])
    parts = []
    points = 0
    for label, growth in (("销售收入", sales_growth), ("净资产", assets_growth)):
        if growth is None:
            parts.append(f"{label}增长率数据不全")
            continue
        gained = points_for(growth, rules.growth_bands)
        points += gained
        parts.append(f"{label}增长率{percent(growth)}（预估{gained}分）")
    result.growth_points = points if sales_growth is not None or assets_growth is not None else None
    add(
        Criterion(
            "capacity",
            "创新能力评价",
            EXPERT,
            "；".join(parts),
            f"≥{rules.min_capacity_score}分（知识产权30、成果转化30、研发管理20、成长性20）",
            points=result.growth_points,
            note="成长性得分按近三年销售收入和净资产预填，其余由专家评价",
        )
    )

    add(
        Criterion(
            "incidents",
            "申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为",
            MANUAL,
            "—",
            "无",
        )
    )
    return result
