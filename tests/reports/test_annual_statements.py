"""The report's statements read from the records as of its cut-off date; its problems and plans
come from the figures; the bureau's identity names it."""

import datetime
from decimal import Decimal

import pytest

from bureau.models import BureauProfile, ExternalFigure
from bureau.services import bureau_profile_update
from platforms.models import Level, Platform
from reports.annual import facts, selectors
from reports.annual.drafting import format_value, segments_text
from reports.annual.outline import SLOTS, problems
from talents.models import TalentStage
from tests import factories as f
from tests.reports.annual_data import YEAR, build_year

pytestmark = pytest.mark.django_db
D = datetime.date
Step = TalentStage.Step
Result = TalentStage.Result
PS = Platform.Status
AFTER_THE_YEAR = D(YEAR + 1, 3, 1)


def draft(key: str, *, today: datetime.date = AFTER_THE_YEAR, year: int = YEAR) -> str:
    context = selectors.draft_context(year, selectors.figures_snapshot(year, today=today))
    return segments_text(SLOTS[key].draft(context))


def context_of(year: int = YEAR, today: datetime.date = AFTER_THE_YEAR):
    return selectors.draft_context(year, selectors.figures_snapshot(year, today=today))


# --- The cut-off ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "cutoff", "phrase"),
    [
        (D(2026, 3, 1), D(2025, 12, 31), ""),  # a finished year: its last day
        (D(2025, 11, 20), D(2025, 10, 31), "截至10月底"),  # in progress: end of last month
        (D(2025, 3, 5), D(2025, 2, 28), "截至2月底"),
        (D(2025, 1, 20), D(2025, 1, 20), "截至1月20日"),  # January: today
    ],
)
def test_the_cutoff_of_a_finished_and_of_a_running_year(today, cutoff, phrase):
    assert facts.report_cutoff(2025, today) == cutoff
    assert facts.as_of_phrase(2025, cutoff) == phrase


def test_a_year_in_progress_counts_only_what_happened_by_the_end_of_last_month():
    build_year()
    visit = f.ServiceVisitFactory(date=D(YEAR, 11, 5))  # after the cut-off of 20 November
    f.ServiceVisitFactory(village=visit.village, date=D(YEAR, 10, 31))
    text = draft("work.4.body", today=D(YEAR, 11, 20))
    assert "截至10月底累计开展技术指导服务3次" in text  # the two of build_year and 31 October
    assert "全年累计开展技术指导服务4次" in draft("work.4.body")
    assert "截至10月底全区高新技术产业产值" in draft("work.1.2.body", today=D(YEAR, 11, 20))


def test_growth_of_a_year_in_progress_compares_the_same_period_of_last_year():
    f.TechContractFactory(contract_amount=Decimal("10000"), registered_on=D(YEAR, 3, 1))
    f.TechContractFactory(contract_amount=Decimal("10000"), registered_on=D(YEAR - 1, 3, 1))
    # Registered in November last year: outside the same period (to 31 October).
    f.TechContractFactory(contract_amount=Decimal("30000"), registered_on=D(YEAR - 1, 11, 2))
    in_progress = context_of(today=D(YEAR, 11, 20))
    assert in_progress.value("tech_contract_growth") == Decimal("0.00")
    assert context_of().value("tech_contract_growth") == Decimal("-75.00")
    assert "同比下降75.00%" in draft("work.1.3.body")


# --- Statements of status ------------------------------------------------------------------------


def test_a_talent_project_is_told_where_it_stood_and_a_new_stage_changes_the_sentence():
    build_year()
    assert "李博士的项目已通过网络初评（会评），等待答辩" in draft("work.2.1.body")
    li = TalentStage.objects.get(project__candidate="李博士", step=Step.ONLINE_REVIEW).project
    f.TalentStageFactory(project=li, step=Step.DEFENCE, result=Result.FAILED, date=D(YEAR, 8, 15))
    text = draft("work.2.1.body")
    assert "李博士的项目8月15日未通过答辩" in text
    assert "等待答辩" not in text


def test_a_stage_after_the_cutoff_is_not_yet_known():
    build_year()
    wang = TalentStage.objects.get(project__candidate="王教授", step=Step.SITE_VISIT).project
    TalentStage.objects.filter(project=wang, step=Step.SITE_VISIT).update(result=Result.PASSED)
    f.TalentStageFactory(
        project=wang, step=Step.PUBLICITY, result=Result.PASSED, date=D(YEAR, 12, 1)
    )
    f.TalentStageFactory(
        project=wang, step=Step.FINAL, result=Result.SELECTED, date=D(YEAR + 1, 1, 10)
    )
    # The report of the year says where it stood on 31 December, not what came in January.
    text = draft("work.2.1.body")
    assert "王教授的项目已进入公示" in text and "入选" not in text.split("截至年底")[1]


def test_a_filed_maker_space_is_said_to_be_filed_and_named_with_its_document():
    f.PlatformFactory(
        name="福嘉科创众创空间",
        level=Level.PROVINCIAL,
        status=PS.RECOGNISED,
        document_number="鲁科字〔2025〕12号",
        recognised_on=D(YEAR, 6, 22),
    )
    f.PlatformFactory(name="晟翔科创众创空间", level=Level.PROVINCIAL, status=PS.REJECTED)
    text = draft("work.3.1.body")
    assert "福嘉科创众创空间通过专家评审并获推荐" in text
    assert "已获省科技厅备案（鲁科字〔2025〕12号，6月22日）" in text
    assert "晟翔科创众创空间未通过评审" in text
    assert "已推荐至省科技厅评审" not in text
    # In May the filing was still ahead: then it was recommended, nothing more.
    in_may = draft("work.3.1.body", today=D(YEAR, 6, 10))
    assert "福嘉科创众创空间通过专家评审，已推荐至省科技厅评审" in in_may
    assert "备案（" not in in_may


def test_new_rd_institutions_say_which_was_filed_and_which_failed():
    f.PlatformFactory(
        name="固废建材研究院",
        kind=Platform.Kind.NEW_RD,
        host__name="鑫川水泥制品有限责任公司",
        status=PS.RECOGNISED,
        document_number="鲁科字〔2025〕16号",
        recognised_on=D(YEAR, 6, 6),
    )
    f.PlatformFactory(
        name="绿色建材研究院",
        kind=Platform.Kind.NEW_RD,
        host__name="山东中远耐火材料股份有限公司",
        status=PS.REJECTED,
    )
    text = draft("work.3.2.body")
    assert "共推荐2家" in text
    assert "鑫川水泥制品有限责任公司（固废建材研究院）已获省科技厅备案（鲁科字〔2025〕16号" in text
    assert "山东中远耐火材料股份有限公司未通过" in text
    assert "1家" not in text.split("共推荐2家")[1]


def test_the_intro_project_names_its_host_and_expert_and_quotes_its_title():
    project = f.IntroProjectFactory(
        title="樱桃新品种引进、高效种植及加工新技术研发",
        host__name="科国农牧有限公司",
        expert_names="以色列草莓育种专家Eitan Cohen",
        status="approved",
    )
    expert = f.ForeignExpertFactory(name="Eitan Cohen")
    project.experts.add(expert)
    text = draft("work.2.2.body")
    assert (
        "科国农牧有限公司与以色列草莓育种专家Eitan Cohen合作的"
        "“樱桃新品种引进、高效种植及加工新技术研发”项目（已立项）"
    ) in text
    assert text.count("Eitan Cohen") == 1


def test_the_departments_in_charge_of_townships_are_told_once_at_the_deployment_meeting():
    build_year()
    f.CoverageMilestoneFactory(
        date=D(YEAR, 5, 5), kind="deployment", title="专题部署会议", document="行动方案"
    )
    north, south = f.TownshipFactory(name="北坡镇"), f.TownshipFactory(name="南河镇")
    f.DepartmentFactory(name="区财政局").townships.add(north, south)
    text = draft("work.3.4.body")
    assert "会议传达了《行动方案》，明确1个部门帮包乡镇（街道）的任务分工（区财政局帮包" in text
    assert text.count("帮包乡镇") == 1


def test_an_issued_plan_names_its_document_once():
    f.CoverageMilestoneFactory(
        date=D(YEAR, 4, 30), kind="plan", title="印发研发机构全覆盖行动方案", document="工作要点"
    )
    text = draft("work.3.4.body")
    assert "4月30日，印发《工作要点》" in text
    assert text.count("印发") == 1


def test_programmes_are_named_once_with_their_categories():
    for candidate, programme in [
        ("甲", "taishan_startup"),
        ("乙", "taishan_startup"),
        ("丙", "taishan_traditional"),
        ("丁", "city"),
    ]:
        f.TalentProjectFactory(candidate=candidate, programme=programme)
    text = draft("work.2.1.body")
    assert (
        "其中泰山产业领军人才工程3项（科技创业类2项、传统产业创新类1项）、市级人才工程1项" in text
    )
    assert text.count("泰山产业领军人才工程·") == 0
    assert "科技创业类申报2项、通过市级评审0项" in text


def test_township_rates_are_ordered_and_to_two_decimals():
    for name, covered, total in [("甲镇", 1, 2), ("乙镇", 2, 2), ("丙镇", 2, 3)]:
        township = f.TownshipFactory(name=name)
        for n in range(total):
            f.RdCoverageFactory(enterprise__township=township, has_institution=n < covered)
    text = draft("work.3.4.body")
    assert "分乡镇（街道）看，乙镇100.00%、丙镇66.67%、甲镇50.00%" in text


def test_when_every_key_village_was_served_it_is_said_once():
    build_year()
    text = draft("work.4.body")
    assert "实现重点村技术服务全覆盖" in text
    assert text.count("个重点村") == 0 and text.count("扶贫工作重点村") == 1


# --- Problems and plans --------------------------------------------------------------------------


def test_problems_name_missed_targets_with_target_and_actual():
    build_year()
    f.AnnualTargetFactory(year=YEAR, indicator="coverage_rate", value=75)
    text = draft("problems.1")
    assert text.startswith("一是部分年度目标任务未完成：")
    assert "科技型中小企业评价入库3家，低于全年10家的目标" in text
    assert "规上工业企业研发机构覆盖率50.00%，低于全年75%的目标" in text


def test_problems_name_falls_on_last_year_and_townships_behind():
    build_year()
    for _ in range(5):
        f.WorkActivityFactory(kind="policy_visit", topic="送政策上门", date=D(YEAR - 1, 6, 1))
    found = [segments_text(item) for item in problems(context_of())]
    assert any("送政策上门服务3次，比上年减少2次" in item for item in found), found
    assert any("城关街道" not in item and "低于全区水平" in item for item in found), found


def test_a_share_above_the_citys_is_never_called_small():
    build_year()
    ExternalFigure.objects.filter(key="hitech_output_share_city").update(value=Decimal("20"))
    text = draft("problems.1") + draft("problems.2")
    assert "比重偏小" not in text
    assert "高于全市20.00%的平均水平" in draft("work.1.2.body")


def test_each_problem_links_to_its_figure():
    build_year()
    context = context_of()
    for item in problems(context):
        assert any(segment.get("url") for segment in item), segments_text(item)


def test_plans_never_promise_less_than_this_year_achieved():
    build_year()  # next year's target for 认定 is 2; this year 1 was certified
    assert "确保2026年高企认定通过2家以上" in draft("plans.2.body")
    f.HiTechApplicationFactory(status="certified", issued_on=D(YEAR, 10, 1))
    f.HiTechApplicationFactory(status="certified", issued_on=D(YEAR, 10, 2))
    # Three certified against a target of two: the plan holds to three.
    assert "确保2026年高企认定通过3家以上（高于2家的年度目标）" in draft("plans.2.body")


def test_without_a_target_the_plan_proposes_this_years_result_and_says_so():
    build_year()
    text = draft("plans.3.body")
    assert (
        "全年办理外国人来华工作许可2人以上（未录入2026年目标，此为建议值：不低于今年水平）" in text
    )


PLAN_FIGURES = {  # the plans' figures and their units
    "new_platforms_city_and_above": ("plans.1.body", "家"),
    "sme_registered": ("plans.2.body", "家"),
    "hitech_applications": ("plans.2.body", "家"),
    "hitech_certified": ("plans.2.body", "家"),
    "work_permits_issued": ("plans.3.body", "人"),
    "coverage_rate": ("plans.5.body", "%"),
}


def test_every_plan_figure_quotes_its_target_and_a_raised_one_in_the_same_words():
    """A target below this year's result: the plan holds to the result and says, in the same
    words for every figure (mid-clause too), that it is above the recorded target; a target
    at or above the result is quoted as it is."""
    from bureau.models import AnnualTarget

    build_year()
    figures = context_of().figures
    for key, (slot, unit) in PLAN_FIGURES.items():
        achieved = figures[key].value
        assert achieved, key  # build_year gives each a result to raise a target below
        below = Decimal(achieved) - 1 if unit != "%" else Decimal(achieved) - Decimal("0.5")
        AnnualTarget.objects.update_or_create(
            year=YEAR + 1, indicator=key, defaults={"value": below}
        )
        words = f"（高于{format_value(below)}{unit}的年度目标）"
        assert words in draft(slot), (key, draft(slot))
        AnnualTarget.objects.filter(year=YEAR + 1, indicator=key).update(value=achieved + 5)
        text = draft(slot)
        assert f"{format_value(Decimal(achieved) + 5)}{unit}" in text, (key, text)


# --- Identity ------------------------------------------------------------------------------------


def test_the_title_carries_the_bureaus_name_from_its_profile(admin_user):
    assert segments_text(SLOTS["title"].draft(context_of())) == f"区科技局{YEAR}年度工作报告"
    bureau_profile_update(
        user=admin_user,
        data={
            "district_name": "青河区",
            "bureau_name": "鲁川市青河区科学技术局",
            "bureau_short_name": "青河区科技局",
            "issuing_unit": "鲁川市青河区科学技术局",
        },
    )
    assert segments_text(SLOTS["title"].draft(context_of())) == f"青河区科技局{YEAR}年度工作报告"
    assert BureauProfile.history.count() == 1
