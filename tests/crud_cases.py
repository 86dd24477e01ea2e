"""Declarative data for the generic CRUD tests: one ``CrudCase`` per declared entity.

What the tests check comes from the entity's declaration (``<app>/entities.py``, read through
``portal.registry``: its URLs, who may change it); a case adds only the data: how to make a
record, what a valid form holds, what an edit changes. A new entity gets list / detail / create /
edit / delete / permission / query-count / API tests by adding a case here;
``test_every_declared_entity_has_a_crud_case`` fails until it does.
"""

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from bureau import indicator_keys
from portal import registry
from tests import factories as f


@dataclass
class CrudCase:
    factory: type
    # make(township) -> instance belonging to that township (or district-wide)
    make: Callable
    # data(township) -> valid POST data for the create form, related rows created as needed
    data: Callable
    # a field and a new value for the edit test
    change: tuple[str, object]
    extra: dict = field(default_factory=dict)

    @property
    def model(self):
        return self.factory._meta.model

    @property
    def declaration(self):
        return registry.declaration_for(self.model)

    @property
    def admin_only(self) -> bool:
        """Reference data, changed by administrators only: as the entity declares."""
        return self.declaration.admin_only

    @property
    def scoped(self) -> bool:
        return bool(getattr(self.model, "township_lookup", None))

    def __str__(self):
        return self.model._meta.model_name


def _enterprise(township, **kwargs):
    return f.EnterpriseFactory(township=township, **kwargs)


def _key_village(township):
    return f.KeyVillageFactory(village=f.VillageFactory(township=township))


_rows = itertools.count()


def _keyed(factory, field, choices):
    """A row per (year, registry key), every key of a year before the year before."""
    n = next(_rows)
    return factory(**{field: choices[n % len(choices)][0]}, year=2025 - n // len(choices))


def _code(n=0):
    return f.valid_credit_code(900000 + n)


CASES = [
    CrudCase(
        f.TownshipFactory,
        make=lambda t: f.TownshipFactory(),
        data=lambda t: {"code": "370302201", "name": "南山乡"},
        change=("name", "城关街道（新）"),
    ),
    CrudCase(
        f.VillageFactory,
        make=lambda t: f.VillageFactory(township=t),
        data=lambda t: {"township": t.pk, "code": f"{t.code}201", "name": "新建村"},
        change=("name", "改名村"),
    ),
    CrudCase(
        f.DepartmentFactory,
        make=lambda t: f.DepartmentFactory(),
        data=lambda t: {"name": "区工业和信息化局", "townships": [t.pk]},
        change=("name", "区发展和改革局"),
    ),
    CrudCase(
        f.IndustryFactory,
        make=lambda t: f.IndustryFactory(
            name=f"产业{f.IndustryFactory._meta.model.objects.count()}"
        ),
        data=lambda t: {"name": "新型环保建材", "is_key_chain": "on"},
        change=("name", "汽车零部件"),
    ),
    CrudCase(
        f.AnnualTargetFactory,
        make=lambda t: _keyed(f.AnnualTargetFactory, "indicator", indicator_keys.TARGET_CHOICES),
        data=lambda t: {"year": 2026, "indicator": "sme_registered", "value": "50"},
        change=("value", "60.00"),
    ),
    CrudCase(
        f.WorkActivityFactory,
        make=lambda t: f.WorkActivityFactory(township=t),
        data=lambda t: {
            "date": "2025-05-10",
            "kind": "training",
            "topic": "研发费用加计扣除培训",
            "township": t.pk,
            "participants": 40,
        },
        change=("topic", "送政策上门"),
    ),
    CrudCase(
        f.ExternalFigureFactory,
        make=lambda t: _keyed(f.ExternalFigureFactory, "key", indicator_keys.EXTERNAL_CHOICES),
        data=lambda t: {
            "year": 2025,
            "key": "hitech_output_share_rank",
            "value": "3",
            "source": "市科技局通报",
        },
        change=("source", "市统计局"),
    ),
    CrudCase(
        f.EnterpriseFactory,
        make=lambda t: _enterprise(t),
        data=lambda t: {
            "credit_code": " 91350100m000100y43 ",
            "name": "新建科技有限公司",
            "township": t.pk,
        },
        change=("name", "更名科技有限公司"),
    ),
    CrudCase(
        f.YearlyFigureFactory,
        make=lambda t: f.YearlyFigureFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "enterprise": _enterprise(t).pk,
            "year": 2025,
            "staff_total": 120,
            "tech_staff": 30,
            "rd_expense": "250.5",
        },
        change=("staff_total", 130),
    ),
    CrudCase(
        f.HiTechApplicationFactory,
        make=lambda t: f.HiTechApplicationFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "enterprise": _enterprise(t).pk,
            "year": 2025,
            "kind": "first",
            "tech_field": "materials",
            "status": "certified",
            "certificate_number": "GR202537000123",
            "issued_on": "2025-12-01",
        },
        change=("status", "review"),
    ),
    CrudCase(
        f.SmeEvaluationFactory,
        make=lambda t: f.SmeEvaluationFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "enterprise": _enterprise(t).pk,
            "year": 2025,
            "status": "registered",
            "registration_number": "2025370302A00001",
            "score": 72,
        },
        change=("score", 80),
    ),
    CrudCase(
        f.IntellectualPropertyFactory,
        make=lambda t: f.IntellectualPropertyFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "enterprise": _enterprise(t).pk,
            "kind": "invention",
            "number": "ZL202510000001.X",
            "title": "一种高强铝合金的制备方法",
            "granted_on": "2025-03-18",
            "valid_until": "2045-03-17",
            "status": "valid",
        },
        change=("title", "一种高强铝合金的热处理方法"),
    ),
    CrudCase(
        f.TechContractFactory,
        make=lambda t: f.TechContractFactory(seller=_enterprise(t)),
        data=lambda t: {
            "registration_number": "25370302000999",
            "title": "节能技术服务合同",
            "kind": "service",
            "seller": _enterprise(t).pk,
            "buyer": "某大学",
            "contract_amount": "100",
            "tech_amount": "90",
            "signed_on": "2025-02-01",
            "registered_on": "2025-02-10",
        },
        change=("title", "节能技术开发合同"),
    ),
    CrudCase(
        f.InnovationCommunityFactory,
        make=lambda t: f.InnovationCommunityFactory(lead_enterprise=_enterprise(t)),
        data=lambda t: {
            "name": "铝电创新创业共同体",
            "year": 2025,
            "lead_enterprise": _enterprise(t).pk,
            "status": "applied",
        },
        change=("status", "approved"),
    ),
    CrudCase(
        f.TalentProjectFactory,
        make=lambda t: f.TalentProjectFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "programme": "taishan_startup",
            "year": 2025,
            "enterprise": _enterprise(t).pk,
            "candidate": "王教授",
        },
        change=("candidate", "李教授"),
    ),
    CrudCase(
        f.TalentStageFactory,
        make=lambda t: f.TalentStageFactory(
            project=f.TalentProjectFactory(enterprise=_enterprise(t))
        ),
        data=lambda t: {
            "project": f.TalentProjectFactory(enterprise=_enterprise(t)).pk,
            "step": 10,
            "date": "2025-03-01",
            "result": "passed",
        },
        change=("note", "材料齐全"),
    ),
    CrudCase(
        f.ForeignExpertFactory,
        make=lambda t: f.ForeignExpertFactory(employer=_enterprise(t)),
        data=lambda t: {
            "name": "Anna Müller",
            "nationality": "德国",
            "passport_number": "C01234567",
            "employer": _enterprise(t).pk,
        },
        change=("specialty", "草莓育种"),
    ),
    CrudCase(
        f.WorkPermitFactory,
        make=lambda t: f.WorkPermitFactory(expert=f.ForeignExpertFactory(employer=_enterprise(t))),
        data=lambda t: {
            "expert": f.ForeignExpertFactory(employer=_enterprise(t)).pk,
            "permit_number": "370300202500777",
            "category": "A",
            "business": "new",
            "issued_on": "2025-04-01",
            "valid_from": "2025-04-01",
            "valid_to": "2027-03-31",
        },
        change=("category", "B"),
    ),
    CrudCase(
        f.IntroProjectFactory,
        make=lambda t: f.IntroProjectFactory(host=_enterprise(t)),
        data=lambda t: {
            "title": "草莓新品种引进",
            "host": _enterprise(t).pk,
            "year": 2025,
            "status": "applied",
        },
        change=("status", "approved"),
    ),
    CrudCase(
        f.PlatformFactory,
        make=lambda t: f.PlatformFactory(host=_enterprise(t)),
        data=lambda t: {
            "name": "通享文化众创空间",
            "kind": "maker_space",
            "level": "provincial",
            "host": _enterprise(t).pk,
            "status": "applied",
            "year": 2025,
        },
        change=("status", "review_passed"),
    ),
    CrudCase(
        f.RdCoverageFactory,
        make=lambda t: f.RdCoverageFactory(enterprise=_enterprise(t, is_above_scale=True)),
        data=lambda t: {
            "enterprise": _enterprise(t, is_above_scale=True).pk,
            "year": 2025,
            "has_institution": "on",
            "institution_name": "铝材研发中心",
            "institution_type": "rd_centre",
        },
        change=("institution_name", "铝材技术中心"),
    ),
    CrudCase(
        f.CoverageMilestoneFactory,
        make=lambda t: f.CoverageMilestoneFactory(),
        data=lambda t: {
            "year": 2025,
            "date": "2025-03-12",
            "kind": "mobilisation",
            "title": "全覆盖动员会议",
            "key_enterprises": 30,
        },
        change=("title", "全覆盖部署会议"),
    ),
    CrudCase(
        f.KeyVillageFactory,
        make=lambda t: _key_village(t),
        data=lambda t: {
            "village": f.VillageFactory(township=t).pk,
            "designated_year": 2020,
            "households": 35,
            "is_active": "on",
        },
        change=("households", 40),
    ),
    CrudCase(
        f.CommissionerFactory,
        make=lambda t: f.CommissionerFactory(),
        data=lambda t: {
            "name": "赵特派",
            "sending_unit": "区农业农村局",
            "specialty": "蔬菜栽培",
            "phone": "13900001111",
            "is_active": "on",
        },
        change=("specialty", "果树栽培"),
    ),
    CrudCase(
        f.ServiceVisitFactory,
        make=lambda t: f.ServiceVisitFactory(village=_key_village(t)),
        data=lambda t: {
            "date": "2025-06-01",
            "village": _key_village(t).pk,
            "commissioners": [f.CommissionerFactory().pk],
            "mode": "on_site",
            "content": "大棚草莓病虫害防治",
            "farmers_trained": 15,
        },
        change=("farmers_trained", 20),
    ),
    CrudCase(
        f.AgriStationFactory,
        make=lambda t: f.AgriStationFactory(village=_key_village(t)),
        data=lambda t: {
            "name": "东村农科驿站",
            "village": _key_village(t).pk,
            "host": "合作社",
            "built_on": "2025-05-01",
        },
        change=("host", "家庭农场"),
    ),
    CrudCase(
        f.DemoBaseFactory,
        make=lambda t: f.DemoBaseFactory(village=_key_village(t)),
        data=lambda t: {
            "name": "设施农业示范基地",
            "village": _key_village(t).pk,
            "operator": "农业公司",
            "year": 2025,
            "status": "selected",
        },
        change=("operator", "合作社"),
    ),
    CrudCase(
        f.AchievementFactory,
        make=lambda t: f.AchievementFactory(),
        data=lambda t: {
            "title": "草莓高效种植技术",
            "holder": "区农科所",
            "year": 2025,
            "status": "selected",
        },
        change=("holder", "市农科院"),
    ),
    CrudCase(
        f.PolicyFactory,
        make=lambda t: f.PolicyFactory(),
        data=lambda t: {
            "name": "研发费用增长奖补",
            "level": "district",
            "kind": "award",
            "document": "青河区关于支持科技创新的若干政策",
            "document_number": "青政发〔2024〕5号",
            "start_year": 2024,
            "end_year": 2026,
            "condition": "rd_growth",
            "share_percent": "10",
            "share_basis": "rd_increase",
            "cap": "50",
            "district_share": "60",
            "city_share": "40",
            "province_share": "0",
        },
        change=("name", "研发投入增长奖补"),
    ),
    CrudCase(
        f.AwardFactory,
        make=lambda t: f.AwardFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "enterprise": _enterprise(t).pk,
            "policy": f.PolicyFactory().pk,
            "year": 2025,
            "amount_applied": "20",
            "amount_approved": "20",
            "status": "publicity",
            "published_on": "2025-05-20",
            "publicity_number": "青科公示〔2025〕3号",
        },
        change=("notes", "材料已补齐"),
    ),
    CrudCase(
        f.RdDeductionFactory,
        make=lambda t: f.RdDeductionFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "enterprise": _enterprise(t).pk,
            "year": 2025,
            "deducted_amount": "3568000.50",
            "rate": 100,
        },
        change=("deducted_amount", "4000000.00"),
    ),
    CrudCase(
        f.VoucherFactory,
        make=lambda t: f.VoucherFactory(enterprise=_enterprise(t)),
        data=lambda t: {
            "number": "QHCXQ2025999",
            "enterprise": _enterprise(t).pk,
            "amount": "10",
            "issued_on": "2025-04-01",
            "expires_on": "2025-12-31",
            "provider": "山东理工大学",
            "provider_kind": "university",
            "status": "issued",
        },
        change=("provider", "青河区生产力促进中心"),
    ),
]

CASES_BY_MODEL = {case.model: case for case in CASES}
TODAY = datetime.date.today()
