"""Every figure of the annual report, in the order of the sample report (docs/annual-report.md).

Each docstring says exactly what is counted. "Of year Y" means the record's own ``year`` field
unless a date is named. Deleted records are gone from the tables and never count. ``url_params``
repeat each condition as filter parameters of the records' list page, so a number on the
dashboard opens exactly the records behind it.
"""

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q

from bureau.models import WorkActivity
from cultivation import evaluations
from enterprises.models import (
    Enterprise,
    EnterpriseYearlyFigure,
    HiTechApplication,
    InnovationCommunity,
    SmeEvaluation,
    TechContract,
)
from platforms.models import CoverageMilestone, Level, Platform, RdCoverage
from poverty.models import Achievement as PovertyAchievement
from poverty.models import AgriStation, DemoBase, KeyVillage, ServiceVisit
from reports import tallies
from reports.indicators.base import (
    YI,
    CountIndicator,
    CustomIndicator,
    ExternalIndicator,
    GrowthIndicator,
    RatioIndicator,
    SumIndicator,
    list_url,
    tallies_enabled,
    township_names,
    township_pk,
)
from talents.models import IntroProject, TalentProject, TalentStage, WorkPermit

HT = HiTechApplication.Status
PS = Platform.Status
PK = Platform.Kind
Step = TalentStage.Step
Result = TalentStage.Result

# Statuses of a record that was actually submitted (not still being prepared).
COMMUNITY_SUBMITTED = [
    InnovationCommunity.Status.APPLIED,
    InnovationCommunity.Status.APPROVED,
    InnovationCommunity.Status.REJECTED,
]
# 撤销认定 was certified, so submitted too (issue 26: a certificate revoked after the award)
HITECH_SUBMITTED = [HT.APPLIED, HT.REVIEW, HT.PUBLICITY, HT.CERTIFIED, HT.REJECTED, HT.REVOKED]
PLATFORM_SUBMITTED = [PS.APPLIED, PS.REVIEW_PASSED, PS.RECOMMENDED, PS.RECOGNISED, PS.REJECTED]
PLATFORM_REVIEW_PASSED = [PS.REVIEW_PASSED, PS.RECOMMENDED, PS.RECOGNISED]
PLATFORM_RECOMMENDED = [PS.RECOMMENDED, PS.RECOGNISED]
CITY_AND_ABOVE = [Level.NATIONAL, Level.PROVINCIAL, Level.CITY]

TALENT_DETAILS = {
    "candidate": "project__candidate",
    "enterprise": "project__enterprise__name",
    "programme": "project__programme",
    "title": "project__title",
    "date": "date",
}
PLATFORM_DETAILS = {
    "name": "name",
    "host": "host__name",
    "level": "level",
    "status": "status",
    "document_number": "document_number",
}


# The coverage campaign's population (the enterprises on each year's 规上 list, by the township
# of the year) and those of them whose ledger row of the year says 已建研发机构: the summaries the
# district-wide figures read. Both are the yearly figures' rows: the year's classification is
# kept there, so an enterprise reclassified or moved today leaves past years as they were.
ABOVE_SCALE_OF_YEAR = Q(is_above_scale=True)
COVERED_IN_YEAR = Exists(
    RdCoverage.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), year=OuterRef("year"), has_institution=True
    )
)
COVERAGE_POPULATION = tallies.Summary(
    "coverage:population",
    EnterpriseYearlyFigure,
    {"n": Count("pk")},
    where=ABOVE_SCALE_OF_YEAR,
    year=F("year"),
)
COVERAGE_LEDGER = tallies.Summary(
    "coverage:ledger",
    EnterpriseYearlyFigure,
    {"n": Count("pk")},
    where=ABOVE_SCALE_OF_YEAR & Q(COVERED_IN_YEAR),
    year=F("year"),
    also_reads={RdCoverage: lambda pk: _ledger_township(pk)},
)


def _ledger_township(pk: int) -> int | None:
    """The township a ledger row counts under: that of its enterprise's classification of the
    row's year (None when the year has none, or the row is gone)."""
    return (
        EnterpriseYearlyFigure.objects.filter(
            Exists(
                RdCoverage.objects.filter(
                    pk=pk, enterprise=OuterRef("enterprise"), year=OuterRef("year")
                )
            )
        )
        .values_list("township", flat=True)
        .first()
    )


class AboveScaleCoverage(CustomIndicator):
    """The R&D-institution coverage of 规上工业企业: ``measure`` is ``total`` (the enterprises),
    ``covered`` (those with an institution in the year's ledger) or ``rate`` (percent). Two
    grouped queries for all three, whatever the townships. Who is 规上 in a year and under which
    township is the year's classification (the yearly figures' ``is_above_scale`` and
    ``township``), never the enterprise's current one."""

    model = EnterpriseYearlyFigure
    measure: str = "rate"
    decimals = 2
    township_breakdown = True  # its breakdown is by township name (the year's closing reads it)

    def _counts(self, years, pk, detail_year, memo):
        """(规上 enterprises by year, covered by year, 规上 by township name in ``detail_year``,
        covered by township name in ``detail_year``): from the summaries for the district,
        from the records for one township."""
        key = ("above_scale_coverage", tuple(years), pk, detail_year)
        if key in memo:
            return memo[key]
        totals, covered = Counter(), Counter()
        detail_totals, detail_covered = Counter(), Counter()
        if pk is None and tallies_enabled():
            names = township_names(memo)
            by_year = tallies.totals([COVERAGE_POPULATION, COVERAGE_LEDGER], years)
            for year, values in by_year[COVERAGE_POPULATION.name].items():
                totals[year] = values.get("n", 0)
            for year, values in by_year[COVERAGE_LEDGER.name].items():
                covered[year] = values.get("n", 0)
            parts = tallies.parts([COVERAGE_POPULATION, COVERAGE_LEDGER], detail_year, ["n"])
            for township, values in parts[COVERAGE_POPULATION.name].items():
                detail_totals[names.get(township)] += values.get("n", 0)
            for township, values in parts[COVERAGE_LEDGER.name].items():
                detail_covered[names.get(township)] += values.get("n", 0)
        else:
            rows = EnterpriseYearlyFigure.objects.filter(
                ABOVE_SCALE_OF_YEAR, year__in=sorted({*years, detail_year})
            )
            if pk is not None:
                rows = rows.filter(township=pk)
            # One row per enterprise and year (yearly_figure_unique): counting rows counts
            # enterprises, without the sort COUNT(DISTINCT) makes.
            grouped = (
                rows.values_list("year", "township__name")
                .annotate(n=Count("pk"), covered=Count("pk", filter=Q(COVERED_IN_YEAR)))
                .order_by()
            )
            for year, township, n, n_covered in grouped:
                totals[year] += n
                covered[year] += n_covered
                if year == detail_year:
                    detail_totals[township] += n
                    detail_covered[township] += n_covered
        memo[key] = (dict(totals), dict(covered), dict(detail_totals), dict(detail_covered))
        return memo[key]

    def _measure(self, total, covered):
        if self.measure == "total":
            return total
        if self.measure == "covered":
            return covered
        if not total:
            return None
        return (Decimal(covered) * 100 / Decimal(total)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def evaluate_custom(self, years, pk, detail_year, memo):
        totals, covered, detail_totals, detail_covered = self._counts(years, pk, detail_year, memo)
        values = {year: self._measure(totals.get(year, 0), covered.get(year, 0)) for year in years}
        breakdown = {}
        for township in sorted(detail_totals, key=lambda name: name or ""):
            value = self._measure(detail_totals[township], detail_covered.get(township, 0))
            if value is None or (value == 0 and self.measure != "rate"):
                continue
            breakdown[str(township) if township is not None else "未分类"] = value
        return values, breakdown

    def queryset(self, year, township=None):
        """The records behind the value: the year's rows of the 规上 enterprises (those whose
        ledger row of ``year`` says 已建研发机构: the ledger's rows, for ``covered``)."""
        pk = township_pk(township)
        if self.measure == "covered":
            # the ledger's rows, which its link opens
            of_year = EnterpriseYearlyFigure.objects.filter(
                ABOVE_SCALE_OF_YEAR, enterprise=OuterRef("enterprise"), year=year
            )
            if pk is not None:
                of_year = of_year.filter(township=pk)
            return RdCoverage.objects.filter(Exists(of_year), year=year, has_institution=True)
        queryset = EnterpriseYearlyFigure.objects.filter(ABOVE_SCALE_OF_YEAR, year=year)
        if pk is not None:
            queryset = queryset.filter(township=pk)
        return queryset

    @property
    def township_param(self) -> str:
        """The township filter of the list ``records_url`` opens."""
        return "township" if self.measure == "total" else "enterprise__township"

    def records_url(self, year, township=None):
        """The year's 规上 enterprises (their yearly rows, by the year's township) for ``total``
        and ``rate``; the ledger's rows of the year for ``covered`` (its list cannot filter by
        the year's classification, so it shows the enterprises' ledger of the year)."""
        pk = township_pk(township)
        if self.measure == "covered":
            base = list_url("platforms:rdcoverage-list")
            params = {"year": year, "has_institution": "true"}
        else:
            base = list_url("enterprises:enterpriseyearlyfigure-list")
            params = {"year": year, "is_above_scale": "true"}
        if pk is not None:
            params[self.township_param] = pk
        return f"{base}?{urlencode(params)}" if base else None


class HitechReserve(CustomIndicator):
    """The 后备高企 of a year, as the 培育库's 后备高企 list finds them (no certificate valid at
    the year's end, figures of the year, every condition the records decide 满足 or one short),
    read from the evaluation table the writes keep (``cultivation.evaluations``: up to date at
    the read). ``measure`` is ``all`` (the list) or ``ready`` (those of them with every
    decidable condition 满足). One grouped query whatever the number of years and enterprises."""

    model = Enterprise
    measure: str = "all"

    @staticmethod
    def _scope(pk):
        enterprises = Enterprise.objects.all()
        return enterprises if pk is None else enterprises.filter(township=pk)

    def _reserve(self, years, pk, memo) -> dict:
        key = ("hitech_reserve", tuple(years), pk)
        if key not in memo:
            memo[key] = evaluations.hitech_reserve_by_township(self._scope(pk), years)
        return memo[key]

    def evaluate_custom(self, years, pk, detail_year, memo):
        reserve = self._reserve(years, pk, memo)
        mine = 1 if self.measure == "ready" else 0
        values = {year: sum(reserve[year][mine].values()) for year in years}
        return values, dict(sorted(reserve[detail_year][mine].items()))

    def queryset(self, year, township=None):
        """The enterprises behind the value (as the list page finds them)."""
        rows = evaluations.hitech_reserve(
            self._scope(township_pk(township)), year, ready=self.measure == "ready"
        )
        return Enterprise.objects.filter(pk__in=rows.order_by().values("enterprise_id"))

    def records_url(self, year, township=None):
        """The 后备高企 list of the year (and township): it lists the enterprises of ``all`` and
        marks those of ``ready`` 全部满足; it is not an entity list, so its filters are its own."""
        base = list_url("cultivation:hitech")
        if base is None:
            return None
        params = {"year": year}
        pk = township_pk(township)
        if pk is not None:
            params["township"] = pk
        return f"{base}?{urlencode(params)}"


def _status_in(statuses):
    return {"status__in": [str(s) for s in statuses]}


def _talent_stage(key, label, step, result, doc):
    return CountIndicator(
        key,
        label,
        "项",
        "（二）1",
        doc,
        model=TalentStage,
        year_field="project__year",
        year_param="project__year",
        dated_by="date",
        where=Q(step=step, result=result),
        url_params={"step": int(step), "result": str(result)},
        distinct="project",
        name_field="project__candidate",
        detail_fields=TALENT_DETAILS,
        breakdown_field="project__programme",
        order_by=("project__programme", "project__candidate"),
    )


INDICATORS = [
    # ---- （一）1 innovation communities ---------------------------------------------------
    CountIndicator(
        "community_applications",
        "申报创新创业共同体企业",
        "家",
        "（一）1",
        """Lead enterprises of innovation communities of year Y whose status is 已申报, 已备案 or
        未通过 (谋划 is not yet an application), each enterprise counted once. Names: the lead
        enterprises; breakdown: by industry chain of the community.""",
        model=InnovationCommunity,
        where=Q(status__in=COMMUNITY_SUBMITTED),
        url_params=_status_in(COMMUNITY_SUBMITTED),
        distinct="lead_enterprise",
        name_field="lead_enterprise__name",
        detail_fields={
            "name": "name",
            "lead_enterprise": "lead_enterprise__name",
            "industry": "industry__name",
            "status": "status",
        },
        breakdown_field="industry__name",
        order_by=("industry__name", "lead_enterprise__name"),
    ),
    # ---- （一）2 SMEs and hi-tech enterprises ----------------------------------------------
    CountIndicator(
        "sme_registered",
        "科技型中小企业评价入库",
        "家",
        "（一）2",
        """Enterprises whose SME evaluation of year Y has status 已入库, counted once per
        enterprise (未通过 and 撤销 do not count); breakdown by township.""",
        model=SmeEvaluation,
        where=Q(status=SmeEvaluation.Status.REGISTERED),
        url_params={"status": SmeEvaluation.Status.REGISTERED.value},
        distinct="enterprise",
        breakdown_field="enterprise__township__name",
    ),
    CountIndicator(
        "hitech_applications",
        "申报高新技术企业",
        "家",
        "（一）2",
        """Enterprises with a hi-tech application of year Y that was submitted: status 已申报,
        专家评审, 公示, 认定 or 未通过 (培育 is not yet an application); first applications and
        re-applications alike, each enterprise once; breakdown by township.""",
        model=HiTechApplication,
        where=Q(status__in=HITECH_SUBMITTED),
        url_params=_status_in(HITECH_SUBMITTED),
        distinct="enterprise",
        breakdown_field="enterprise__township__name",
    ),
    CountIndicator(
        "hitech_certified",
        "认定高新技术企业",
        "家",
        "（一）2",
        """Enterprises whose hi-tech application of year Y has status 认定; breakdown by
        township.""",
        model=HiTechApplication,
        where=Q(status=HT.CERTIFIED),
        dated_by="issued_on",
        dated_by_nullable=True,
        url_params={"status": HT.CERTIFIED.value},
        distinct="enterprise",
        breakdown_field="enterprise__township__name",
    ),
    HitechReserve(
        "hitech_reserve",
        "高新技术企业后备培育库入库企业",
        "家",
        "（一）2",
        """后备高企 of year Y: enterprises without a 高企 certificate valid on 31 December of Y,
        with yearly figures of Y, whose every condition the records decide (registered a year,
        core IP, technical field, 科技人员 share, three-year R&D share, hi-tech income share;
        docs/cultivation.md) is 满足, or all but one; computed from the records now, as the
        培育库's 后备高企 list shows them. Breakdown by township.""",
        measure="all",
    ),
    HitechReserve(
        "hitech_reserve_ready",
        "后备高企中可判定条件全部满足",
        "家",
        "（一）2",
        """Of ``hitech_reserve`` of year Y, the enterprises with every decidable condition 满足
        (none short; the list marks them 全部满足). Breakdown by township.""",
        measure="ready",
    ),
    RatioIndicator(
        "hitech_output_share",
        "高新技术产业产值占规上工业产值比重",
        "%",
        "（一）2",
        """Sum of 高新技术产业产值 / sum of 工业总产值 over the yearly figures of year Y that
        classify their enterprise as 规上工业企业 in Y (the year's classification, not today's),
        in percent; by the year's township. None when no output is recorded.""",
        model=EnterpriseYearlyFigure,
        where=Q(is_above_scale=True),
        url_params={"is_above_scale": "true"},
        numerator=("sum", "hitech_output"),
        denominator=("sum", "industrial_output"),
    ),
    ExternalIndicator(
        "hitech_output_share_rank",
        "高新技术产业产值占比全市位次",
        "位",
        "（一）2",
        """The district's rank in the city on the hi-tech output share, as received from the
        city (external figure with key ``hitech_output_share_rank``).""",
    ),
    ExternalIndicator(
        "hitech_output_share_city",
        "全市高新技术产业产值占规上工业产值比重",
        "%",
        "（一）2",
        """The city's hi-tech output share, as received from the city (external figure with key
        ``hitech_output_share_city``); the report compares the district's share with it.""",
    ),
    # ---- （一）3 R&D investment and technology transfer -------------------------------------
    CountIndicator(
        "rd_trainings",
        "研发投入业务培训",
        "次",
        "（一）3",
        """Work activities of kind 研发投入培训（含加计扣除） dated in year Y (held or attended by
        the bureau). Other trainings (高企申报, 科小评价, 技术合同登记) do not count.""",
        model=WorkActivity,
        year_field="date",
        year_param="date__year",
        where=Q(kind=WorkActivity.Kind.RD_TRAINING),
        url_params={"kind": WorkActivity.Kind.RD_TRAINING.value},
    ),
    CountIndicator(
        "policy_visits",
        "送政策上门服务",
        "次",
        "（一）3",
        """Work activities of kind 送政策上门 dated in year Y.""",
        model=WorkActivity,
        year_field="date",
        year_param="date__year",
        where=Q(kind=WorkActivity.Kind.POLICY_VISIT),
        url_params={"kind": WorkActivity.Kind.POLICY_VISIT.value},
    ),
    SumIndicator(
        "tech_contract_amount",
        "技术合同登记额",
        "亿元",
        "（一）3",
        """Sum of 成交额 of the technology contracts registered (登记日期) in year Y, in 亿元
        (stored in 万元, divided by 10,000).""",
        model=TechContract,
        year_field="registered_on",
        year_param="registered_on__year",
        sum_field="contract_amount",
        divisor=YI,
        decimals=4,
    ),
    SumIndicator(
        "tech_transaction_amount",
        "技术交易额",
        "亿元",
        "（一）3",
        """Sum of 技术交易额 of the technology contracts registered in year Y, in 亿元.""",
        model=TechContract,
        year_field="registered_on",
        year_param="registered_on__year",
        sum_field="tech_amount",
        divisor=YI,
        decimals=4,
    ),
    CountIndicator(
        "tech_contract_count",
        "技术合同登记",
        "项",
        "（一）3",
        """Technology contracts registered (登记日期) in year Y.""",
        model=TechContract,
        year_field="registered_on",
        year_param="registered_on__year",
    ),
    GrowthIndicator(
        "tech_contract_growth",
        "技术合同登记额同比增幅",
        "%",
        "（一）3",
        """(登记额 of year Y - 登记额 of year Y-1) / 登记额 of year Y-1, in percent, from
        ``tech_contract_amount``. None when nothing was registered in Y-1.""",
        base_key="tech_contract_amount",
    ),
    ExternalIndicator(
        "tech_contract_growth_rank",
        "技术合同登记额增幅全市位次",
        "位",
        "（一）3",
        """The district's rank in the city on the growth of registered contracts, as received
        (external figure with key ``tech_contract_growth_rank``).""",
    ),
    # ---- （二）1 talent programmes ----------------------------------------------------------
    CountIndicator(
        "talent_applied",
        "申报人才工程项目",
        "项",
        "（二）1",
        """Talent-programme projects of year Y (each project applied through the district).
        Names: the candidates; breakdown: by programme and category.""",
        model=TalentProject,
        name_field="candidate",
        detail_fields={
            "candidate": "candidate",
            "enterprise": "enterprise__name",
            "programme": "programme",
            "title": "title",
        },
        breakdown_field="programme",
        order_by=("programme", "candidate"),
    ),
    CountIndicator(
        "talent_applied_enterprises",
        "申报人才工程企业",
        "家",
        "（二）1",
        """Enterprises with at least one talent-programme project of year Y, each once;
        breakdown by programme.""",
        model=TalentProject,
        distinct="enterprise",
        breakdown_field="programme",
    ),
    _talent_stage(
        "talent_city_review_passed",
        "通过市级评审",
        Step.CITY_REVIEW,
        Result.PASSED,
        """Talent projects of year Y whose stage 市级评审 has result 通过; names: candidates;
        breakdown by programme.""",
    ),
    _talent_stage(
        "talent_online_review_passed",
        "通过网络初评",
        Step.ONLINE_REVIEW,
        Result.PASSED,
        """Talent projects of year Y whose stage 网络初评 has result 通过 (they await the
        defence); names: candidates.""",
    ),
    _talent_stage(
        "talent_defence_passed",
        "通过答辩",
        Step.DEFENCE,
        Result.PASSED,
        """Talent projects of year Y whose stage 答辩 has result 通过; names: candidates.""",
    ),
    _talent_stage(
        "talent_awaiting_site_visit",
        "待现场考察",
        Step.SITE_VISIT,
        Result.PENDING,
        """Talent projects of year Y whose stage 现场考察 is recorded and still 进行中
        (passed the defence, preparing the site visit); names: candidates.""",
    ),
    _talent_stage(
        "talent_selected",
        "人才工程入选",
        Step.FINAL,
        Result.SELECTED,
        """Talent projects of year Y whose final result is 入选; names: candidates.""",
    ),
    # ---- （二）2 foreign experts -----------------------------------------------------------
    CountIndicator(
        "work_permits_issued",
        "办理外国人来华工作许可",
        "人",
        "（二）2",
        """Foreign experts who were issued a new (新办) work permit dated (办理日期) in year Y,
        each expert once; extensions, changes and cancellations do not count. Compared with
        the annual target of the same key.""",
        model=WorkPermit,
        year_field="issued_on",
        year_param="issued_on__year",
        where=Q(business=WorkPermit.Business.NEW),
        url_params={"business": WorkPermit.Business.NEW.value},
        distinct="expert",
        name_field="expert__name",
    ),
    CountIndicator(
        "intro_projects",
        "申报引智项目",
        "项",
        "（二）2",
        """Talent-introduction projects of year Y, whatever their status (未立项 included:
        they were applied for). Names: the titles; details: host, experts, status.""",
        model=IntroProject,
        name_field="title",
        detail_fields={
            "title": "title",
            "host": "host__name",
            "experts": "expert_names",
            "status": "status",
        },
        order_by=("title",),
    ),
    # ---- （三）1 maker spaces --------------------------------------------------------------
    CountIndicator(
        "maker_space_national",
        "国家级众创空间（入列名单）",
        "家",
        "（三）1",
        """Platforms of kind 众创空间, level 国家级, year Y, status 认定/备案 (on the national
        list published that year). Names: the spaces.""",
        model=Platform,
        where=Q(kind=PK.MAKER_SPACE, level=Level.NATIONAL, status=PS.RECOGNISED),
        dated_by="recognised_on",
        dated_by_nullable=True,
        url_params={"kind": PK.MAKER_SPACE.value, "level": Level.NATIONAL.value}
        | {"status": PS.RECOGNISED.value},
        name_field="name",
        detail_fields={**PLATFORM_DETAILS, "recognised_on": "recognised_on"},
        order_by=("name",),
    ),
    CountIndicator(
        "maker_space_provincial_applied",
        "申报省级众创空间",
        "家",
        "（三）1",
        """Platforms of kind 众创空间, level 省级, year Y, submitted (申报 and every later status,
        未通过 included). Names: the spaces.""",
        model=Platform,
        where=Q(kind=PK.MAKER_SPACE, level=Level.PROVINCIAL, status__in=PLATFORM_SUBMITTED),
        url_params={"kind": PK.MAKER_SPACE.value, "level": Level.PROVINCIAL.value}
        | _status_in(PLATFORM_SUBMITTED),
        name_field="name",
        detail_fields=PLATFORM_DETAILS,
        order_by=("name",),
    ),
    CountIndicator(
        "maker_space_provincial_passed",
        "省级众创空间通过专家评审",
        "家",
        "（三）1",
        """Provincial maker spaces of year Y that passed the expert review: status 专家评审通过,
        推荐上报 or 认定/备案. Names: the spaces.""",
        model=Platform,
        where=Q(kind=PK.MAKER_SPACE, level=Level.PROVINCIAL, status__in=PLATFORM_REVIEW_PASSED),
        url_params={"kind": PK.MAKER_SPACE.value, "level": Level.PROVINCIAL.value}
        | _status_in(PLATFORM_REVIEW_PASSED),
        name_field="name",
        detail_fields=PLATFORM_DETAILS,
        order_by=("name",),
    ),
    CountIndicator(
        "maker_space_recommended",
        "推荐至省科技厅的众创空间",
        "家",
        "（三）1",
        """Provincial maker spaces of year Y recommended to the province: status 推荐上报 or
        认定/备案. Names: the spaces.""",
        model=Platform,
        where=Q(kind=PK.MAKER_SPACE, level=Level.PROVINCIAL, status__in=PLATFORM_RECOMMENDED),
        url_params={"kind": PK.MAKER_SPACE.value, "level": Level.PROVINCIAL.value}
        | _status_in(PLATFORM_RECOMMENDED),
        name_field="name",
        detail_fields=PLATFORM_DETAILS,
        order_by=("name",),
    ),
    ExternalIndicator(
        "maker_space_city_quota",
        "全市省级众创空间推荐名额",
        "家",
        "（三）1",
        """The city's number of recommendation places for provincial maker spaces, as received
        (external figure with key ``maker_space_city_quota``).""",
    ),
    # ---- （三）2 new R&D institutions ------------------------------------------------------
    CountIndicator(
        "new_rd_recommended",
        "推荐备案省级新型研发机构",
        "家",
        "（三）2",
        """Platforms of kind 新型研发机构, year Y, recommended to the province: status 推荐上报,
        认定/备案 or 未通过 (the result). Names: the host enterprises; details give the status
        (推荐上报 means the result is not yet published).""",
        model=Platform,
        where=Q(kind=PK.NEW_RD, status__in=[*PLATFORM_RECOMMENDED, PS.REJECTED]),
        url_params={"kind": PK.NEW_RD.value} | _status_in([*PLATFORM_RECOMMENDED, PS.REJECTED]),
        name_field="host__name",
        detail_fields=PLATFORM_DETAILS,
        order_by=("host__name",),
    ),
    # ---- （三）3 R&D platforms -------------------------------------------------------------
    CountIndicator(
        "platforms_upgraded",
        "研发平台提质升级",
        "处",
        "（三）3",
        """Platforms of year Y marked 本年度提质升级. Names: their host enterprises.""",
        model=Platform,
        where=Q(upgraded=True),
        url_params={"upgraded": "true"},
        name_field="host__name",
        detail_fields=PLATFORM_DETAILS,
        order_by=("host__name",),
    ),
    CountIndicator(
        "key_lab_applications",
        "申报企业重点实验室",
        "家",
        "（三）3",
        """Host enterprises of platforms of kind 企业重点实验室, year Y, submitted (申报 and every
        later status), each enterprise once; breakdown by level.""",
        model=Platform,
        where=Q(kind=PK.KEY_LAB, status__in=PLATFORM_SUBMITTED),
        url_params={"kind": PK.KEY_LAB.value} | _status_in(PLATFORM_SUBMITTED),
        distinct="host",
        breakdown_field="level",
    ),
    CountIndicator(
        "innovation_centre_applications",
        "申报技术创新中心",
        "家",
        "（三）3",
        """Host enterprises of platforms of kind 技术创新中心, year Y, submitted (申报 and every
        later status), each enterprise once; breakdown by level.""",
        model=Platform,
        where=Q(kind=PK.INNOVATION_CENTRE, status__in=PLATFORM_SUBMITTED),
        url_params={"kind": PK.INNOVATION_CENTRE.value} | _status_in(PLATFORM_SUBMITTED),
        distinct="host",
        breakdown_field="level",
    ),
    CountIndicator(
        "new_platforms_city_and_above",
        "新增市级以上创新平台",
        "家",
        "三（一）",
        """Platforms of any kind, year Y, level 市级 or above, status 认定/备案; breakdown by
        kind.""",
        model=Platform,
        where=Q(level__in=CITY_AND_ABOVE, status=PS.RECOGNISED),
        dated_by="recognised_on",
        dated_by_nullable=True,
        url_params={"status": PS.RECOGNISED.value, "level__in": [str(x) for x in CITY_AND_ABOVE]},
        breakdown_field="kind",
    ),
    # ---- （三）4 R&D-institution coverage --------------------------------------------------
    CountIndicator(
        "coverage_milestones",
        "研发机构全覆盖工作节点",
        "次",
        "（三）4",
        """Milestones of the coverage campaign of year Y (meetings, plan, inspections); details
        give date, kind, title, participants, key enterprises and document, in date order.""",
        model=CoverageMilestone,
        dated_by="date",
        name_field="title",
        detail_fields={
            "date": "date",
            "kind": "kind",
            "title": "title",
            "participants": "participants",
            "key_enterprises": "key_enterprises",
            "document": "document",
        },
        order_by=("date", "pk"),
    ),
    AboveScaleCoverage(
        "coverage_rate",
        "规上工业企业研发机构覆盖率",
        "%",
        "（三）4",
        """规上工业企业 of year Y (enterprises whose yearly row of Y classifies them 规上) whose
        coverage record of year Y says 已建研发机构, divided by all 规上工业企业 of Y, in percent;
        breakdown by the township of Y's classification. The denominator is the year's 规上
        enterprises, not the ledger's rows: one nobody entered in the ledger counts as not
        covered. Reclassifying or moving an enterprise later changes no past year.""",
        measure="rate",
    ),
    AboveScaleCoverage(
        "coverage_covered",
        "已建研发机构的规上工业企业",
        "家",
        "（三）4",
        """规上工业企业 of year Y whose coverage record of year Y says 已建研发机构, each once;
        breakdown by the township of Y's classification.""",
        measure="covered",
    ),
    AboveScaleCoverage(
        "coverage_enterprises",
        "纳入全覆盖的规上工业企业",
        "家",
        "（三）4",
        """Enterprises classified 规上工业企业 in year Y (their yearly row of Y says so; all of
        them are in the campaign, whether or not the ledger has their record of year Y);
        breakdown by the township of Y's classification.""",
        measure="total",
    ),
    # ---- （四） poverty aid -----------------------------------------------------------------
    CountIndicator(
        "key_villages",
        "扶贫工作重点村",
        "个",
        "（四）",
        """Key villages still aided (在帮扶) and designated in year Y or before.""",
        model=KeyVillage,
        year_field="designated_year",
        cumulative=True,
        year_param="designated_year__lte",
        where=Q(is_active=True),
        url_params={"is_active": "true"},
    ),
    CountIndicator(
        "key_villages_served",
        "开展技术服务的重点村",
        "个",
        "（四）",
        """Key villages with at least one service visit dated in year Y, each once (the link
        opens the visits).""",
        model=ServiceVisit,
        year_field="date",
        year_param="date__year",
        distinct="village",
    ),
    CountIndicator(
        "service_visits",
        "技术指导服务",
        "次",
        "（四）",
        """Service visits to key villages dated in year Y; breakdown by township.""",
        model=ServiceVisit,
        year_field="date",
        year_param="date__year",
        breakdown_field="village__village__township__name",
    ),
    SumIndicator(
        "farmers_trained",
        "培训农民",
        "人次",
        "（四）",
        """Sum of farmers trained over the service visits dated in year Y.""",
        model=ServiceVisit,
        year_field="date",
        year_param="date__year",
        sum_field="farmers_trained",
        decimals=0,
    ),
    CountIndicator(
        "agri_stations_new",
        "新建农科驿站",
        "处",
        "（四）",
        """Agri-tech stations built (建成日期) in year Y. Names: the stations.""",
        model=AgriStation,
        year_field="built_on",
        year_param="built_on__year",
        name_field="name",
        order_by=("built_on", "name"),
    ),
    CountIndicator(
        "demo_bases_selected",
        "入选省科技扶贫示范基地",
        "处",
        "（四）",
        """Demonstration bases of year Y with status 已入选. Names: the bases.""",
        model=DemoBase,
        where=Q(status=DemoBase.Status.SELECTED),
        url_params={"status": DemoBase.Status.SELECTED.value},
        name_field="name",
        order_by=("name",),
    ),
    CountIndicator(
        "achievements_selected",
        "入选省科技扶贫科技成果",
        "项",
        "（四）",
        """Poverty-aid achievements of year Y with status 已入选 (district-wide). Names: the
        titles.""",
        model=PovertyAchievement,
        where=Q(status=PovertyAchievement.Status.SELECTED),
        url_params={"status": PovertyAchievement.Status.SELECTED.value},
        name_field="title",
        order_by=("title",),
    ),
]
