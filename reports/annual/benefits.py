"""The annual report's 惠企政策 statements (issue 26), kept in a module of their own: the sentence
of 一、（一）3 on what reached the enterprises, the problem of 二、 when 兑现率 falls short or
eligible enterprises were not reached, and 三、（四） 狠抓惠企政策落实 from the records (the awards
still unpaid, the eligible enterprises to reach, the vouchers about to expire).

``outline.py`` places them (``work.1.3.benefits``, the last of ``PROBLEMS``, ``plans.4.body``);
the figures are the registry's (``reports/indicators/benefits.py``), and what depends on the
report's cut-off date (vouchers about to expire) is a fact kept on the version (``facts``).
"""

import datetime
from decimal import Decimal

from benefits.models import Voucher
from reports.annual.drafting import DraftContext, fill, format_value

# Every figure the statements read, for the outline's check against the registry.
KEYS = {
    "benefit_paid",
    "benefit_paid_hitech",
    "benefit_enterprises",
    "benefit_rate",
    "benefit_unpaid",
    "benefit_owed",
    "benefit_owed_amount",
    "deduction_enterprises",
    "deduction_amount",
    "voucher_issued",
    "voucher_used",
    "hitech_tax_enterprises",
}
# Unused vouchers that expire by the end of the year after the report's are named in its plans.
NAMED_LIMIT = 3


def facts(year: int, cutoff: datetime.date) -> dict:
    """What the statements need beyond the figures: the vouchers issued by ``cutoff``, still
    unused, that expire after it and by the end of next year."""
    rows = list(
        Voucher.objects.filter(
            status=Voucher.Status.ISSUED,
            issued_on__lte=cutoff,
            expires_on__gte=cutoff,
            expires_on__lte=datetime.date(year + 1, 12, 31),
        )
        .order_by("expires_on", "number")
        .values_list("amount", "expires_on")
    )
    return {
        "expiring_vouchers": len(rows),
        "expiring_amount": str(sum((amount for amount, _d in rows), Decimal(0))),
        "expiring_first": rows[0][1].isoformat() if rows else None,
    }


def _value(context: DraftContext, key: str):
    figure = context.figures.get(key)
    return figure.value if figure is not None else None


def _any(context: DraftContext, *keys: str) -> bool:
    return any(_value(context, key) for key in keys)


def _plain(text: str) -> dict:
    return {"text": text}


def work_sentence(context: DraftContext) -> list[dict]:
    """全年兑现各类惠企资金X万元，惠及企业X家，其中高企认定奖励X万元；X家企业享受研发费用加计
    扣除X亿元；X家高新技术企业享受所得税优惠；发放创新券X万元、使用X万元。Each clause only when
    its records exist; nothing when none do (a district that keeps no such records)."""
    period = "全年" if context.full_year else context.extra.get("as_of") or "截至目前"
    clauses = []
    if _any(context, "benefit_paid"):
        clause = fill(
            "兑现各类惠企资金{benefit_paid}万元，惠及企业{benefit_enterprises}家", context
        )
        if _any(context, "benefit_paid_hitech"):
            clause += fill("，其中高企认定奖励{benefit_paid_hitech}万元", context)
        clauses.append(clause)
    if _any(context, "deduction_enterprises"):
        clauses.append(
            fill(
                "{deduction_enterprises}家企业享受研发费用加计扣除{deduction_amount:.2f}亿元",
                context,
            )
        )
    if _any(context, "hitech_tax_enterprises"):
        clauses.append(
            fill("{hitech_tax_enterprises}家高新技术企业享受15%企业所得税优惠税率", context)
        )
    if _any(context, "voucher_issued"):
        clauses.append(fill("发放创新券{voucher_issued}万元、使用{voucher_used}万元", context))
    if not clauses:
        return []
    segments = [_plain(f"落实惠企政策，{period}")]
    for number, clause in enumerate(clauses):
        if number:
            segments.append(_plain("；"))
        segments += clause
    return segments + [_plain("。")]


def _unpaid_amount(context: DraftContext) -> Decimal:
    figure = context.figures.get("benefit_unpaid")
    total = Decimal(0)
    for row in figure.details if figure else []:
        if row.get("approved") not in (None, ""):
            total += Decimal(str(row["approved"]))
    return total


def problem(context: DraftContext) -> list[dict] | None:
    """惠企政策兑现不到位, with the numbers: 兑现率 below 100 %, approved awards unpaid, eligible
    enterprises with no award."""
    rate = _value(context, "benefit_rate")
    owed = _value(context, "benefit_owed") or 0
    short = rate is not None and rate < 100
    if not short and not owed:
        return None
    parts = []
    if short:
        parts += fill("兑现率{benefit_rate:.2f}%", context)
        if _value(context, "benefit_unpaid"):
            parts += fill("，{benefit_unpaid}项已公示的奖补资金", context)
            parts.append(_plain(f"{format_value(_unpaid_amount(context))}万元尚未拨付"))
    if owed:
        if parts:
            parts.append(_plain("；"))
        parts += fill(
            "{benefit_owed}项符合条件的奖补尚未申报兑现（测算金额{benefit_owed_amount}万元）",
            context,
        )
    return [_plain("惠企政策兑现不够到位，"), *parts]


def plan(context: DraftContext) -> list[dict]:
    """三、（四）: the instruments the sample names, then next year's work from the records."""
    segments = [
        _plain("积极落实高企税收优惠和奖补、研发费用加计扣除、创新券产学研引导资金等各项激励政策")
    ]
    items: list[list[dict]] = []
    if _value(context, "benefit_unpaid"):
        unpaid = context.figures["benefit_unpaid"]
        names = [row.get("enterprise") for row in unpaid.details if row.get("enterprise")]
        shown = "、".join(dict.fromkeys(names[:NAMED_LIMIT]))
        more = "等" if len(set(names)) > NAMED_LIMIT else ""
        items.append(
            fill("加快拨付已公示的{benefit_unpaid}项奖补资金", context)
            + [_plain(f"{format_value(_unpaid_amount(context))}万元（{shown}{more}）")]
        )
    if _value(context, "benefit_owed"):
        items.append(
            fill(
                "主动对接{benefit_owed}项符合条件尚未申报的奖补（测算金额{benefit_owed_amount}"
                "万元），做到应兑尽兑",
                context,
            )
        )
    expiring = (context.facts.get("benefits") or {}).get("expiring_vouchers") or 0
    if expiring:
        amount = format_value(Decimal(context.facts["benefits"]["expiring_amount"]))
        items.append(
            [
                _plain(
                    f"督促{expiring}张将于{context.next_year}年底前到期的创新券（{amount}万元）"
                    "尽快使用"
                )
            ]
        )
    if items:
        segments.append(_plain("，"))
        for number, item in enumerate(items):
            if number:
                segments.append(_plain("；"))
            segments += item
    segments.append(_plain("，努力营造良好的创新环境，激发企业的创新动力。"))
    return segments
