"""A district year with a record behind every figure of the annual report, for the report's
tests: drafted from it, the report has no missing figure."""

import datetime
from decimal import Decimal

from bureau.models import WorkActivity
from enterprises.models import HiTechApplication
from platforms.models import Level, Platform
from reports.annual import services
from reports.models import ReportVersion
from talents.models import TalentStage
from tests import factories as f

YEAR = 2025
Step = TalentStage.Step
Result = TalentStage.Result


def _stages(project, *steps):
    day = datetime.date(YEAR, 3, 1)
    for number, (step, result) in enumerate(steps):
        f.TalentStageFactory(
            project=project, step=step, result=result, date=day + datetime.timedelta(days=number)
        )


def build_year(year: int = YEAR) -> dict:
    """Records of ``year`` (and a contract of the year before, for the growth)."""
    assert year == YEAR, "the factories' dates are those of 2025"
    township = f.TownshipFactory(code="370302001", name="城关街道")
    chain = f.IndustryFactory(name="汽车零部件", is_key_chain=True)
    lead = f.EnterpriseFactory(
        name="德通交通器材制造有限公司", township=township, is_above_scale=True
    )
    f.InnovationCommunityFactory(lead_enterprise=lead, industry=chain)

    for _ in range(3):
        f.SmeEvaluationFactory()
    f.HiTechApplicationFactory()
    f.HiTechApplicationFactory(
        status=HiTechApplication.Status.CERTIFIED,
        certificate_number="GR202537000123",
        issued_on=datetime.date(YEAR, 11, 1),
    )
    f.YearlyFigureFactory(
        industrial_output=Decimal("6000"), hitech_output=Decimal("2000"), enterprise=lead
    )
    f.ExternalFigureFactory(
        key="hitech_output_share_rank", value=3, as_of=datetime.date(YEAR, 9, 30)
    )
    f.ExternalFigureFactory(key="hitech_output_share_city", value=Decimal("40.5"))
    f.ExternalFigureFactory(key="tech_contract_growth_rank", value=1)
    f.ExternalFigureFactory(key="maker_space_city_quota", value=5)

    f.WorkActivityFactory(kind=WorkActivity.Kind.RD_TRAINING)
    f.WorkActivityFactory(kind=WorkActivity.Kind.RD_TRAINING)
    f.WorkActivityFactory(kind=WorkActivity.Kind.TRAINING, topic="高新技术企业申报培训")
    for _ in range(3):
        f.WorkActivityFactory(kind=WorkActivity.Kind.POLICY_VISIT, topic="送政策上门")
    f.TechContractFactory(contract_amount=Decimal("15000"), tech_amount=Decimal("12000"))
    f.TechContractFactory(
        contract_amount=Decimal("10000"),
        tech_amount=Decimal("9000"),
        signed_on=datetime.date(YEAR - 1, 3, 1),
        registered_on=datetime.date(YEAR - 1, 3, 10),
    )

    wang = f.TalentProjectFactory(candidate="王教授")
    _stages(
        wang,
        (Step.DISTRICT, Result.PASSED),
        (Step.CITY_REVIEW, Result.PASSED),
        (Step.DEFENCE, Result.PASSED),
        (Step.SITE_VISIT, Result.PENDING),
    )
    li = f.TalentProjectFactory(candidate="李博士")
    _stages(
        li,
        (Step.DISTRICT, Result.PASSED),
        (Step.CITY_REVIEW, Result.PASSED),
        (Step.ONLINE_REVIEW, Result.PASSED),
    )
    f.WorkPermitFactory()
    f.WorkPermitFactory()
    f.AnnualTargetFactory(year=YEAR, indicator="work_permits_issued", value=1)
    f.AnnualTargetFactory(year=YEAR, indicator="sme_registered", value=10)
    f.IntroProjectFactory(title="草莓新品种引进、高效种植及加工新技术研发")

    f.PlatformFactory(
        name="通享文化众创空间",
        level=Level.NATIONAL,
        status=Platform.Status.RECOGNISED,
        document_number="国科火字〔2025〕88号",
        recognised_on=datetime.date(YEAR, 8, 23),
    )
    f.PlatformFactory(name="正泰科创众创空间", status=Platform.Status.RECOMMENDED)
    f.PlatformFactory(name="鸿远众创空间", status=Platform.Status.APPLIED)
    f.PlatformFactory(
        name="德通新材料研究院",
        kind=Platform.Kind.NEW_RD,
        status=Platform.Status.RECOMMENDED,
        host=lead,
    )
    f.PlatformFactory(
        name="德通研发平台",
        kind=Platform.Kind.RD_PLATFORM,
        level=Level.CITY,
        status=Platform.Status.CULTIVATING,
        upgraded=True,
        host=lead,
    )
    f.PlatformFactory(name="材料重点实验室", kind=Platform.Kind.KEY_LAB, level=Level.CITY)
    f.PlatformFactory(name="零部件创新中心", kind=Platform.Kind.INNOVATION_CENTRE, level=Level.CITY)

    f.CoverageMilestoneFactory(
        title="规上工业企业研发机构全覆盖动员会议",
        participants="区直有关部门、各乡镇（街道）",
        key_enterprises=12,
    )
    f.RdCoverageFactory(enterprise=lead)
    f.RdCoverageFactory(has_institution=False, institution_name="", institution_type="")

    visit = f.ServiceVisitFactory()
    f.ServiceVisitFactory(village=visit.village)
    f.AgriStationFactory(village=visit.village)
    f.DemoBaseFactory(village=visit.village)
    f.AchievementFactory()

    for indicator, value in {
        "new_platforms_city_and_above": 3,
        "sme_registered": 5,
        "hitech_applications": 4,
        "hitech_certified": 2,
    }.items():
        f.AnnualTargetFactory(year=YEAR + 1, indicator=indicator, value=value)
    return {"township": township, "lead": lead}


def approve(version, *, staff, leader, opinion: str = "", at=None):
    """Submit ``version`` (the latest) and approve it, as staff and a leader do on the pages;
    ``at`` backdates the approval (the 成文日期)."""
    services.report_submit(report=version.report, user=staff, base=version.number)
    services.report_version_approve(version=version, user=leader, opinion=opinion)
    if at is not None:
        ReportVersion.objects.filter(pk=version.pk).update(approved_at=at)
    version.refresh_from_db()
    return version
