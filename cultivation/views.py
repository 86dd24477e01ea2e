"""培育库 pages: 后备科小, 后备高企, certificates due for re-certification, and one enterprise's
科小 and 高企 breakdown. Every list is scoped like the records (a liaison sees their township),
filterable by township and industry, and exports the rows it shows to Excel."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook

from bureau import permissions
from bureau.models import Industry, Township
from cultivation import selectors
from enterprises.models import Enterprise, HiTechApplication
from enterprises.selectors import hitech_certificates_due
from portal.spreadsheet import xlsx_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scoped_enterprises(request):
    if not permissions.has_role(request.user):
        raise PermissionDenied
    return permissions.scope_queryset(request.user, Enterprise.objects.all())


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _filters(request, enterprises, *, prefix: str = ""):
    """The township and industry filters applied to ``enterprises`` (a path ``prefix`` for
    another model's enterprise), and what the form shows."""
    township = _int(request.GET.get("township"), 0)
    industry = _int(request.GET.get("industry"), 0)
    if township:
        enterprises = enterprises.filter(**{f"{prefix}township": township})
    if industry:
        enterprises = enterprises.filter(**{f"{prefix}industry": industry})
    townships = permissions.scope_queryset(request.user, Township.objects.all())
    return enterprises, {
        "townships": list(townships.order_by("code")),
        "industries": list(Industry.objects.order_by("name")),
        "township": township,
        "industry": industry,
    }


def _year(request) -> int:
    default = selectors.latest_year()
    year = _int(request.GET.get("year"), default)
    return min(max(year, 2000), timezone.localdate().year + 1)


def _years():
    this = timezone.localdate().year
    return list(range(this + 1, this - 5, -1))


def _xlsx(filename: str, headers: list[str], rows: list[list]) -> HttpResponse:
    # Every cell through the portal's one neutralising writer: a name typed as "=HYPERLINK(…)"
    # stays text in the export.
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(
            xlsx_row(
                sheet, [str(v) if v is not None and not isinstance(v, int) else v for v in row]
            )
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _export(request) -> bool:
    return request.GET.get("export") == "xlsx"


def sme_list(request):
    """后备科小."""
    enterprises, form = _filters(request, _scoped_enterprises(request))
    year = _year(request)
    margin = max(_int(request.GET.get("margin"), settings.CULTIVATION_SME_MARGIN), 0)
    differs = request.GET.get("differs") == "1"
    rows = selectors.sme_candidates(selectors.assess(enterprises, year), margin)
    if differs:
        rows = [a for a in rows if a.score_differs]
    if _export(request):
        return _xlsx(
            _("后备科小%(year)s.xlsx") % {"year": year},
            [
                _("企业名称"),
                _("统一社会信用代码"),
                _("乡镇（街道）"),
                _("产业"),
                _("测算得分"),
                _("登记得分"),
                _("测算结论"),
                _("差距"),
            ],
            [
                [
                    a.enterprise.name,
                    a.enterprise.credit_code,
                    a.enterprise.township_name,
                    a.enterprise.industry_name,
                    a.sme.total,
                    a.recorded.score if a.recorded else None,
                    a.sme.verdict,
                    "；".join(a.sme_short),
                ]
                for a in rows
            ],
        )
    return render(
        request,
        "cultivation/sme_list.html",
        {
            **form,
            "year": year,
            "years": _years(),
            "margin": margin,
            "differs": differs,
            "rows": rows,
        },
    )


def hitech_list(request):
    """后备高企."""
    enterprises, form = _filters(request, _scoped_enterprises(request))
    year = _year(request)
    rows = selectors.hitech_candidates(selectors.assess(enterprises, year))
    if _export(request):
        return _xlsx(
            _("后备高企%(year)s.xlsx") % {"year": year},
            [
                _("企业名称"),
                _("统一社会信用代码"),
                _("乡镇（街道）"),
                _("产业"),
                _("技术领域"),
                _("可判定条件"),
                _("未满足或数据不全"),
            ],
            [
                [
                    a.enterprise.name,
                    a.enterprise.credit_code,
                    a.enterprise.township_name,
                    a.enterprise.industry_name,
                    a.tech_field or "",
                    _("全部满足") if a.hitech.all_met else _("差1项"),
                    "；".join(f"{c.label}：{c.status}（{c.figure}）" for c in a.hitech.short),
                ]
                for a in rows
            ],
        )
    return render(
        request,
        "cultivation/hitech_list.html",
        {**form, "year": year, "years": _years(), "rows": rows},
    )


def renewal_list(request):
    """待重新认定: certificates expiring this year or next that no later application followed;
    with ``lapsed=1``, those that expired before the year."""
    if not permissions.has_role(request.user):
        raise PermissionDenied
    this = timezone.localdate().year
    year = min(max(_int(request.GET.get("year"), this), 2000), this + 1)
    lapsed = request.GET.get("lapsed") == "1"
    applications = permissions.scope_queryset(request.user, HiTechApplication.objects.all())
    applications, form = _filters(request, applications, prefix="enterprise__")
    due = hitech_certificates_due(
        applications.select_related("enterprise__township", "enterprise__industry"),
        f"{'lapsed' if lapsed else 'expiring'}-{year}",
    ).order_by("expires_on", "enterprise_id")
    rows = list(due)
    if _export(request):
        return _xlsx(
            _("待重新认定%(year)s.xlsx") % {"year": year},
            [
                _("企业名称"),
                _("统一社会信用代码"),
                _("乡镇（街道）"),
                _("产业"),
                _("证书编号"),
                _("发证日期"),
                _("有效期至"),
            ],
            [
                [
                    a.enterprise.name,
                    a.enterprise.credit_code,
                    a.enterprise.township,
                    a.enterprise.industry or "",
                    a.certificate_number,
                    a.issued_on,
                    a.expires_on,
                ]
                for a in rows
            ],
        )
    return render(
        request,
        "cultivation/renewal_list.html",
        {**form, "year": year, "years": _years(), "lapsed": lapsed, "rows": rows},
    )


def enterprise(request, pk: int):
    """One enterprise's 科小 evaluation and 高企 screening, criterion by criterion."""
    scoped = _scoped_enterprises(request)
    firm = get_object_or_404(scoped, pk=pk)
    year = _year(request)
    found = selectors.assess(scoped.filter(pk=firm.pk), year)
    if not found:
        raise Http404
    return render(
        request,
        "cultivation/enterprise.html",
        {"a": found[0], "year": year, "years": _years(), "enterprise": firm},
    )
