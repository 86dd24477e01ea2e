"""The 科小 score and the 高企 conditions as SQL: any number of enterprises scored by the
database in one query, which fills the per-year evaluation table (``cultivation.evaluations``)
the 培育库 lists, their counts and the pipeline card read.

The expressions are written from the rules in force for the year (``cultivation.rules``), so
the rules stay data: a rule changed for a year changes the SQL of that year. Python's scoring
(``cultivation.scoring``) stays the oracle: ``tests/cultivation/test_fast.py`` holds the two
equal on random figures at every band boundary, and the pages show Python's criterion-by-
criterion evaluation of the 25 rows of a page (``selectors.assess`` on them).

Ratios are compared by multiplying, never by dividing: ``rd >= 0.06 * sales`` is exact in
``numeric``, where ``rd / sales`` is rounded to a scale PostgreSQL picks and could land on a
band's edge from below. Amounts and counts are never negative (the models' validators), and a
denominator of zero or none leaves the ratio unknown, as ``scoring.ratio`` does.

One query reads, for the figures of the year of every enterprise in scope: the enterprise, the
figures of the window's earlier years, its IP counting for the year by class, whether a 高企
certificate is valid on the year's last day, whether a technical field is on record, whether it
has an R&D institution of provincial level or above, and the 科小 evaluation recorded for the
year. Each is a grouped derived table the planner hash-joins once, not a subquery per row.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from bureau.models import Township
from cultivation import scoring
from cultivation.rules import (
    IP_CLASS_ONE,
    Band,
    HitechRules,
    SmeRules,
    hitech_rules_for,
    sme_rules_for,
)
from enterprises.models import (
    Enterprise,
    EnterpriseYearlyFigure,
    HiTechApplication,
    IntellectualProperty,
    SmeEvaluation,
)
from platforms.models import Platform, RdCoverage

# Pinyin order of names: the ICU collation PostgreSQL ships. (A common helper for every list is
# being made elsewhere; this name says what it is so the two merge.)
PINYIN_COLLATION = "zh-x-icu"

# Verdicts as the SQL spells them, mapped to ``scoring``'s.
VERDICTS = {"q": scoring.QUALIFIED, "n": scoring.NOT_QUALIFIED, "i": scoring.INCOMPLETE}


class Sql:
    """A fragment of SQL with its parameters, joined by ``+``."""

    def __init__(self, text: str = "", params=()):
        self.text, self.params = text, list(params)

    def __add__(self, other):
        other = other if isinstance(other, Sql) else Sql(other)
        return Sql(self.text + other.text, self.params + other.params)

    def __radd__(self, other):
        return Sql(other) + self


def _compiled(queryset: QuerySet) -> Sql:
    sql, params = queryset.query.sql_with_params()
    return Sql(sql, params)


# --- the rules as expressions --------------------------------------------------------------------


def bands_sql(numerator: str, denominator: str | None, bands: tuple[Band, ...]) -> Sql:
    """``rules.points_for(numerator / denominator, bands)``, 0 without a ratio; without a
    ``denominator``, the bands apply to ``numerator`` itself (a count)."""
    guard = f"{numerator} IS NULL"
    if denominator is not None:
        guard += f" OR NOT COALESCE({denominator} > 0, FALSE)"
    out = Sql(f"(CASE WHEN {guard} THEN 0")
    for band in bands:
        scaled = f"%s * {denominator}" if denominator else "%s"
        out += Sql(f" WHEN {numerator} >= {scaled} THEN {int(band.points)}", [band.at])
    return out + " ELSE 0 END)"


def _met(numerator: str, denominator: str, share) -> Sql:
    """True when ``numerator / denominator >= share`` is known and holds."""
    return Sql(
        f"COALESCE({numerator} IS NOT NULL AND {denominator} > 0 "
        f"AND {numerator} >= %s * {denominator}, FALSE)",
        [share],
    )


def sme_sql(rules: SmeRules) -> dict[str, Sql]:
    """The 科小 evaluation (``scoring.sme_evaluate``) over the columns of ``_inner``: points,
    total, whether a size limit is exceeded, and the verdict ('q' 符合, 'n' 不符合, 'i' 数据不全)."""
    staff = bands_sql("tech_staff", "staff_total", rules.staff_bands)
    by_sales = bands_sql("rd_expense", "sales_revenue", rules.rd_sales_bands)
    by_costs = bands_sql("rd_expense", "total_costs", rules.rd_costs_bands)
    rd = Sql("GREATEST(") + by_sales + ", " + by_costs + ")"
    ip = (
        Sql(f"(CASE WHEN one > 0 THEN {int(rules.class_one_points)} ELSE ")
        + bands_sql("two", None, rules.class_two_bands)
        + " END)"
    )
    total = Sql("(") + staff + " + " + rd + " + " + ip + ")"
    size_unmet = Sql(
        "(COALESCE(staff_total > %s, FALSE) OR COALESCE(sales_revenue > %s, FALSE) "
        "OR COALESCE(total_assets > %s, FALSE))",
        [rules.max_staff, rules.max_sales, rules.max_assets],
    )
    size_unknown = "(staff_total IS NULL OR sales_revenue IS NULL OR total_assets IS NULL)"
    staff_known = "(tech_staff IS NOT NULL AND COALESCE(staff_total > 0, FALSE))"
    rd_known = (
        "(rd_expense IS NOT NULL AND (COALESCE(sales_revenue > 0, FALSE) "
        "OR COALESCE(total_costs > 0, FALSE)))"
    )
    # The order of ``scoring.sme_evaluate``: size first, then direct grounds, then the score.
    verdict = (
        Sql("(CASE WHEN ")
        + size_unmet
        + f" THEN 'n' WHEN grounds AND NOT {size_unknown} THEN 'q'"
        + f" WHEN {size_unknown} OR NOT {staff_known} OR NOT {rd_known} THEN 'i' WHEN "
        + total
        + Sql(" >= %s AND ", [rules.pass_score])
        + staff
        + " > 0 THEN 'q' ELSE 'n' END)"
    )
    return {
        "staff_points": staff,
        "rd_points": rd,
        "ip_points": ip,
        "total": total,
        "size_unmet": size_unmet,
        "verdict": verdict,
    }


def hitech_sql(rules: HitechRules, year: int) -> dict[str, Sql]:
    """The 高企 conditions the records decide (``scoring.hitech_screen``), each true when 满足,
    and ``short``: how many are not (unmet, or unknown for a missing figure)."""
    cutoff = datetime.date(year + 1 - rules.min_years_registered, 1, 1)
    # The window: the last ``years_window`` years, from the founding year when that is later.
    complete, rd_sum, sales_sum, params = [], [], [], []
    for offset in range(rules.years_window):
        counted = "(founded_on IS NULL OR founded_on < %s)"
        params.append(datetime.date(year - offset + 1, 1, 1))
        complete.append(
            f"(NOT {counted} OR (w{offset}_rd IS NOT NULL AND w{offset}_sales IS NOT NULL))"
        )
        rd_sum.append(f"(CASE WHEN {counted} THEN w{offset}_rd ELSE 0 END)")
        sales_sum.append(f"(CASE WHEN {counted} THEN w{offset}_sales ELSE 0 END)")
    needed = Sql("(CASE")
    for limit, share in rules.rd_share_by_sales:
        if limit is None:
            needed += Sql(" WHEN TRUE THEN %s", [share])
            break
        needed += Sql(" WHEN sales_revenue <= %s THEN %s", [limit, share])
    needed += " END)"
    rd_sums = Sql(f"({' + '.join(rd_sum)})", params)
    sales_sums = Sql(f"({' + '.join(sales_sum)})", params)
    rd_share = (
        Sql(f"COALESCE(sales_revenue IS NOT NULL AND {' AND '.join(complete)} AND ", params)
        + sales_sums
        + " > 0 AND "
        + rd_sums
        + " >= "
        + needed
        + " * "
        + sales_sums
        + ", FALSE)"
    )
    conditions = {
        "registered": Sql("COALESCE(founded_on <= %s, FALSE)", [cutoff]),
        "ip": Sql("(one >= %s OR two >= %s)", [rules.min_class_one, rules.min_class_two]),
        "field": Sql("has_field"),
        "tech_staff": _met("tech_staff", "staff_total", rules.min_tech_staff_share),
        "rd_share": rd_share,
        "hitech_income": _met(
            "hitech_product_income", "sales_revenue", rules.min_hitech_income_share
        ),
    }
    short = Sql("(0")
    for condition in conditions.values():
        short += Sql(" + (CASE WHEN ") + condition + " THEN 0 ELSE 1 END)"
    short += ")"
    return {**{f"hitech_{key}": value for key, value in conditions.items()}, "short": short}


# --- what the expressions read -------------------------------------------------------------------


def figures_of(year: int, ids=None) -> QuerySet:
    """The yearly figures of ``year`` (of the enterprises ``ids`` when given): the one place
    the fast path reads them."""
    return _of(EnterpriseYearlyFigure.objects.filter(year=year).order_by(), "enterprise_id", ids)


def _of(queryset: QuerySet, field: str, ids) -> QuerySet:
    """``queryset`` narrowed to the enterprises ``ids`` (all when None): a refresh of a few
    marked enterprises reads their rows alone, not every enterprise's grouped."""
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def _ip_counts(year: int, ids=None) -> Sql:
    from cultivation.selectors import ip_counting_in  # noqa: PLC0415 - selectors imports this

    class_one = Q(kind__in=list(IP_CLASS_ONE))
    return _compiled(
        _of(IntellectualProperty.objects.filter(ip_counting_in(year)), "enterprise_id", ids)
        .order_by()
        .values("enterprise_id")
        .annotate(one=Count("pk", filter=class_one), two=Count("pk", filter=~class_one))
    )


def _ids(queryset: QuerySet, column: str) -> Sql:
    """The distinct ``column`` of ``queryset``, as a grouped derived table."""
    return _compiled(queryset.order_by().values(column).annotate(n=Count("pk")).values(column))


def _certified(year: int, ids=None) -> Sql:
    """Enterprises with a 高企 certificate valid on the year's last day."""
    end = datetime.date(year, 12, 31)
    certified = HiTechApplication.objects.filter(
        year__lte=year,
        status=HiTechApplication.Status.CERTIFIED,
        issued_on__lte=end,
        expires_on__gte=end,
    )
    return _ids(_of(certified, "enterprise_id", ids), "enterprise_id")


def _fielded(year: int, ids=None) -> Sql:
    """Enterprises with a technical field on an application up to the year."""
    fielded = HiTechApplication.objects.filter(year__lte=year).exclude(tech_field="")
    return _ids(_of(fielded, "enterprise_id", ids), "enterprise_id")


def _institutions(year: int, ids=None) -> Sql:
    """Enterprises with an R&D institution of provincial level or above by the year."""
    from cultivation.selectors import PROVINCIAL_OR_ABOVE, RD_PLATFORM_KINDS  # noqa: PLC0415

    platforms = _ids(
        _of(Platform.objects, "host_id", ids).filter(
            status=Platform.Status.RECOGNISED,
            level__in=PROVINCIAL_OR_ABOVE,
            kind__in=RD_PLATFORM_KINDS,
            year__lte=year,
        ),
        "host_id",
    )
    covered = _ids(
        _of(RdCoverage.objects, "enterprise_id", ids).filter(
            has_institution=True, level__in=PROVINCIAL_OR_ABOVE, year__lte=year
        ),
        "enterprise_id",
    )
    return Sql("(") + platforms + ") UNION (" + covered + ")"


def _recorded(year: int, ids=None) -> Sql:
    return _compiled(
        SmeEvaluation.objects.filter(year=year)
        .order_by()
        .values("enterprise_id", "status", "score")
    )


def _inner(enterprises: QuerySet, year: int, *, window: int, ids=None) -> Sql:
    """One row per enterprise of ``enterprises`` with figures of ``year``: the columns the
    expressions read (``w<k>_rd`` / ``w<k>_sales``: R&D and sales ``k`` years before, for a
    ``window`` of years; ``w0_*`` are the year's own)."""
    e, t = Enterprise._meta.db_table, Township._meta.db_table
    select = (
        "SELECT e.id, e.name, e.credit_code, e.founded_on, e.township_id,"
        " COALESCE(t.name, '') AS township_name,"
        " COALESCE(ip.one, 0) AS one, COALESCE(ip.two, 0) AS two,"
        " cert.enterprise_id IS NOT NULL AS certified,"
        " (cert.enterprise_id IS NOT NULL OR inst.enterprise_id IS NOT NULL) AS grounds,"
        " fld.enterprise_id IS NOT NULL AS has_field,"
        " rec.status AS recorded_status, rec.score AS recorded_score,"
        " f.staff_total, f.tech_staff, f.sales_revenue, f.total_assets, f.total_costs,"
        " f.rd_expense, f.hitech_product_income, f.rd_expense AS w0_rd, f.sales_revenue AS w0_sales"
    )
    for offset in range(1, window):
        select += (
            f", w{offset}.rd_expense AS w{offset}_rd, w{offset}.sales_revenue AS w{offset}_sales"
        )
    sql = (
        Sql(select + " FROM (")
        + _compiled(figures_of(year, ids))
        + f") f JOIN {e} e ON e.id = f.enterprise_id LEFT JOIN {t} t ON t.id = e.township_id"
        + " LEFT JOIN ("
        + _ip_counts(year, ids)
        + ") ip ON ip.enterprise_id = e.id LEFT JOIN ("
        + _certified(year, ids)
        + ") cert ON cert.enterprise_id = e.id LEFT JOIN ("
        + _institutions(year, ids)
        + ") inst(enterprise_id) ON inst.enterprise_id = e.id LEFT JOIN ("
        + _fielded(year, ids)
        + ") fld ON fld.enterprise_id = e.id LEFT JOIN ("
        + _recorded(year, ids)
        + ") rec ON rec.enterprise_id = e.id"
    )
    for offset in range(1, window):
        sql += (
            Sql(" LEFT JOIN (")
            + _compiled(figures_of(year - offset, ids))
            + f") w{offset} ON w{offset}.enterprise_id = e.id"
        )
    return sql + " WHERE e.id IN (" + _compiled(enterprises.order_by().values("pk")) + ")"


def scored_sql(enterprises: QuerySet, year: int, *, hitech: bool = True, ids=None) -> Sql:
    """The enterprises of ``enterprises`` with figures of ``year``, each with the columns of
    ``_inner`` and the expressions of ``sme_sql`` (and with ``hitech``, of ``hitech_sql``)."""
    expressions = sme_sql(sme_rules_for(year))
    rules = hitech_rules_for(year)
    if hitech:
        expressions.update(hitech_sql(rules, year))
    select = Sql("SELECT s.*")
    for name, expression in expressions.items():
        select += Sql(", ") + expression + f" AS {name}"
    window = rules.years_window if hitech else 1
    return select + " FROM (" + _inner(enterprises, year, window=window, ids=ids) + ") s"
