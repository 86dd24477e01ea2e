"""培育库 pages: 后备科小, 后备高企, certificates due for re-certification, and one enterprise's
科小 and 高企 breakdown. Every list is scoped like the records (a liaison sees their township),
filterable by township and industry, and exports the rows it shows to Excel."""

from __future__ import annotations

import tempfile

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.db.models.functions import Collate
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import Workbook

from bureau import permissions
from bureau.models import Industry, Township
from cultivation import evaluations, selectors
from cultivation.expressions import PINYIN_COLLATION
from enterprises.models import Enterprise, HiTechApplication
from enterprises.selectors import hitech_certificates_due
from portal.listing import Heading, Pagination, query_url
from portal.lookup import use_lookup_widgets
from portal.pagination import CappedPaginator
from portal.spreadsheet import xlsx_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 25
EXPORT_CHUNK = 2000  # rows scored and written at a time by an export or a print


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
    field = forms.ModelChoiceField(
        townships.order_by("code"), required=False, empty_label=_("全部")
    )
    field.widget.attrs.update({"class": "form-select form-select-sm", "id": "f-township"})
    # A province's thousands of townships are searched as one types, not shipped as options.
    use_lookup_widgets({"township": field})
    return enterprises, {
        "township_field": field.widget.render("township", township or None),
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


def _sort(request, allowed) -> str:
    sort = request.GET.get("sort", "")
    return sort if sort.lstrip("-") in allowed else ""


def _headings(request, columns, sort: str) -> list[Heading]:
    """The table's headings: ``columns`` as (label, sort key or None)."""
    out = []
    for label, key in columns:
        if key is None:
            out.append(Heading(label, None))
            continue
        direction = {key: "asc", f"-{key}": "desc"}.get(sort, "")
        toggled = f"-{key}" if direction == "asc" else key
        out.append(Heading(label, query_url(request.GET, sort=toggled, page=None), direction))
    return out


def _paged(request, rows):
    """One page of ``rows`` (the count capped as every list caps it: portal/pagination.py)."""
    page = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return page, Pagination(page, request.GET)


def _assessed(evaluations, year: int) -> list:
    """Python's criterion-by-criterion assessment (the oracle) of ``evaluations``' enterprises,
    in their order: seven queries for a page or a chunk, whatever its length."""
    ids = [row.enterprise_id for row in evaluations]
    found = {
        a.enterprise.pk: a for a in selectors.assess(Enterprise.objects.filter(pk__in=ids), year)
    }
    return [found[pk] for pk in ids if pk in found]


def _chunks(rows, size: int = EXPORT_CHUNK):
    """``rows`` (a queryset) read ``size`` at a time from a server-side cursor."""
    chunk = []
    for row in rows.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _xlsx(filename: str, title: str, headers: list[str], rows) -> FileResponse:
    """Every row of ``rows`` (an iterable of lists) in a workbook written row by row (openpyxl's
    write-only mode) to a temporary file on disk beyond 8 MB, then sent: memory stays flat
    however many rows match."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    # Every cell through the portal's one neutralising writer: a name typed as "=HYPERLINK(…)"
    # stays text in the export.
    sheet.append(xlsx_row(sheet, headers))
    for row in rows:
        sheet.append(
            xlsx_row(
                sheet, [str(v) if v is not None and not isinstance(v, int) else v for v in row]
            )
        )
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def _printed(request, title: str, headers: list[str], rows) -> StreamingHttpResponse:
    """打印全部: every row of ``rows`` (an iterable of lists of text) as one printable page,
    streamed as it is read rather than built whole."""

    def parts():
        yield render_to_string(
            "cultivation/_print_head.html", {"title": title, "headers": headers}, request
        )
        for index, row in enumerate(rows, 1):
            cells = "".join(f"<td>{escape('' if v is None else v)}</td>" for v in row)
            yield f"<tr><td>{index}</td>{cells}</tr>\n"
        yield "</tbody></table></body></html>"

    return StreamingHttpResponse(parts(), content_type="text/html; charset=utf-8")


def _out(request) -> str:
    if request.GET.get("export") == "xlsx":
        return "xlsx"
    return "print" if request.GET.get("print") == "1" else ""


def sme_list(request):
    """后备科小."""
    enterprises, form = _filters(request, _scoped_enterprises(request))
    year = _year(request)
    margin = max(_int(request.GET.get("margin"), settings.CULTIVATION_SME_MARGIN), 0)
    differs = request.GET.get("differs") == "1"
    sort = _sort(request, evaluations.SORTS)
    rows = evaluations.sme_reserve(
        enterprises, year, margin=margin, differs=differs, sort=sort or "score"
    )
    if out := _out(request):
        headers = [
            _("企业名称"),
            _("统一社会信用代码"),
            _("乡镇（街道）"),
            _("产业"),
            _("测算得分"),
            _("登记得分"),
            _("测算结论"),
            _("差距"),
        ]
        lines = (
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
            for chunk in _chunks(rows)
            for a in _assessed(chunk, year)
        )
        title = _("后备科小%(year)s") % {"year": year}
        if out == "print":
            return _printed(request, title, headers, lines)
        return _xlsx(f"{title}.xlsx", title, headers, lines)
    page, pagination = _paged(request, rows)
    columns = [
        (_("企业名称"), "name"),
        (_("乡镇（街道）"), "township"),
        (_("产业"), None),
        (_("测算得分"), "score"),
        (_("登记得分"), None),
        (_("测算结论"), None),
        (_("差距"), "short"),
    ]
    return render(
        request,
        "cultivation/sme_list.html",
        {
            **form,
            "year": year,
            "years": _years(),
            "margin": margin,
            "differs": differs,
            "rows": _assessed(page.object_list, year),
            "page": page,
            "pagination": pagination,
            "headings": _headings(request, columns, sort),
        },
    )


def hitech_list(request):
    """后备高企."""
    enterprises, form = _filters(request, _scoped_enterprises(request))
    year = _year(request)
    sort = _sort(request, evaluations.HITECH_SORTS)
    rows = evaluations.hitech_reserve(enterprises, year, sort=sort or "score")
    if out := _out(request):
        headers = [
            _("企业名称"),
            _("统一社会信用代码"),
            _("乡镇（街道）"),
            _("产业"),
            _("技术领域"),
            _("可判定条件"),
            _("未满足或数据不全"),
        ]
        lines = (
            [
                a.enterprise.name,
                a.enterprise.credit_code,
                a.enterprise.township_name,
                a.enterprise.industry_name,
                a.tech_field or "",
                _("全部满足") if a.hitech.all_met else _("差1项"),
                "；".join(f"{c.label}：{c.status}（{c.figure}）" for c in a.hitech.short),
            ]
            for chunk in _chunks(rows)
            for a in _assessed(chunk, year)
        )
        title = _("后备高企%(year)s") % {"year": year}
        if out == "print":
            return _printed(request, title, headers, lines)
        return _xlsx(f"{title}.xlsx", title, headers, lines)
    page, pagination = _paged(request, rows)
    columns = [
        (_("企业名称"), "name"),
        (_("乡镇（街道）"), "township"),
        (_("产业"), None),
        (_("技术领域"), None),
        (_("可判定条件"), "score"),
        (_("未满足或数据不全"), None),
    ]
    return render(
        request,
        "cultivation/hitech_list.html",
        {
            **form,
            "year": year,
            "years": _years(),
            "rows": _assessed(page.object_list, year),
            "page": page,
            "pagination": pagination,
            "headings": _headings(request, columns, sort),
        },
    )


RENEWAL_SORTS = {
    "expires": ("expires_on", "enterprise_id"),
    "township": (Collate(F("enterprise__township__name"), PINYIN_COLLATION), "expires_on"),
    "name": (Collate(F("enterprise__name"), PINYIN_COLLATION), "expires_on"),
}


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
    sort = _sort(request, RENEWAL_SORTS)
    keys = RENEWAL_SORTS[sort.lstrip("-") or "expires"]
    if sort.startswith("-"):
        keys = [k.desc() if not isinstance(k, str) else f"-{k}" for k in keys]
    due = hitech_certificates_due(
        applications.select_related("enterprise__township", "enterprise__industry"),
        f"{'lapsed' if lapsed else 'expiring'}-{year}",
    ).order_by(*keys, "pk")
    if out := _out(request):
        headers = [
            _("企业名称"),
            _("统一社会信用代码"),
            _("乡镇（街道）"),
            _("产业"),
            _("证书编号"),
            _("发证日期"),
            _("有效期至"),
        ]
        lines = (
            [
                a.enterprise.name,
                a.enterprise.credit_code,
                a.enterprise.township,
                a.enterprise.industry or "",
                a.certificate_number,
                a.issued_on,
                a.expires_on,
            ]
            for a in due.iterator(chunk_size=EXPORT_CHUNK)
        )
        title = _("待重新认定%(year)s") % {"year": year}
        if out == "print":
            return _printed(request, title, headers, lines)
        return _xlsx(f"{title}.xlsx", title, headers, lines)
    page, pagination = _paged(request, due)
    columns = [
        (_("企业名称"), "name"),
        (_("乡镇（街道）"), "township"),
        (_("产业"), None),
        (_("证书编号"), None),
        (_("发证日期"), None),
        (_("有效期至"), "expires"),
    ]
    return render(
        request,
        "cultivation/renewal_list.html",
        {
            **form,
            "year": year,
            "years": _years(),
            "lapsed": lapsed,
            "rows": page.object_list,
            "page": page,
            "pagination": pagination,
            "headings": _headings(request, columns, sort),
        },
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
