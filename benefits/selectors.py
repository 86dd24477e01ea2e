"""Reads of the policy benefits: who is eligible under each policy's rule (computed from the
records, never stored), 应兑未兑, awards whose condition no longer holds, and the enterprises
that enjoy the 高企 tax rate.

Fixed queries whatever the data: one per kind of condition over all the policies and years
asked for, one for the awards. ``enterprises`` (a queryset, e.g. a liaison's scope) narrows
every read to those enterprises.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q, QuerySet

from benefits.models import Award, Policy, Voucher
from enterprises.models import (
    HITECH_VALIDITY_YEARS,
    EnterpriseYearlyFigure,
    HiTechApplication,
    SmeEvaluation,
)

HT = HiTechApplication.Status
C = Policy.Condition
# Vouchers still unused this many days before they expire are listed as about to expire.
VOUCHER_EXPIRY_DAYS = 90


@dataclass(frozen=True)
class Entitlement:
    """An enterprise eligible under a policy for a year, with the amount the rule gives."""

    enterprise_id: int
    policy_id: int
    year: int
    basis: Decimal | None
    amount: Decimal | None


def _within(queryset, enterprises, path: str = "enterprise"):
    return queryset if enterprises is None else queryset.filter(**{f"{path}__in": enterprises})


def _hitech(years, enterprises) -> dict[str, dict[int, set[int]]]:
    """Enterprises certified in each year, split into first certifications and re-certifications:
    first when the application says 首次申报 and no earlier certification is on record (a
    revoked one counts as earlier: it was a certification)."""
    rows = _within(
        HiTechApplication.objects.filter(
            year__lte=max(years), status__in=[HT.CERTIFIED, HT.REVOKED]
        ),
        enterprises,
    ).values_list("enterprise_id", "year", "kind", "status")
    earliest: dict[int, int] = {}
    for enterprise, year, _kind, _status in rows:
        earliest[enterprise] = min(year, earliest.get(enterprise, year))
    first: dict[int, set[int]] = defaultdict(set)
    renewal: dict[int, set[int]] = defaultdict(set)
    for enterprise, year, kind, status in rows:
        if status != HT.CERTIFIED or year not in years:
            continue
        is_first = kind == HiTechApplication.Kind.FIRST and earliest[enterprise] == year
        (first if is_first else renewal)[year].add(enterprise)
    return {C.HITECH_FIRST: first, C.HITECH_RENEWAL: renewal}


def _sme(years, enterprises) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    rows = _within(
        SmeEvaluation.objects.filter(year__in=years, status=SmeEvaluation.Status.REGISTERED),
        enterprises,
    ).values_list("enterprise_id", "year")
    for enterprise, year in rows:
        out[year].add(enterprise)
    return out


def _rd(years, enterprises, *, growth_only: bool) -> dict[int, dict[int, tuple]]:
    """{year: {enterprise: (R&D expense, increase over the year before)}}: one query joining
    each year's figure to the year before's (a hash join; a correlated subquery per row took
    most of a second at city scale)."""
    table = EnterpriseYearlyFigure._meta.db_table
    join = "JOIN" if growth_only else "LEFT JOIN"
    where = ["cur.year = ANY(%s)", "cur.rd_expense IS NOT NULL"]
    params: list = [list(years)]
    if growth_only:
        where.append("cur.rd_expense > prev.rd_expense")
    if enterprises is not None:
        if isinstance(enterprises, QuerySet):
            sql, inner = enterprises.values("pk").query.sql_with_params()
            where.append(f"cur.enterprise_id IN ({sql})")
            params += list(inner)
        else:
            where.append("cur.enterprise_id = ANY(%s)")
            params.append([int(pk) for pk in enterprises])
    query = (
        f"SELECT cur.enterprise_id, cur.year, cur.rd_expense, prev.rd_expense "
        f"FROM {table} cur {join} {table} prev "
        f"ON prev.enterprise_id = cur.enterprise_id AND prev.year = cur.year - 1 "
        f"WHERE {' AND '.join(where)}"
    )
    out: dict[int, dict[int, tuple]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for enterprise, year, expense, previous in cursor.fetchall():
            increase = expense - previous if previous is not None else None
            out[year][enterprise] = (expense, increase)
    return out


def entitlements(
    years, enterprises=None, policies=None
) -> dict[tuple[int, int], dict[int, Entitlement]]:
    """{(policy pk, year): {enterprise pk: Entitlement}} for every policy with a condition that
    applies in one of ``years``."""
    years = sorted(set(int(y) for y in years))
    if not years:
        return {}
    if policies is None:
        policies = Policy.objects.exclude(condition="").filter(
            Q(start_year__lte=max(years)), Q(end_year__isnull=True) | Q(end_year__gte=min(years))
        )
    policies = [p for p in policies if p.condition]
    # Each kind of record is read whether or not a policy needs it: the same queries whatever
    # the data (three, plus the policies' own when not given).
    hitech = _hitech(years, enterprises)
    sme = _sme(years, enterprises)
    # Only the R&D that grew matters unless a rule shares out the expense itself: the rows of
    # the rest (about half the enterprises) are left in the database.
    needs_expense = any(p.share_basis == Policy.Basis.RD_EXPENSE for p in policies)
    rd = _rd(years, enterprises, growth_only=not needs_expense)
    out: dict[tuple[int, int], dict[int, Entitlement]] = {}
    for policy in policies:
        for year in years:
            if not policy.applies_in(year):
                continue
            if policy.condition in hitech:
                eligible = hitech[policy.condition].get(year, set())
            elif policy.condition == C.SME_REGISTERED:
                eligible = sme.get(year, set())
            else:  # R&D growth: the expense rose over the year before
                eligible = {
                    e for e, (_x, inc) in rd.get(year, {}).items() if inc is not None and inc > 0
                }
            figures = rd.get(year, {})
            mine = {}
            for enterprise in eligible:
                expense, increase = figures.get(enterprise, (None, None))
                basis = increase if policy.share_basis == Policy.Basis.RD_INCREASE else expense
                if policy.condition == C.RD_GROWTH and policy.share_basis == "":
                    basis = increase
                if not policy.meets_threshold(basis):
                    continue
                amount = policy.amount_for(basis)
                mine[enterprise] = Entitlement(enterprise, policy.pk, year, basis, amount)
            out[(policy.pk, year)] = mine
    return out


def _awarded(years, enterprises) -> set[tuple[int, int, int]]:
    rows = _within(Award.objects.filter(year__in=years), enterprises).values_list(
        "enterprise_id", "policy_id", "year"
    )
    return set(rows.order_by())


def owed(years, enterprises=None, eligible=None) -> list[Entitlement]:
    """应兑未兑: eligible under a policy's rule with no award record of that policy and year
    (an award 不予支持 was decided, so it is not owed). ``eligible``: ``entitlements`` of the
    same years and enterprises, when the caller has them already."""
    years = sorted(set(int(y) for y in years))
    awarded = _awarded(years, enterprises)
    if eligible is None:
        eligible = entitlements(years, enterprises)
    return [
        ent
        for (_policy, _year), rows in sorted(eligible.items())
        for ent in rows.values()
        if (ent.enterprise_id, ent.policy_id, ent.year) not in awarded
    ]


def ineligible_awards(awards, years=None, enterprises=None, eligible=None) -> list[int]:
    """Primary keys of ``awards`` whose policy has a condition the records no longer meet for
    that enterprise and year (a certification revoked, a registration withdrawn). Awards 不予支持
    are not flagged: nobody is paying them. With ``years`` (and ``enterprises``) given, the
    queries are the same whatever the awards."""
    rows = list(
        awards.exclude(policy__condition="")
        .exclude(status=Award.Status.REJECTED)
        .values_list("pk", "enterprise_id", "policy_id", "year")
        .order_by()
    )
    if years is None:
        if not rows:
            return []
        years = {year for _pk, _e, _p, year in rows}
        enterprises = list({e for _pk, e, _p, _y in rows})
    if eligible is None:
        eligible = entitlements(years, enterprises=enterprises)
    return [
        pk
        for pk, enterprise, policy, year in rows
        if enterprise not in eligible.get((policy, year), {})
    ]


def awards_ineligible(queryset, value: str):
    """The award list's named selection: ``ineligible`` keeps the awards flagged 不符合条件."""
    if value != "ineligible":
        return queryset.none()
    return queryset.filter(pk__in=ineligible_awards(queryset))


def hitech_tax_enterprises(years, enterprises=None) -> dict[int, set[int]]:
    """享受高企税收优惠: per year, the enterprises holding a certificate valid in that year (issued
    in it or in the two years before, not revoked)."""
    years = sorted(set(int(y) for y in years))
    rows = _within(
        HiTechApplication.objects.filter(
            status=HT.CERTIFIED,
            issued_on__year__gte=years[0] - HITECH_VALIDITY_YEARS + 1,
            issued_on__year__lte=years[-1],
        ),
        enterprises,
    ).values_list("enterprise_id", "issued_on")
    out: dict[int, set[int]] = {year: set() for year in years}
    for enterprise, issued_on in rows.order_by():
        for year in years:
            if issued_on.year <= year < issued_on.year + HITECH_VALIDITY_YEARS:
                out[year].add(enterprise)
    return out


def vouchers_expiring(day: datetime.date, days: int = VOUCHER_EXPIRY_DAYS):
    """Vouchers still unused (已发放) that expire within ``days`` after ``day``."""
    return Voucher.objects.filter(
        status=Voucher.Status.ISSUED,
        expires_on__gte=day,
        expires_on__lte=day + datetime.timedelta(days=days),
    )


def vouchers_expiring_query(queryset, value: str):
    """The voucher list's named selection: ``soon`` keeps those about to expire from today."""
    if value != "soon":
        return queryset.none()
    return queryset.filter(pk__in=vouchers_expiring(datetime.date.today()).values("pk"))
