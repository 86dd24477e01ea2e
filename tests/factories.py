"""factory_boy factories for every model. Credit codes are generated valid."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from benefits import models as ben
from bureau import indicator_keys
from bureau import models as bureau
from bureau.validators import credit_code_check_char
from enterprises import models as ent
from platforms import models as plat
from poverty import models as pov
from talents import models as tal


def _key(choices, n: int) -> str:
    return choices[n % len(choices)][0]


def valid_credit_code(n: int) -> str:
    first17 = f"91370302MA{n:07d}"
    return first17 + credit_code_check_char(first17)


class TownshipFactory(DjangoModelFactory):
    class Meta:
        model = bureau.Township
        django_get_or_create = ("code",)

    # 乡 codes (200-399): apart from the fixtures' 城关街道 (001) and 东山镇 (101)
    code = factory.Sequence(lambda n: f"370302{n % 200 + 200:03d}")
    name = factory.Sequence(lambda n: f"第{n}镇")


class VillageFactory(DjangoModelFactory):
    class Meta:
        model = bureau.Village

    township = factory.SubFactory(TownshipFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.township.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"第{n}村")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = bureau.Department

    name = factory.Sequence(lambda n: f"区直部门{n}")


class IndustryFactory(DjangoModelFactory):
    class Meta:
        model = bureau.Industry
        django_get_or_create = ("name",)

    name = "铝电"
    is_key_chain = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = bureau.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = "staff"
    password = factory.PostGenerationMethodCall("set_password", "Bureau-2026")


class AnnualTargetFactory(DjangoModelFactory):
    class Meta:
        model = bureau.AnnualTarget

    year = 2025
    # registry keys, as the form offers them
    indicator = factory.Sequence(lambda n: _key(indicator_keys.TARGET_CHOICES, n))
    value = Decimal("10")


class WorkActivityFactory(DjangoModelFactory):
    class Meta:
        model = bureau.WorkActivity

    date = datetime.date(2025, 5, 10)
    kind = bureau.WorkActivity.Kind.RD_TRAINING
    topic = factory.Sequence(lambda n: f"研发投入业务培训{n}")
    township = factory.SubFactory(TownshipFactory)


class ExternalFigureFactory(DjangoModelFactory):
    class Meta:
        model = bureau.ExternalFigure

    year = 2025
    key = factory.Sequence(lambda n: _key(indicator_keys.EXTERNAL_CHOICES, n))
    value = Decimal("3")
    source = "市科技局通报"


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = ent.Enterprise

    credit_code = factory.Sequence(valid_credit_code)
    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    township = factory.SubFactory(TownshipFactory)
    # Most enterprises are not 规上工业企业; those that are enter the coverage campaign's
    # denominator, so a test says so when it wants one.
    is_above_scale = False


class YearlyFigureFactory(DjangoModelFactory):
    class Meta:
        model = ent.EnterpriseYearlyFigure

    enterprise = factory.SubFactory(EnterpriseFactory, is_above_scale=True)
    year = 2025
    staff_total = 100
    tech_staff = 20
    sales_revenue = Decimal("5000")
    rd_expense = Decimal("300")
    industrial_output = Decimal("6000")
    hitech_output = Decimal("2000")
    # The year's classification: the enterprise's unless a test says otherwise (as ``clean``
    # fills it on entry).
    is_above_scale = factory.LazyAttribute(lambda o: o.enterprise.is_above_scale)
    township = factory.LazyAttribute(lambda o: o.enterprise.township)
    industry = factory.LazyAttribute(lambda o: o.enterprise.industry)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The year's row may exist already, holding only the classification a ledger row's
        # factory gave it (``RdCoverageFactory``): the figures go into it.
        enterprise, year = kwargs.pop("enterprise"), kwargs.pop("year")
        row, _created = model_class.objects.update_or_create(
            enterprise=enterprise, year=year, defaults=kwargs
        )
        return row


class HiTechApplicationFactory(DjangoModelFactory):
    class Meta:
        model = ent.HiTechApplication

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    tech_field = ent.TechField.MATERIALS
    status = ent.HiTechApplication.Status.APPLIED


class SmeEvaluationFactory(DjangoModelFactory):
    class Meta:
        model = ent.SmeEvaluation

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    status = ent.SmeEvaluation.Status.REGISTERED
    registration_number = factory.Sequence(lambda n: f"202537030200{n:04d}")
    score = 75


class IntellectualPropertyFactory(DjangoModelFactory):
    class Meta:
        model = ent.IntellectualProperty

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = ent.IpKind.UTILITY_MODEL
    number = factory.Sequence(lambda n: f"ZL20242{n:07d}.X")
    title = factory.Sequence(lambda n: f"一种铝合金型材的挤压模具{n}")
    granted_on = datetime.date(2024, 5, 10)
    valid_until = datetime.date(2034, 5, 9)
    status = ent.IntellectualProperty.Status.VALID


class TechContractFactory(DjangoModelFactory):
    class Meta:
        model = ent.TechContract

    registration_number = factory.Sequence(lambda n: f"2025370302{n:06d}")
    title = factory.Sequence(lambda n: f"铝合金新材料技术开发合同{n}")
    kind = ent.TechContract.Kind.DEVELOPMENT
    seller = factory.SubFactory(EnterpriseFactory)
    buyer = "某某大学"
    contract_amount = Decimal("200")
    tech_amount = Decimal("180")
    signed_on = datetime.date(2025, 3, 1)
    registered_on = datetime.date(2025, 3, 15)


class InnovationCommunityFactory(DjangoModelFactory):
    class Meta:
        model = ent.InnovationCommunity

    name = factory.Sequence(lambda n: f"汽车零部件创新创业共同体{n}")
    year = 2025
    lead_enterprise = factory.SubFactory(EnterpriseFactory)
    status = ent.InnovationCommunity.Status.APPLIED


class TalentProjectFactory(DjangoModelFactory):
    class Meta:
        model = tal.TalentProject

    programme = tal.TalentProject.Programme.TAISHAN_TRADITIONAL
    year = 2025
    enterprise = factory.SubFactory(EnterpriseFactory)
    candidate = factory.Sequence(lambda n: f"张{n}")


class TalentStageFactory(DjangoModelFactory):
    class Meta:
        model = tal.TalentStage

    project = factory.SubFactory(TalentProjectFactory)
    step = tal.TalentStage.Step.DISTRICT
    date = datetime.date(2025, 3, 1)
    result = tal.TalentStage.Result.PASSED


class ForeignExpertFactory(DjangoModelFactory):
    class Meta:
        model = tal.ForeignExpert

    name = factory.Sequence(lambda n: f"John Smith {n}")
    nationality = "英国"
    passport_number = factory.Sequence(lambda n: f"P{n:08d}")
    employer = factory.SubFactory(EnterpriseFactory)


class WorkPermitFactory(DjangoModelFactory):
    class Meta:
        model = tal.WorkPermit

    expert = factory.SubFactory(ForeignExpertFactory)
    permit_number = factory.Sequence(lambda n: f"37030220250{n:05d}")
    category = "B"
    issued_on = datetime.date(2025, 4, 1)
    valid_from = datetime.date(2025, 4, 1)
    valid_to = datetime.date(2026, 3, 31)


class IntroProjectFactory(DjangoModelFactory):
    class Meta:
        model = tal.IntroProject

    title = factory.Sequence(lambda n: f"草莓新品种引进项目{n}")
    host = factory.SubFactory(EnterpriseFactory)
    year = 2025


class PlatformFactory(DjangoModelFactory):
    class Meta:
        model = plat.Platform

    name = factory.Sequence(lambda n: f"正泰科创众创空间{n}")
    kind = plat.Platform.Kind.MAKER_SPACE
    level = plat.Level.PROVINCIAL
    host = factory.SubFactory(EnterpriseFactory)
    status = plat.Platform.Status.APPLIED
    year = 2025


class RdCoverageFactory(DjangoModelFactory):
    class Meta:
        model = plat.RdCoverage

    enterprise = factory.SubFactory(EnterpriseFactory, is_above_scale=True)
    year = 2025
    has_institution = True
    institution_name = factory.Sequence(lambda n: f"企业研发中心{n}")
    institution_type = plat.RdCoverage.InstitutionType.RD_CENTRE

    @factory.post_generation
    def classified(obj, create, extracted, **kwargs):
        """A 规上 enterprise of the ledger is 规上 in the ledger's year: its yearly row of the
        year carries the classification (made, without figures, when it has none)."""
        if create and extracted is not False and obj.enterprise.is_above_scale:
            enterprise = obj.enterprise
            ent.EnterpriseYearlyFigure.objects.get_or_create(
                enterprise=enterprise,
                year=obj.year,
                defaults={
                    "is_above_scale": True,
                    "township": enterprise.township,
                    "industry": enterprise.industry,
                },
            )


class CoverageMilestoneFactory(DjangoModelFactory):
    class Meta:
        model = plat.CoverageMilestone

    year = 2025
    date = datetime.date(2025, 3, 12)
    kind = plat.CoverageMilestone.Kind.MOBILISATION
    title = factory.Sequence(lambda n: f"研发机构全覆盖动员会议{n}")


class KeyVillageFactory(DjangoModelFactory):
    class Meta:
        model = pov.KeyVillage

    village = factory.SubFactory(VillageFactory)
    designated_year = 2020


class CommissionerFactory(DjangoModelFactory):
    class Meta:
        model = pov.Commissioner

    name = factory.Sequence(lambda n: f"李特派{n}")
    sending_unit = "区农业农村局"
    specialty = "果树栽培"
    phone = factory.Sequence(lambda n: f"1390000{n:04d}")


class ServiceVisitFactory(DjangoModelFactory):
    class Meta:
        model = pov.ServiceVisit

    date = datetime.date(2025, 6, 1)
    village = factory.SubFactory(KeyVillageFactory)
    mode = pov.ServiceVisit.Mode.ON_SITE
    content = "草莓种植技术指导"
    farmers_trained = 12


class AgriStationFactory(DjangoModelFactory):
    class Meta:
        model = pov.AgriStation

    name = factory.Sequence(lambda n: f"农科驿站{n}")
    village = factory.SubFactory(KeyVillageFactory)
    host = "种植合作社"
    built_on = datetime.date(2025, 5, 1)


class DemoBaseFactory(DjangoModelFactory):
    class Meta:
        model = pov.DemoBase

    name = factory.Sequence(lambda n: f"示范基地{n}")
    village = factory.SubFactory(KeyVillageFactory)
    operator = "现代农业公司"
    year = 2025
    status = pov.DemoBase.Status.SELECTED


class AchievementFactory(DjangoModelFactory):
    class Meta:
        model = pov.Achievement

    title = factory.Sequence(lambda n: f"设施蔬菜绿色高效栽培技术{n}")
    holder = "区农科所"
    year = 2025
    status = pov.Achievement.Status.SELECTED


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = ben.Policy

    name = factory.Sequence(lambda n: f"首次认定高新技术企业奖励{n}")
    level = ben.Policy.Level.DISTRICT
    kind = ben.Policy.Kind.AWARD
    document = "青河区关于支持科技创新的若干政策"
    document_number = "青政发〔2024〕5号"
    start_year = 2024
    end_year = 2026
    condition = ben.Policy.Condition.HITECH_FIRST
    fixed_amount = Decimal("20")


class AwardFactory(DjangoModelFactory):
    class Meta:
        model = ben.Award

    enterprise = factory.SubFactory(EnterpriseFactory)
    policy = factory.SubFactory(PolicyFactory)
    year = 2025
    amount_applied = Decimal("20")
    status = ben.Award.Status.APPLIED


class RdDeductionFactory(DjangoModelFactory):
    class Meta:
        model = ben.RdDeduction

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2025
    deducted_amount = Decimal("3500000")
    rate = 100


class VoucherFactory(DjangoModelFactory):
    class Meta:
        model = ben.Voucher

    number = factory.Sequence(lambda n: f"QHCXQ2025{n:04d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    amount = Decimal("10")
    issued_on = datetime.date(2025, 4, 1)
    expires_on = datetime.date(2025, 12, 31)
    provider = "山东理工大学"
    provider_kind = ben.Voucher.ProviderKind.UNIVERSITY
