"""The report's 惠企政策 statements read from the records: the sentence of 一、, the problem of
二、 and the plan (四) each change when a record changes."""

import datetime
from decimal import Decimal

import pytest

from benefits.models import Award, Policy
from reports.annual import selectors
from reports.annual.drafting import segments_text
from reports.annual.outline import SLOTS, problems
from tests import factories as f

pytestmark = pytest.mark.django_db
YEAR = 2025
TODAY = datetime.date(2026, 3, 1)
D = Decimal


def _context():
    return selectors.draft_context(YEAR, selectors.figures_snapshot(YEAR, today=TODAY))


def _slot(key: str) -> str:
    return segments_text(SLOTS[key].draft(_context()))


def _problem() -> str:
    return "".join(segments_text(item) for item in problems(_context()))


def _certified(enterprise):
    return f.HiTechApplicationFactory(
        enterprise=enterprise,
        year=YEAR,
        status="certified",
        certificate_number=f"GR{enterprise.pk:08d}",
        issued_on=datetime.date(YEAR, 11, 28),
    )


@pytest.fixture
def records(township):
    policy = f.PolicyFactory(condition=Policy.Condition.HITECH_FIRST, fixed_amount=D("20"))
    paid = f.EnterpriseFactory(township=township, name="已兑现企业")
    waiting = f.EnterpriseFactory(township=township, name="待拨付企业")
    for enterprise in (paid, waiting):
        _certified(enterprise)
    f.AwardFactory(
        enterprise=paid,
        policy=policy,
        status=Award.Status.PAID,
        amount_approved=D("20"),
        amount_paid=D("20"),
        paid_on=datetime.date(2026, 2, 1),
    )
    unpaid = f.AwardFactory(
        enterprise=waiting, policy=policy, status=Award.Status.PUBLICITY, amount_approved=D("20")
    )
    f.RdDeductionFactory(enterprise=paid, year=YEAR, deducted_amount=D("25000000"))
    f.VoucherFactory(enterprise=paid, amount=D("10"), issued_on=datetime.date(YEAR, 12, 1))
    f.VoucherFactory(
        enterprise=waiting,
        amount=D("5"),
        status="used",
        amount_used=D("4"),
        contract="检测服务合同",
    )
    return {"policy": policy, "unpaid": unpaid, "waiting": waiting}


def test_the_work_sentence_reads_the_records(records):
    text = _slot("work.1.3.benefits")
    assert text == (
        "落实惠企政策，全年兑现各类惠企资金20万元，惠及企业1家，其中高企认定奖励20万元；"
        "1家企业享受研发费用加计扣除0.25亿元；2家高新技术企业享受15%企业所得税优惠税率；"
        "发放创新券15万元、使用4万元。"
    )
    unpaid = records["unpaid"]
    unpaid.status, unpaid.amount_paid = Award.Status.PAID, D("20")
    unpaid.paid_on = datetime.date(2026, 2, 10)
    unpaid.save()
    assert "兑现各类惠企资金40万元，惠及企业2家，其中高企认定奖励40万元" in _slot(
        "work.1.3.benefits"
    )


def test_no_records_no_sentence(township):
    assert _slot("work.1.3.benefits") == ""
    assert "惠企政策" not in _problem()


def test_the_problem_names_the_rate_the_unpaid_and_the_owed(records, township):
    assert "惠企政策兑现不够到位，兑现率50.00%，1项已公示的奖补资金20万元尚未拨付" in _problem()
    assert "尚未申报兑现" not in _problem()
    # An enterprise certified with no award: owed.
    _certified(f.EnterpriseFactory(township=township, name="未申报企业"))
    assert "；1项符合条件的奖补尚未申报兑现（测算金额20万元）" in _problem()
    unpaid = records["unpaid"]
    unpaid.status, unpaid.amount_paid = Award.Status.PAID, D("20")
    unpaid.paid_on = datetime.date(2026, 2, 10)
    unpaid.save()
    assert "兑现率" not in _problem()


def test_the_plan_names_the_unpaid_the_owed_and_the_vouchers_about_to_expire(records, township):
    plan = _slot("plans.4.body")
    assert "加快拨付已公示的1项奖补资金20万元（待拨付企业）" in plan
    assert "主动对接" not in plan
    # The voucher issued on 1 December, unused, expires within next year.
    assert "督促1张将于2026年底前到期的创新券（10万元）尽快使用" in plan
    _certified(f.EnterpriseFactory(township=township, name="未申报企业"))
    assert "主动对接1项符合条件尚未申报的奖补（测算金额20万元），做到应兑尽兑" in _slot(
        "plans.4.body"
    )
    records["unpaid"].delete()
    plan = _slot("plans.4.body")
    assert "加快拨付" not in plan and "主动对接2项" in plan
