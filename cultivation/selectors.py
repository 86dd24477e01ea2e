"""The records an evaluation reads, gathered for any number of enterprises in a fixed number of
queries, and the evaluations computed from them (``cultivation.scoring``).

Nothing is stored: every page computes from the records as they are, so a figure corrected a
minute ago shows at once. The queries (whatever the number of enterprises):

1. the enterprises (with township and industry);
2. their yearly figures of the three years up to the year;
3. their IP counting for the year, counted by class in SQL;
4. their hi-tech applications up to the year (the valid certificate and the latest field);
5. their recognised platforms of provincial level or above;
6. their R&D-coverage rows naming an institution of provincial level or above;
7. their recorded 科小评价 of the year.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet

from cultivation import scoring
from cultivation.rules import IP_CLASS_ONE, hitech_rules_for
from enterprises.models import (
    Enterprise,
    EnterpriseYearlyFigure,
    HiTechApplication,
    IntellectualProperty,
    SmeEvaluation,
    TechField,
)
from platforms.models import Level, Platform, RdCoverage

HT = HiTechApplication.Status
PROVINCIAL_OR_ABOVE = (Level.NATIONAL, Level.PROVINCIAL)
# Platforms that are R&D institutions (not incubators or maker spaces).
RD_PLATFORM_KINDS = (
    Platform.Kind.NEW_RD,
    Platform.Kind.KEY_LAB,
    Platform.Kind.INNOVATION_CENTRE,
    Platform.Kind.ENGINEERING_CENTRE,
    Platform.Kind.ACADEMICIAN,
    Platform.Kind.RD_PLATFORM,
)


@dataclass(frozen=True)
class Firm:
    """What the lists show of an enterprise (read as plain rows: at city scale, model instances
    with their township and industry would cost a quarter of the time)."""

    pk: int
    name: str
    credit_code: str
    founded_on: datetime.date | None
    township_name: str
    industry_name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class Certificate:
    """A 高企 certificate valid on the year's last day."""

    pk: int
    certificate_number: str
    issued_on: datetime.date
    expires_on: datetime.date


@dataclass(frozen=True)
class Recorded:
    """The 科小评价 recorded for the year."""

    status: str
    score: int | None

    def get_status_display(self) -> str:
        return str(SmeEvaluation.Status(self.status).label)


@dataclass
class Assessment:
    """One enterprise in one year: what the records say and what the rules make of it."""

    enterprise: Firm
    year: int
    figures: dict[int, scoring.Figures]
    holdings: scoring.Holdings
    tech_field: str | None
    certificate: Certificate | None  # the certificate valid on the year's last day
    recorded: Recorded | None  # the 科小评价 recorded for the year
    sme: scoring.SmeEvaluation | None  # None when assessed for the 高企 screening alone
    hitech: scoring.HitechScreening

    @property
    def registered(self) -> bool:
        return self.recorded is not None and self.recorded.status == SmeEvaluation.Status.REGISTERED

    @property
    def score_differs(self) -> bool:
        """A recorded score that is not the computed total."""
        return (
            self.recorded is not None
            and self.recorded.score is not None
            and self.year in self.figures
            and self.recorded.score != self.sme.total
        )

    @property
    def sme_short(self) -> list[str]:
        """What keeps the enterprise from 符合, in words (the reasons, then what would help)."""
        if self.sme.verdict == scoring.QUALIFIED:
            return []
        if self.sme.verdict == scoring.INCOMPLETE:
            return [f"缺{item}" for item in self.sme.missing]
        return self.sme.reasons + self.sme.hints


def ip_counting_in(year: int) -> Q:
    """The IP that counts for ``year`` (``cultivation.rules.ip_counts_in``) as a filter: granted
    by the year's end, not expired before its last day, not lapsed or transferred by then. One
    marked 失效 or 转让 without the day counts for no year."""
    end = datetime.date(year, 12, 31)
    return (
        Q(granted_on__lte=end)
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=end))
        & (
            Q(lapsed_on__isnull=True, status=IntellectualProperty.Status.VALID)
            | Q(lapsed_on__gt=end)
        )
    )


def _figures(row) -> scoring.Figures:
    return scoring.Figures(
        year=row["year"],
        staff_total=row["staff_total"],
        tech_staff=row["tech_staff"],
        sales=row["sales_revenue"],
        assets=row["total_assets"],
        costs=row["total_costs"],
        rd=row["rd_expense"],
        hitech_income=row["hitech_product_income"],
    )


def assess(enterprises: QuerySet, year: int) -> list[Assessment]:
    """Every enterprise of ``enterprises`` assessed for ``year``, in seven queries."""
    return assess_many(enterprises, [year])[year]


def assess_many(enterprises: QuerySet, years, *, sme: bool = True) -> dict[int, list[Assessment]]:
    """Every enterprise of ``enterprises`` assessed for each of ``years``: {year: assessments}.

    The same seven queries as for one year, whatever the number of years (the indicator
    registry asks for five years of 后备高企 at once): the figures of every window, the IP
    counted by class for each year in one grouped query, every application up to the last
    year, the first year of each R&D institution, the recorded evaluations of the years.
    ``sme=False`` leaves the 科小 evaluation out (``Assessment.sme`` is None): the 后备高企
    need only the 高企 screening, and the scoring is most of the time at scale."""
    years = sorted(set(years))
    firms = [
        Firm(pk, name, code, founded_on, township or "", industry or "")
        for pk, name, code, founded_on, township, industry in enterprises.order_by(
            "pk"
        ).values_list("pk", "name", "credit_code", "founded_on", "township__name", "industry__name")
    ]
    if not firms or not years:
        return {year: [] for year in years}
    ids = enterprises.values("pk")
    windows = {year: hitech_rules_for(year).years_window for year in years}
    last = years[-1]
    ends = {year: datetime.date(year, 12, 31) for year in years}

    figures: dict[int, dict[int, scoring.Figures]] = {}
    rows = EnterpriseYearlyFigure.objects.filter(
        enterprise__in=ids,
        year__gt=min(year - windows[year] for year in years),
        year__lte=last,
    ).values(
        "enterprise_id",
        "year",
        "staff_total",
        "tech_staff",
        "sales_revenue",
        "total_assets",
        "total_costs",
        "rd_expense",
        "hitech_product_income",
        "township__name",
        "industry__name",
    )
    # The township and industry each year's assessment is listed under: the year's
    # classification, kept with its figures (the enterprise may have moved since).
    classified: dict[int, dict[int, tuple[str, str]]] = {year: {} for year in years}
    for row in rows.order_by():
        figures.setdefault(row["enterprise_id"], {})[row["year"]] = _figures(row)
        if row["year"] in classified and row["township__name"]:
            classified[row["year"]][row["enterprise_id"]] = (
                row["township__name"],
                row["industry__name"] or "",
            )

    class_one = Q(kind__in=list(IP_CLASS_ONE))
    counting = {year: ip_counting_in(year) for year in years}
    ip_rows = (
        IntellectualProperty.objects.filter(reduce(or_, counting.values()), enterprise__in=ids)
        .order_by()
        .values("enterprise_id")
        .annotate(
            **{f"one_{year}": Count("pk", filter=counting[year] & class_one) for year in years},
            **{f"two_{year}": Count("pk", filter=counting[year] & ~class_one) for year in years},
        )
    )
    ip: dict[int, dict[int, tuple[int, int]]] = {year: {} for year in years}
    for row in ip_rows:
        for year in years:
            ip[year][row["enterprise_id"]] = (row[f"one_{year}"], row[f"two_{year}"])

    certificates: dict[int, dict[int, Certificate]] = {year: {} for year in years}
    fields: dict[int, dict[int, str]] = {year: {} for year in years}
    field_names = {key: str(label) for key, label in TechField.choices}
    applications = (
        HiTechApplication.objects.filter(enterprise__in=ids, year__lte=last)
        .order_by("enterprise_id", "year")
        .values_list(
            "pk",
            "enterprise_id",
            "year",
            "tech_field",
            "status",
            "certificate_number",
            "issued_on",
            "expires_on",
        )
    )
    for pk, firm_pk, filed, tech_field, status, number, issued_on, expires_on in applications:
        certified = status == HT.CERTIFIED and issued_on is not None and expires_on is not None
        for year in years:
            if filed > year:
                continue
            if tech_field:
                fields[year][firm_pk] = field_names.get(tech_field, tech_field)
            if certified and issued_on <= ends[year] <= expires_on:
                certificates[year][firm_pk] = Certificate(pk, number, issued_on, expires_on)

    # The first year each enterprise had an R&D institution of provincial level or above.
    since: dict[int, int] = dict(
        Platform.objects.filter(
            host__in=ids,
            status=Platform.Status.RECOGNISED,
            level__in=PROVINCIAL_OR_ABOVE,
            kind__in=RD_PLATFORM_KINDS,
            year__lte=last,
        )
        .order_by()
        .values("host_id")
        .annotate(first=Min("year"))
        .values_list("host_id", "first")
    )
    covered = (
        RdCoverage.objects.filter(
            enterprise__in=ids,
            has_institution=True,
            level__in=PROVINCIAL_OR_ABOVE,
            year__lte=last,
        )
        .order_by()
        .values("enterprise_id")
        .annotate(first=Min("year"))
        .values_list("enterprise_id", "first")
    )
    for firm_pk, first in covered:
        since[firm_pk] = min(first, since.get(firm_pk, first))
    institutions = {
        year: {firm_pk for firm_pk, first in since.items() if first <= year} for year in years
    }

    recorded: dict[int, dict[int, Recorded]] = {year: {} for year in years}
    for firm_pk, year, status, score in (
        SmeEvaluation.objects.filter(enterprise__in=ids, year__in=years)
        .order_by()
        .values_list("enterprise_id", "year", "status", "score")
    ):
        recorded[year][firm_pk] = Recorded(status, score)

    # The scoring makes a few dozen small objects per enterprise: at city scale the cyclic
    # collector's passes over them would cost a third of the time, and none of them is cyclic.
    collecting = gc.isenabled()
    gc.disable()
    try:
        out = {}
        for year in years:
            first = year - windows[year]
            own = (
                figures
                if len(years) == 1
                else {
                    firm_pk: {y: row for y, row in by_year.items() if first < y <= year}
                    for firm_pk, by_year in figures.items()
                }
            )
            of_year = classified[year]
            out[year] = [
                _assessment(
                    _as_classified(firm, of_year.get(firm.pk)),
                    year,
                    own,
                    ip[year],
                    certificates[year],
                    fields[year],
                    institutions[year],
                    recorded[year],
                    sme=sme,
                )
                for firm in firms
            ]
        return out
    finally:
        if collecting:
            gc.enable()


def _as_classified(firm: Firm, classification: tuple[str, str] | None) -> Firm:
    """``firm`` under the township and industry of a year's classification (as it is when the
    year has none, or the same)."""
    if classification is None or classification == (firm.township_name, firm.industry_name):
        return firm
    return dataclasses.replace(
        firm, township_name=classification[0], industry_name=classification[1]
    )


def _assessment(firm, year, figures, ip, certificates, fields, institutions, recorded, *, sme=True):
    own = figures.get(firm.pk, {})
    one, two = ip.get(firm.pk, (0, 0))
    holdings = scoring.Holdings(
        class_one_ip=one,
        class_two_ip=two,
        hitech_certificate=firm.pk in certificates,
        provincial_rd_institution=firm.pk in institutions,
    )
    field = fields.get(firm.pk)
    return Assessment(
        enterprise=firm,
        year=year,
        figures=own,
        holdings=holdings,
        tech_field=field,
        certificate=certificates.get(firm.pk),
        recorded=recorded.get(firm.pk),
        sme=scoring.sme_evaluate(own.get(year), holdings, year) if sme else None,
        hitech=scoring.hitech_screen(
            own, holdings, year, founded_on=firm.founded_on, tech_field=field
        ),
    )


def assess_one(enterprise: Enterprise, year: int) -> Assessment:
    return assess(Enterprise.objects.filter(pk=enterprise.pk), year)[0]


def latest_year() -> int:
    """The latest year with yearly figures (last year when there are none)."""
    from django.utils import timezone

    found = EnterpriseYearlyFigure.objects.order_by("-year").values_list("year", flat=True).first()
    return found or timezone.localdate().year - 1


# --- the 培育库 lists ----------------------------------------------------------------------------


def sme_candidates(assessments: list[Assessment], margin: int) -> list[Assessment]:
    """后备科小: not registered in the year, with figures of the year, computed 符合 or within
    ``margin`` points of the pass mark (size limits met)."""
    out = []
    for a in assessments:
        if a.registered or a.year not in a.figures:
            continue
        sme = a.sme
        if sme.verdict == scoring.QUALIFIED:
            out.append(a)
        elif sme.verdict == scoring.NOT_QUALIFIED and not any(
            c.key.startswith("size_") and c.status == scoring.UNMET for c in sme.criteria
        ):
            if sme.total >= sme.rules.pass_score - margin:
                out.append(a)
    return out


def hitech_candidates(assessments: list[Assessment]) -> list[Assessment]:
    """后备高企: no certificate valid at the year's end, with figures of the year, and every
    condition the records decide 满足 or only one short."""
    return [
        a
        for a in assessments
        if a.certificate is None and a.year in a.figures and len(a.hitech.short) <= 1
    ]


def hitech_reserve(enterprises: QuerySet, years) -> dict[int, list[Assessment]]:
    """后备高企 (``hitech_candidates``) of each of ``years``: {year: assessments}, in eight
    queries whatever the number of years (the possible candidates, then ``assess_many``'s
    seven), screened for the 高企 alone.

    Only enterprises that could be candidates of one of the years are read and scored: those
    with yearly figures of the year, and with IP granted by its end or a hi-tech application
    naming a field up to it. Without either, both the IP and the field conditions are short
    (the rules ask for at least one IP of a class, ``min_class_one`` / ``min_class_two`` ≥ 1),
    one more than a candidate may be; the others are most of the enterprises."""
    years = sorted(set(years))
    rules = [hitech_rules_for(year) for year in years]
    assert all(r.min_class_one >= 1 and r.min_class_two >= 1 for r in rules), "IP may be none"
    last = datetime.date(years[-1], 12, 31)
    # EXISTS probes each enterprise's rows on their index: an IN (subquery) under OR is
    # re-read for every enterprise once its rows outgrow work_mem (quadratic at province scale).
    mine = OuterRef("pk")
    possible = enterprises.filter(
        Exists(EnterpriseYearlyFigure.objects.filter(enterprise=mine, year__in=years)),
        Exists(IntellectualProperty.objects.filter(enterprise=mine, granted_on__lte=last))
        | Exists(
            HiTechApplication.objects.filter(enterprise=mine, year__lte=years[-1]).exclude(
                tech_field=""
            )
        ),
    )
    # Read once: the seven queries below would each evaluate the EXISTS filters again.
    ids = list(possible.values_list("pk", flat=True))
    assessed = assess_many(Enterprise.objects.filter(pk__in=ids), years, sme=False)
    return {year: hitech_candidates(found) for year, found in assessed.items()}
