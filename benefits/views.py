"""应兑未兑: enterprises the records make eligible under a policy's rule, with no award record
of that policy and year. Computed on each visit, scoped like the records (a liaison sees their
township's enterprises), filterable by year, policy and township, exported to Excel."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook

from benefits import selectors
from benefits.models import Policy
from bureau import permissions
from bureau.models import Township
from enterprises.models import Enterprise, HiTechApplication

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class OwedRow:
    enterprise: Enterprise
    policy: Policy
    year: int
    basis: Decimal | None
    amount: Decimal | None


def owed_rows(user, year: int, *, policy: int = 0, township: int = 0) -> list[dict]:
    """The 应兑未兑 rows ``user`` may see for ``year``, with the enterprise and policy read in
    one query each."""
    enterprises = permissions.scope_queryset(user, Enterprise.objects.all())
    if township:
        enterprises = enterprises.filter(township=township)
    found = selectors.owed([year], enterprises.values("pk"))
    if policy:
        found = [row for row in found if row.policy_id == policy]
    named = Enterprise.objects.select_related("township").in_bulk(
        {row.enterprise_id for row in found}
    )
    policies = Policy.objects.in_bulk({row.policy_id for row in found})
    rows = [
        OwedRow(named[row.enterprise_id], policies[row.policy_id], row.year, row.basis, row.amount)
        for row in found
    ]
    rows.sort(key=lambda r: (r.policy.name, r.enterprise.township.name, r.enterprise.name))
    return rows


def owed_list(request):
    user = request.user
    if not permissions.has_role(user):
        raise PermissionDenied
    this = timezone.localdate().year
    year = min(max(_int(request.GET.get("year"), this), 2000), this + 1)
    policy = _int(request.GET.get("policy"), 0)
    township = _int(request.GET.get("township"), 0)
    rows = owed_rows(user, year, policy=policy, township=township)
    if request.GET.get("export") == "xlsx":
        return _xlsx(year, rows)
    townships = permissions.scope_queryset(user, Township.objects.all()).order_by("code")
    return render(
        request,
        "benefits/owed_list.html",
        {
            "year": year,
            "years": list(range(this + 1, this - 5, -1)),
            "policy": policy,
            "policies": Policy.objects.exclude(condition="").order_by("-start_year", "name"),
            "township": township,
            "townships": list(townships),
            "rows": rows,
            "total": sum(r.amount or 0 for r in rows),
        },
    )


def _xlsx(year: int, rows: list[dict]) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            _("企业名称"),
            _("统一社会信用代码"),
            _("乡镇（街道）"),
            _("政策"),
            _("文号"),
            _("年度"),
            _("测算基数（万元）"),
            _("应兑金额（万元）"),
        ]
    )
    for row in rows:
        enterprise, policy = row.enterprise, row.policy
        sheet.append(
            [
                enterprise.name,
                enterprise.credit_code,
                enterprise.township.name,
                policy.name,
                policy.document_number,
                row.year,
                float(row.basis) if row.basis is not None else None,
                float(row.amount) if row.amount is not None else None,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = _("应兑未兑%(year)s.xlsx") % {"year": year}
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@dataclass(frozen=True)
class TaxRow:
    enterprise: Enterprise
    certificate: HiTechApplication


def hitech_tax_list(request):
    """享受高企税收优惠: the enterprises holding a certificate valid in the year, each with it."""
    user = request.user
    if not permissions.has_role(user):
        raise PermissionDenied
    this = timezone.localdate().year
    year = min(max(_int(request.GET.get("year"), this), 2000), this + 1)
    township = _int(request.GET.get("township"), 0)
    enterprises = permissions.scope_queryset(user, Enterprise.objects.all())
    if township:
        enterprises = enterprises.filter(township=township)
    held = selectors.hitech_tax_enterprises([year], enterprises.values("pk"))[year]
    certificates = (
        HiTechApplication.objects.filter(
            enterprise__in=held,
            status=HiTechApplication.Status.CERTIFIED,
            issued_on__year__lte=year,
        )
        .select_related("enterprise__township")
        .order_by("enterprise__township__name", "enterprise__name", "-issued_on")
    )
    rows, seen = [], set()
    for certificate in certificates:
        if certificate.enterprise_id not in seen:  # the latest certificate of each
            seen.add(certificate.enterprise_id)
            rows.append(TaxRow(certificate.enterprise, certificate))
    townships = permissions.scope_queryset(user, Township.objects.all()).order_by("code")
    return render(
        request,
        "benefits/hitech_tax_list.html",
        {
            "year": year,
            "years": list(range(this + 1, this - 5, -1)),
            "township": township,
            "townships": list(townships),
            "rows": rows,
        },
    )
