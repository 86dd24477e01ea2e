"""Each indicator of the registry against hand-counted records.

Every test builds a few records of the year 2025 that count, and beside them the ones that must
not: other years, other townships, rejected or unfinished statuses, deleted records, and the
same enterprise (or expert, or village) on several records.
"""

import datetime
import json
from decimal import Decimal
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from bureau.services import record_delete
from cultivation import evaluations, selectors
from enterprises.models import Enterprise
from platforms.models import Level, Platform
from reports import tallies
from reports.indicators import REGISTRY, compute_all, compute_many, get_indicator
from reports.indicators.base import ExternalIndicator
from reports.indicators.definitions import HitechReserve
from talents.models import TalentProject, TalentStage
from tests import factories as f
from tests.reports.pipeline_data import reserve_firm

pytestmark = pytest.mark.django_db

Y = 2025
D = datetime.date
PS = Platform.Status
Step = TalentStage.Step
Result = TalentStage.Result


def value(key, year=Y, township=None):
    return REGISTRY[key].compute(year, township).value


# ---- the registry itself --------------------------------------------------------------------


def test_registry_covers_the_sample_report_with_documented_indicators():
    assert len(REGISTRY) >= 25
    sections = {indicator.section for indicator in REGISTRY.values()}
    assert {"（一）1", "（一）2", "（一）3", "（二）1", "（二）2"} <= sections
    assert {"（三）1", "（三）2", "（三）3", "（三）4", "（四）"} <= sections
    for key, indicator in REGISTRY.items():
        assert indicator.key == key
        assert indicator.label and indicator.unit and indicator.section
        assert len((indicator.__doc__ or "").split()) >= 3, key


def test_get_indicator_names_an_unknown_key():
    assert get_indicator("sme_registered") is REGISTRY["sme_registered"]
    with pytest.raises(KeyError, match="no_such"):
        get_indicator("no_such")


# ---- （一） innovation actors -----------------------------------------------------------------


def test_sme_registered_counts_registered_enterprises_of_the_year(township, other_township):
    f.SmeEvaluationFactory(enterprise__township=township)
    f.SmeEvaluationFactory(enterprise__township=township)
    f.SmeEvaluationFactory(enterprise__township=other_township)
    f.SmeEvaluationFactory(enterprise__township=township, status="rejected")
    f.SmeEvaluationFactory(enterprise__township=township, status="revoked")
    f.SmeEvaluationFactory(enterprise__township=township, year=2024)
    deleted = f.SmeEvaluationFactory(enterprise__township=township)
    record_delete(instance=deleted)

    assert value("sme_registered") == 3
    assert value("sme_registered", township=township) == 2
    assert value("sme_registered", township=other_township.code) == 1
    assert value("sme_registered", year=2024) == 1
    breakdown = REGISTRY["sme_registered"].compute(Y).breakdown
    assert breakdown == {"城关街道": 2, "东山镇": 1}


def test_hitech_applications_leave_out_cultivation_and_count_rejections(township):
    for status in ("applied", "review", "publicity", "certified", "rejected"):
        f.HiTechApplicationFactory(enterprise__township=township, status=status)
    f.HiTechApplicationFactory(enterprise__township=township, status="cultivating")
    f.HiTechApplicationFactory(
        enterprise__township=township,
        status="certified",
        year=2024,
        certificate_number="GR2024",
        issued_on=D(2024, 12, 1),
    )

    assert value("hitech_applications") == 5
    assert value("hitech_certified") == 1
    assert value("hitech_certified", year=2024) == 1


def test_hitech_reserve_counts_the_candidates_and_those_meeting_every_condition(
    township, other_township
):
    reserve_firm(township, "甲")  # every decidable condition met
    reserve_firm(township, "乙", ip=False)  # one short (IP): still a candidate
    reserve_firm(other_township, "丙", tech_staff=5)  # one short (科技人员 5%)
    reserve_firm(township, "丁", ip=False, tech_staff=5)  # two short: not a candidate
    reserve_firm(township, "戊", years=(2023, 2024))  # no figures of 2025
    certified = reserve_firm(other_township, "己")
    f.HiTechApplicationFactory(
        enterprise=certified,
        year=2024,
        status="certified",
        certificate_number="GR202437000001",
        issued_on=D(2024, 11, 1),
        expires_on=D(2027, 10, 31),
    )  # valid at the end of 2025: holds the certificate, no candidate

    assert (value("hitech_reserve"), value("hitech_reserve_ready")) == (3, 1)
    assert value("hitech_reserve", township=township) == 2
    assert value("hitech_reserve_ready", township=other_township) == 0
    # 2024: every window lacks 2022, so the R&D share is unknown (one short) for all: 甲 and 戊
    # (who has figures of 2024) are candidates, none ready; 己's certificate was valid already.
    assert (value("hitech_reserve", year=2024), value("hitech_reserve_ready", year=2024)) == (2, 0)
    assert REGISTRY["hitech_reserve"].compute(Y).breakdown == {"东山镇": 1, "城关街道": 2}
    names = set(REGISTRY["hitech_reserve"].queryset(Y).values_list("name", flat=True))
    assert names == {"甲", "乙", "丙"}


def test_hitech_reserve_reads_only_possible_candidates_and_finds_what_the_list_finds(township):
    """The registry scores only enterprises with IP or a field on record: without both, two
    conditions are short. It finds the same enterprises as the 后备高企 list's full screening."""
    reserve_firm(township, "甲")
    reserve_firm(township, "乙", ip=False)
    no_field = reserve_firm(township, "丙")  # IP but its application is 2026's: no field
    no_field.hitech_applications.update(year=2026)
    bare = reserve_firm(township, "丁", ip=False)  # neither: never read
    bare.hitech_applications.all().delete()
    f.IntellectualPropertyFactory(enterprise=reserve_firm(township, "戊", ip=False))  # Ⅱ类 1项
    for year in (2024, Y):
        everyone = selectors.hitech_candidates(selectors.assess(Enterprise.objects.all(), year))
        reserve = selectors.hitech_reserve(Enterprise.objects.all(), [year])[year]
        assert [a.enterprise.name for a in reserve] == [a.enterprise.name for a in everyone]
    assert {a.enterprise.name for a in reserve} == {"甲", "乙", "丙", "戊"}


def test_hitech_reserve_queries_do_not_grow_with_years_or_enterprises(township):
    """Up to date, the evaluation table answers in a fixed number of queries; bringing it up
    to date is the first read's work (tests/cultivation/test_evaluations.py counts that)."""
    reserve_firm(township, "甲")
    evaluations.fresh(range(Y - 4, Y + 1))
    with CaptureQueriesContext(connection) as one_year:
        compute_many([Y], keys=["hitech_reserve", "hitech_reserve_ready"])
    for i in range(5):
        reserve_firm(township, f"新{i}", ip=bool(i % 2))
    evaluations.fresh(range(Y - 4, Y + 1))
    with CaptureQueriesContext(connection) as five_years:
        values = compute_many(range(Y - 4, Y + 1), keys=["hitech_reserve", "hitech_reserve_ready"])
    # two to see the table is up to date, one grouped read, one for the targets
    assert len(one_year) == len(five_years) == 4
    assert values[Y]["hitech_reserve"].value == 6 and values[Y]["hitech_reserve_ready"].value == 3


def test_hitech_output_share_uses_above_scale_enterprises_of_the_year(township):
    f.YearlyFigureFactory(industrial_output=Decimal("6000"), hitech_output=Decimal("2000"))
    f.YearlyFigureFactory(industrial_output=Decimal("4000"), hitech_output=Decimal("1000"))
    f.YearlyFigureFactory(
        enterprise__is_above_scale=False,
        industrial_output=Decimal("9000"),
        hitech_output=Decimal("9000"),
    )
    f.YearlyFigureFactory(year=2024, industrial_output=Decimal("100"), hitech_output=0)

    assert value("hitech_output_share") == Decimal("30.00")
    assert value("hitech_output_share", year=2024) == Decimal("0.00")
    assert value("hitech_output_share", year=2023) is None


def test_ranks_and_quotas_come_from_external_figures_and_are_district_wide(township):
    f.ExternalFigureFactory(key="hitech_output_share_rank", value=Decimal("3"))
    f.ExternalFigureFactory(key="maker_space_city_quota", value=Decimal("4"), year=2024)

    assert value("hitech_output_share_rank") == 3
    assert value("maker_space_city_quota") is None
    assert value("maker_space_city_quota", year=2024) == 4
    assert value("hitech_output_share_rank", township=township) is None


def test_community_applications_count_each_lead_enterprise_once(township):
    chain = f.IndustryFactory(name="汽车零部件")
    lead = f.EnterpriseFactory(township=township, name="德通交通器材制造有限公司")
    f.InnovationCommunityFactory(lead_enterprise=lead, industry=chain)
    f.InnovationCommunityFactory(lead_enterprise=lead, industry=chain, status="approved")
    f.InnovationCommunityFactory(
        lead_enterprise__name="某某汽车尾气净化装置有限公司",
        industry=chain,
        status="rejected",
    )
    f.InnovationCommunityFactory(status="planning")
    f.InnovationCommunityFactory(year=2024)

    result = REGISTRY["community_applications"].compute(Y)
    assert result.value == 2
    assert sorted(result.names) == ["德通交通器材制造有限公司", "某某汽车尾气净化装置有限公司"]
    assert result.breakdown == {"汽车零部件": 2}


def test_trainings_and_policy_visits_count_activities_dated_in_the_year(township, other_township):
    f.WorkActivityFactory(township=township, date=D(2025, 1, 1))
    f.WorkActivityFactory(township=None, date=D(2025, 12, 31))
    f.WorkActivityFactory(township=other_township)
    f.WorkActivityFactory(township=township, date=D(2024, 12, 31))
    f.WorkActivityFactory(township=township, kind="policy_visit")
    f.WorkActivityFactory(township=township, kind="meeting")
    # A training on something else than R&D input is a training, not an R&D training.
    f.WorkActivityFactory(township=township, kind="training", topic="高新技术企业申报培训")

    assert value("rd_trainings") == 3
    assert value("rd_trainings", township=township) == 1
    assert value("policy_visits") == 1


def test_tech_contracts_sum_by_registration_date_in_yi_yuan_with_growth(township):
    f.TechContractFactory(contract_amount=Decimal("15000"), tech_amount=Decimal("12000"))
    f.TechContractFactory(
        contract_amount=Decimal("5000"),
        tech_amount=Decimal("5000"),
        signed_on=D(2024, 12, 20),
        registered_on=D(2025, 1, 5),
    )
    f.TechContractFactory(
        contract_amount=Decimal("16000"),
        tech_amount=Decimal("1"),
        signed_on=D(2024, 3, 1),
        registered_on=D(2024, 3, 2),
    )

    assert value("tech_contract_amount") == Decimal("2.0000")
    assert value("tech_transaction_amount") == Decimal("1.7000")
    assert value("tech_contract_count") == 2
    assert value("tech_contract_growth") == Decimal("25.00")
    assert value("tech_contract_growth", year=2024) is None  # nothing registered in 2023


# ---- （二） talents ---------------------------------------------------------------------------


def _project(stages, **kwargs):
    project = f.TalentProjectFactory(**kwargs)
    for day, (step, result) in enumerate(stages, start=1):
        f.TalentStageFactory(project=project, step=step, result=result, date=D(2025, 3, day))
    return project


def test_talent_projects_by_stage_with_candidate_names(township, other_township):
    traditional = TalentProject.Programme.TAISHAN_TRADITIONAL
    startup = TalentProject.Programme.TAISHAN_STARTUP
    firm = f.EnterpriseFactory(township=township)
    _project(
        [
            (Step.DISTRICT, Result.PASSED),
            (Step.CITY_REVIEW, Result.PASSED),
            (Step.DEFENCE, Result.PASSED),
            (Step.SITE_VISIT, Result.PENDING),
        ],
        candidate="王教授",
        enterprise=firm,
        programme=traditional,
    )
    _project(
        [(Step.DISTRICT, Result.PASSED), (Step.CITY_REVIEW, Result.FAILED)],
        candidate="李教授",
        enterprise=firm,
        programme=traditional,
    )
    _project(
        [
            (Step.DISTRICT, Result.PASSED),
            (Step.CITY_REVIEW, Result.PASSED),
            (Step.ONLINE_REVIEW, Result.PASSED),
        ],
        candidate="赵博士",
        enterprise__township=other_township,
        programme=startup,
    )
    _project([(Step.CITY_REVIEW, Result.PASSED)], candidate="去年", year=2024)

    applied = REGISTRY["talent_applied"].compute(Y)
    assert applied.value == 3
    assert applied.breakdown == {
        str(traditional.label): 2,
        str(startup.label): 1,
    }
    assert value("talent_applied_enterprises") == 2
    city = REGISTRY["talent_city_review_passed"].compute(Y)
    assert city.value == 2
    assert city.names == ["赵博士", "王教授"]  # by programme, then candidate
    assert REGISTRY["talent_defence_passed"].compute(Y).names == ["王教授"]
    assert REGISTRY["talent_awaiting_site_visit"].compute(Y).names == ["王教授"]
    assert REGISTRY["talent_online_review_passed"].compute(Y).names == ["赵博士"]
    assert value("talent_selected") == 0
    assert value("talent_city_review_passed", township=township) == 1
    details = REGISTRY["talent_defence_passed"].compute(Y).details
    assert details[0]["programme"] == str(traditional.label)


def test_work_permits_count_experts_with_a_new_permit_against_the_target():
    twice = f.ForeignExpertFactory(name="John Smith")
    f.WorkPermitFactory(expert=twice)
    f.WorkPermitFactory(expert=twice, issued_on=D(2025, 10, 1))
    f.WorkPermitFactory(expert__name="Anna Berg")
    f.WorkPermitFactory(business="extension")
    f.WorkPermitFactory(issued_on=D(2024, 5, 1))
    f.AnnualTargetFactory(indicator="work_permits_issued", value=Decimal("2"))

    result = REGISTRY["work_permits_issued"].compute(Y)
    assert result.value == 2
    assert sorted(result.names) == ["Anna Berg", "John Smith"]
    assert result.target == Decimal("2")
    assert result.progress == Decimal("100.0")


def test_intro_projects_list_their_titles():
    f.IntroProjectFactory(title="草莓新品种引进、高效种植及加工新技术研发", status="rejected")
    f.IntroProjectFactory(title="去年的项目", year=2024)

    result = REGISTRY["intro_projects"].compute(Y)
    assert result.value == 1
    assert result.names == ["草莓新品种引进、高效种植及加工新技术研发"]
    assert result.details[0]["status"] == "未立项"


# ---- （三） platforms -------------------------------------------------------------------------


def _space(name, level=Level.PROVINCIAL, status=PS.APPLIED, **kwargs):
    if status == PS.RECOGNISED:
        kwargs.setdefault("document_number", "国科发〔2025〕1号")
    return f.PlatformFactory(name=name, level=level, status=status, **kwargs)


def test_maker_spaces_by_level_and_status_with_names():
    _space("XX空间", level=Level.NATIONAL, status=PS.RECOGNISED)
    _space("旧空间", level=Level.NATIONAL, status=PS.RECOGNISED, year=2024)
    _space("正泰科创众创空间", status=PS.APPLIED)
    _space("通享文化众创空间", status=PS.REVIEW_PASSED)
    _space("甲众创空间", status=PS.RECOMMENDED)
    _space("乙众创空间", status=PS.REJECTED)
    _space("丙众创空间", status=PS.CULTIVATING)
    _space("丁孵化器", kind="incubator", status=PS.RECOMMENDED)

    assert REGISTRY["maker_space_national"].compute(Y).names == ["XX空间"]
    assert value("maker_space_provincial_applied") == 4
    assert REGISTRY["maker_space_provincial_passed"].compute(Y).names == [
        "甲众创空间",
        "通享文化众创空间",
    ]
    assert REGISTRY["maker_space_recommended"].compute(Y).names == ["甲众创空间"]


def test_new_rd_institutions_recommended_name_their_hosts_and_result():
    for host, status in (
        ("甲公司", PS.RECOMMENDED),
        ("乙公司", PS.REJECTED),
        ("丙公司", PS.APPLIED),
    ):
        f.PlatformFactory(kind="new_rd", host__name=host, status=status)

    result = REGISTRY["new_rd_recommended"].compute(Y)
    assert result.value == 2
    assert result.names == ["甲公司", "乙公司"]  # pinyin: jiǎ, yǐ
    assert {d["host"]: d["status"] for d in result.details} == {
        "甲公司": "推荐上报",
        "乙公司": "未通过",
    }


def test_platform_upgrades_and_lab_and_centre_applications():
    f.PlatformFactory(kind="rd_platform", level="city", upgraded=True, host__name="XX公司")
    f.PlatformFactory(kind="rd_platform", upgraded=True, host__name="XX农业科技有限公司")
    f.PlatformFactory(kind="rd_platform", upgraded=True, year=2024)
    host = f.EnterpriseFactory()
    f.PlatformFactory(kind="key_lab", level="city", host=host)
    f.PlatformFactory(kind="key_lab", level="provincial", host=host)
    f.PlatformFactory(kind="key_lab", status=PS.CULTIVATING)
    f.PlatformFactory(kind="innovation_centre", level="city")

    upgraded = REGISTRY["platforms_upgraded"].compute(Y)
    assert upgraded.value == 2
    assert sorted(upgraded.names) == ["XX公司", "XX农业科技有限公司"]
    labs = REGISTRY["key_lab_applications"].compute(Y)
    assert labs.value == 1  # one enterprise, two applications
    assert labs.breakdown == {"省级": 1, "市级": 1}
    assert value("innovation_centre_applications") == 1


def test_new_platforms_of_city_level_and_above_are_the_recognised_ones():
    for level in ("national", "provincial", "city", "district"):
        _space(f"{level}平台", level=level, status=PS.RECOGNISED, kind="key_lab")
    _space("申报中", level="city", status=PS.APPLIED)

    result = REGISTRY["new_platforms_city_and_above"].compute(Y)
    assert result.value == 3
    assert result.breakdown == {"企业重点实验室": 3}


def test_coverage_rate_divides_by_the_above_scale_enterprises_not_the_ledger(
    township, other_township
):
    # The ledger's factory classifies its 规上 enterprise 规上 in the ledger's year.
    f.RdCoverageFactory(enterprise__township=township)
    f.RdCoverageFactory(enterprise__township=township)
    f.RdCoverageFactory(enterprise__township=township, has_institution=False)
    f.RdCoverageFactory(enterprise__township=other_township, has_institution=False)
    # Covered in 2024 only: 规上 in 2025 too, the ledger has no row of 2025 for it, and it
    # counts as uncovered.
    last_year = f.RdCoverageFactory(enterprise__township=other_township, year=2024).enterprise
    f.YearlyFigureFactory(enterprise=last_year, year=2025)
    # Not 规上 in 2025: outside the campaign, whatever it has.
    f.YearlyFigureFactory(enterprise__township=township, enterprise__is_above_scale=False)

    rate = REGISTRY["coverage_rate"].compute(Y)
    assert rate.value == Decimal("40.00")
    assert rate.breakdown == {"城关街道": Decimal("66.67"), "东山镇": Decimal("0.00")}
    assert value("coverage_rate", township=township) == Decimal("66.67")
    assert value("coverage_covered") == 2
    assert value("coverage_enterprises") == 5
    # 2024's population is 2024's classification: the one enterprise classified then.
    assert value("coverage_rate", year=2024) == Decimal("100.00")
    assert value("coverage_rate", year=2023) is None
    # An enterprise marked 规上 today without a classification of 2025 changes nothing of 2025;
    # one more 规上 enterprise of 2025 that nobody entered in the ledger lowers the rate.
    f.EnterpriseFactory(township=township, is_above_scale=True)
    assert value("coverage_rate") == Decimal("40.00")
    f.YearlyFigureFactory(enterprise__township=township)
    assert value("coverage_rate") == Decimal("33.33")
    assert value("coverage_rate", township=township) == Decimal("50.00")


def test_coverage_milestones_in_date_order_with_dates():
    f.CoverageMilestoneFactory(date=D(2025, 5, 20), title="专题部署会议", kind="deployment")
    f.CoverageMilestoneFactory(date=D(2025, 3, 12), title="动员会议")
    f.CoverageMilestoneFactory(year=2024, date=D(2024, 3, 1), title="去年")

    result = REGISTRY["coverage_milestones"].compute(Y)
    assert result.value == 2
    assert [(d["date"], d["title"], d["kind"]) for d in result.details] == [
        (D(2025, 3, 12), "动员会议", "动员会议"),
        (D(2025, 5, 20), "专题部署会议", "部署会议"),
    ]


# ---- （四） poverty aid -----------------------------------------------------------------------


def test_poverty_aid_villages_visits_stations_bases_and_achievements(township, other_township):
    village = f.KeyVillageFactory(village__township=township)
    other = f.KeyVillageFactory(village__township=other_township)
    f.KeyVillageFactory(village__township=township, designated_year=2026)
    f.KeyVillageFactory(village__township=township, is_active=False)
    f.ServiceVisitFactory(village=village)
    f.ServiceVisitFactory(village=village, date=D(2025, 8, 1), farmers_trained=8)
    f.ServiceVisitFactory(village=other)
    f.ServiceVisitFactory(village=other, date=D(2024, 6, 1))
    f.AgriStationFactory(village=village, name="南村农科驿站")
    f.AgriStationFactory(village=village, built_on=D(2024, 5, 1))
    f.DemoBaseFactory(village=village, name="草莓示范基地")
    f.DemoBaseFactory(village=village, status="rejected")
    f.AchievementFactory(title="设施蔬菜栽培技术")
    f.AchievementFactory(status="applied")

    assert value("key_villages") == 2
    assert value("key_villages", year=2026) == 3
    assert value("key_villages_served") == 2
    assert value("key_villages_served", township=township) == 1
    assert value("service_visits") == 3
    assert value("farmers_trained") == 12 + 8 + 12
    assert REGISTRY["agri_stations_new"].compute(Y).names == ["南村农科驿站"]
    assert REGISTRY["demo_bases_selected"].compute(Y).names == ["草莓示范基地"]
    assert REGISTRY["achievements_selected"].compute(Y).names == ["设施蔬菜栽培技术"]
    assert value("achievements_selected", township=township) is None


# ---- links, targets, queries ----------------------------------------------------------------


def _benefit_records(firm):
    """惠企政策: a paid award whose certification failed (不符合条件), one published and unpaid,
    a certified enterprise never awarded (应兑未兑), a deduction and a used voucher."""
    policy = f.PolicyFactory()
    f.AwardFactory(
        enterprise=firm,
        policy=policy,
        status="paid",
        amount_approved=20,
        amount_paid=20,
        paid_on=datetime.date(Y, 12, 1),
    )
    for awarded in (True, False):
        certified = f.HiTechApplicationFactory(
            enterprise__township=firm.township,
            status="certified",
            certificate_number="GR1",
            issued_on=datetime.date(Y, 11, 1),
        )
        if awarded:
            f.AwardFactory(
                enterprise=certified.enterprise,
                policy=policy,
                status="publicity",
                amount_approved=20,
            )
    f.RdDeductionFactory(enterprise=firm)
    f.VoucherFactory(enterprise=firm, status="used", amount_used=4, contract="检测服务合同")


def _mixed_data(township, other_township, n=1):
    """A little of everything, ``n`` times over, in two townships and two years."""
    for i in range(n):
        for t in (township, other_township):
            firm = f.EnterpriseFactory(township=t, is_above_scale=True)
            f.SmeEvaluationFactory(enterprise=firm)
            f.HiTechApplicationFactory(enterprise=firm, status="rejected")
            f.HiTechApplicationFactory(enterprise__township=t, year=2024)
            f.YearlyFigureFactory(enterprise=firm)
            f.TechContractFactory(seller=firm)
            f.InnovationCommunityFactory(lead_enterprise=firm)
            f.WorkActivityFactory(township=t, kind="policy_visit")
            f.WorkActivityFactory(township=t)
            f.HiTechApplicationFactory(
                enterprise__township=t,
                status="certified",
                certificate_number=f"GR{i}",
                issued_on=D(2025, 10, 1),
            )
            f.RdCoverageFactory(enterprise=firm, has_institution=bool(i % 2))
            _project(
                [
                    (Step.DISTRICT, Result.PASSED),
                    (Step.CITY_REVIEW, Result.PASSED),
                    (Step.ONLINE_REVIEW, Result.PASSED),
                    (Step.DEFENCE, Result.PASSED),
                ],
                enterprise=firm,
            )
            f.WorkPermitFactory(expert__employer=firm)
            f.IntroProjectFactory(host=firm)
            f.PlatformFactory(host=firm, upgraded=True, status=PS.RECOMMENDED)
            f.PlatformFactory(host=firm, kind="new_rd", status=PS.REJECTED, level="city")
            f.PlatformFactory(host=firm, kind="innovation_centre", level="city")
            for kind in ("maker_space", "key_lab"):
                _space(
                    f"{firm.name}{kind}",
                    level="national",
                    status=PS.RECOGNISED,
                    kind=kind,
                    host=firm,
                )
            village = f.KeyVillageFactory(village__township=t)
            f.ServiceVisitFactory(village=village)
            f.AgriStationFactory(village=village)
            f.DemoBaseFactory(village=village)
            reserve_firm(t, f"{t.name}后备甲{i}")
            reserve_firm(t, f"{t.name}后备乙{i}", ip=False)
            _benefit_records(firm)
        f.CoverageMilestoneFactory()
        f.AchievementFactory()


def test_every_link_opens_exactly_the_records_behind_the_value(
    staff_client, township, other_township
):
    _mixed_data(township, other_township, n=2)
    for key, indicator in REGISTRY.items():
        if isinstance(indicator, ExternalIndicator):
            continue
        for scope in (None, township):
            if scope is not None and indicator.district_only:
                assert not indicator.queryset(Y, scope).exists()
                assert compute_all(Y, scope)[key].records_url is None
                continue
            url = indicator.records_url(Y, scope)
            parts = urlsplit(url)
            behind = set(indicator.queryset(Y, scope).values_list("pk", flat=True))
            assert behind or key in {"talent_awaiting_site_visit", "talent_selected"}, key
            view = resolve(parts.path).func
            if not hasattr(view, "view_initkwargs"):
                # A 培育库 list (not an entity list): its rows, or the rows it marks 全部满足.
                rows = staff_client.get(url).context["rows"]
                if isinstance(indicator, HitechReserve) and indicator.measure == "ready":
                    rows = [a for a in rows if a.hitech.all_met]
                assert {a.enterprise.pk for a in rows} == behind, key
                continue
            viewset = view.view_initkwargs["viewset"]
            params = QueryDict(parts.query)
            filterset = viewset.filterset(params, queryset=viewset.model.objects.all())
            unknown = {name for name, _ in parse_qsl(parts.query)} - set(filterset.filters)
            assert not unknown, f"{key}: {unknown} are not filters of {parts.path}"
            assert filterset.is_valid(), (key, filterset.errors)
            listed = set(filterset.qs.values_list("pk", flat=True))
            assert listed == behind, key


def test_targets_of_the_year_come_with_the_values():
    f.AnnualTargetFactory(indicator="sme_registered", value=Decimal("20"))
    f.AnnualTargetFactory(indicator="sme_registered", year=2024, value=Decimal("5"))
    f.SmeEvaluationFactory()

    values = compute_all(Y)
    assert values["sme_registered"].target == Decimal("20")
    assert values["sme_registered"].progress == Decimal("5.0")
    assert values["hitech_certified"].target is None


def test_compute_all_issues_the_same_queries_whatever_the_data(township, other_township):
    """A read of summaries that are up to date; bringing them up to date after writes is the
    first read's work, in a number of queries that does not grow with the data either
    (tests/reports/test_tallies.py)."""
    _mixed_data(township, other_township, n=1)
    tallies.fresh(tallies.all_summaries().values())
    evaluations.fresh(range(Y - 4, Y + 1))
    with CaptureQueriesContext(connection) as small:
        compute_all(Y)
    with CaptureQueriesContext(connection) as small_township:
        compute_all(Y, township)
    _mixed_data(township, other_township, n=2)
    for i in range(3):
        f.TownshipFactory(code=f"370302{200 + i}", name=f"新乡{i}")
    tallies.fresh(tallies.all_summaries().values())
    evaluations.fresh(range(Y - 4, Y + 1))
    with CaptureQueriesContext(connection) as large:
        compute_all(Y)
    with CaptureQueriesContext(connection) as five_years:
        compute_many(range(Y - 4, Y + 1))
    assert len(small) == len(large)
    _mixed_data(township, other_township, n=1)
    tallies.fresh(tallies.all_summaries().values())
    evaluations.fresh(range(Y - 4, Y + 1))
    with CaptureQueriesContext(connection) as five_years_larger:
        compute_many(range(Y - 4, Y + 1))
    assert len(five_years) == len(five_years_larger)
    # The district reads summaries, a township its records: neither grows with the data.
    # 7 assess the 后备高企; 12 (17 for a township) compute 惠企政策兑现 (its aggregates and
    # breakdowns, 应兑未兑, 不符合条件, 享受高企税收优惠: reports/indicators/benefits.py)
    assert len(small) <= 64 and len(small_township) <= 69


def test_command_prints_every_indicator_as_json(township):
    f.SmeEvaluationFactory(enterprise__township=township)
    f.SmeEvaluationFactory()
    out = StringIO()
    call_command("indicators", "--year", "2025", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == set(REGISTRY)
    assert data["sme_registered"] == {"label": "科技型中小企业评价入库", "unit": "家", "value": 2}

    out = StringIO()
    call_command("indicators", "--year", "2025", "--township", township.code, stdout=out)
    text = out.getvalue()
    assert "城关街道" in text and "科技型中小企业评价入库：1家" in text
