"""Pages of the annual work report: the list, the paragraph editor, versions, the linked HTML
preview and the export jobs. Writes go through ``services``; reads through ``selectors``, which
answer 404 to township liaisons and accounts without a role."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports import closing
from reports.annual import selectors, services
from reports.annual.drafting import format_value
from reports.annual.forms import (
    ApprovalForm,
    ExportForm,
    ParagraphForm,
    ParagraphInsertForm,
    ReopenForm,
    ReportCreateForm,
    ReturnForm,
)
from reports.annual.outline import SECTION_LABELS, SLOTS
from reports.annual.rendering import (
    CONTENT_TYPES,
    draft_mark,
    paragraph_blocks,
    placeholders,
    segments_html,
    signature,
)
from reports.models import ExportJob, ReportParagraph
from reports.selectors import drift_text


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back_to_editor(request, report, anchor: str = ""):
    """Back to the editor, reloaded: the query string changes on every save, since a browser
    that is only asked to change the #fragment would keep showing the old page."""
    url = f"{report.get_absolute_url()}?v={report.versions.count()}{anchor}"
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


def _permissions(user) -> dict:
    return {
        "can_edit": selectors.can_edit_reports(user),
        "can_approve": selectors.can_approve_reports(user),
    }


# --- List and create --------------------------------------------------------------------------


def annual_list(request):
    reports = list(selectors.annual_report_list_for_user(request.user))
    for report in reports:
        report.latest_state = selectors.ReviewState(None, report.latest_action)
    return render(
        request,
        "reports/annual/report_list.html",
        {"reports": reports, "form": ReportCreateForm(), **_permissions(request.user)},
    )


@require_POST
def annual_create(request):
    selectors.annual_report_list_for_user(request.user)  # 404 for those who may not see it
    form = ReportCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择有效的年度。"))
        return redirect("reports:annual-list")
    year = form.cleaned_data["year"]
    existing = selectors.annual_report_list_for_user(request.user).filter(year=year).first()
    if existing is not None:
        messages.info(request, _("%(year)s年度工作报告已存在。") % {"year": year})
        return redirect(existing.get_absolute_url())
    try:
        report = services.report_create(year=year, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("reports:annual-list")
    messages.success(request, _("已根据业务数据生成%(year)s年度工作报告初稿。") % {"year": year})
    return redirect(report.get_absolute_url())


# --- The editor -------------------------------------------------------------------------------


def _editor_context(request, report, version, *, editable: bool) -> dict:
    paragraphs = selectors.version_paragraphs(version)
    blocks = paragraph_blocks(paragraphs, links=True)
    sections = []
    for block in blocks:
        section = block["paragraph"].section
        if not sections or sections[-1]["key"] != section:
            sections.append(
                {"key": section, "label": SECTION_LABELS.get(section, ""), "blocks": []}
            )
        sections[-1]["blocks"].append(block)
    missing = sum(1 for p in paragraphs if p.has_missing)
    approved = selectors.report_approved_version(report)
    # shown above the approval and export buttons: what a leader would approve unfinished
    latest = selectors.report_latest_version(report)
    jobs = list(selectors.export_jobs_for_report(report)[:20])
    return {
        "report": report,
        "version": version,
        "latest": latest,
        "approved": approved,
        "sections": sections,
        "missing_count": missing,
        "placeholders": placeholders(paragraphs) if missing else [],
        "editable": editable,
        "slots": SLOTS,
        "targets": selectors.next_year_targets(report.year).values(),
        "next_year": report.year + 1,
        "jobs": jobs,
        "polling": any(job.is_active for job in jobs),
        "pinned_version": version.number != latest.number,
        "state": selectors.report_review_state(report, version),
        "latest_state": selectors.report_review_state(report, latest),
        "open_return": selectors.report_open_return(report),
        "reviews": list(selectors.report_reviews(report)[:20]),
        "closing": closing.closing_in_force(report.year),
        **_permissions(request.user),
    }


def annual_detail(request, year: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    services.export_jobs_fail_stale()
    version = selectors.report_latest_version(report)
    if version is None:
        raise Http404
    return render(
        request,
        "reports/annual/report_detail.html",
        _editor_context(
            request, report, version, editable=_editable(request.user, report, version)
        ),
    )


def _editable(user, report, version) -> bool:
    """Staff may edit the latest version while it is 草稿 or 退回 (never 待审定 or 已审定)."""
    return (
        selectors.can_edit_reports(user)
        and not version.is_approved
        and selectors.report_review_state(report, version).editable
    )


def annual_version(request, year: int, number: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    version = selectors.report_version_get(report, number)
    return render(
        request,
        "reports/annual/report_detail.html",
        _editor_context(request, report, version, editable=False),
    )


def annual_versions(request, year: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    return render(
        request,
        "reports/annual/version_list.html",
        {
            "report": report,
            "versions": selectors.report_versions(report),
            "approved": selectors.report_approved_version(report),
            **_permissions(request.user),
        },
    )


def annual_preview(request, year: int):
    """The document as it will print, each figure linking to the records behind it."""
    report = selectors.annual_report_get_for_user(request.user, year)
    number = request.GET.get("v", "")
    if number.isdigit():
        version = selectors.report_version_get(report, int(number))
    else:
        version = selectors.report_latest_version(report)
        if version is None:
            raise Http404
    paragraphs = selectors.version_paragraphs(version)
    return render(
        request,
        "reports/annual/preview.html",
        {
            "report": report,
            "version": version,
            "blocks": paragraph_blocks(paragraphs, links=True),
            "missing_count": sum(1 for p in paragraphs if p.has_missing),
            "signature": signature(version),
            "draft_mark": draft_mark(version),
        },
    )


def _paragraph(version, key: str) -> ReportParagraph:
    paragraph = version.paragraphs.filter(key=key).first()
    if paragraph is None:
        raise Http404(_("没有找到该段落。"))
    return paragraph


def _paragraph_response(request, report, version, paragraph, *, oob: bool = False):
    return render(
        request,
        "reports/annual/_paragraph.html",
        {
            "report": report,
            "version": version,
            "latest": version,
            "block": {
                "paragraph": paragraph,
                "kind": paragraph.kind,
                "key": paragraph.key,
                "html": segments_html(paragraph.content, links=True),
            },
            "editable": _editable(request.user, report, version),
            "slots": SLOTS,
            "oob": oob,
            "state": selectors.report_review_state(report, version),
            **_permissions(request.user),
            "missing_count": sum(1 for p in version.paragraphs.all() if p.has_missing),
        },
    )


def _target_sentence(year: int, target) -> str:
    return _("%(year)s年%(label)s目标为%(value)s%(unit)s。") % {
        "year": year,
        "label": target.label,
        "value": format_value(target.value),
        "unit": target.unit,
    }


def annual_paragraph(request, year: int, key: str):
    """GET: the paragraph's edit form (htmx) or the paragraph itself (``?show=1``).
    POST: save the edit as a new version."""
    report = selectors.annual_report_get_for_user(request.user, year)
    latest = selectors.report_latest_version(report)
    paragraph = _paragraph(latest, key)
    if request.method == "GET" and request.GET.get("show"):
        return _paragraph_response(request, report, latest, paragraph)
    if not selectors.can_edit_reports(request.user):
        return HttpResponse(_("您没有编辑年度工作报告的权限。"), status=403)
    targets = (
        list(selectors.next_year_targets(year).values()) if paragraph.section == "plans" else []
    )
    error = None
    if request.method == "POST":
        form = ParagraphForm(request.POST)
        insert = request.POST.get("insert_target")
        if insert and form.is_valid():
            # Offer next year's target: append its sentence to the text being edited.
            chosen = next((t for t in targets if t.key == insert), None)
            text = form.cleaned_data["text"]
            if chosen is not None:
                text += _target_sentence(report.year + 1, chosen)
            form = ParagraphForm(initial={"base": form.cleaned_data["base"], "text": text})
        elif form.is_valid():
            try:
                version = services.report_paragraph_update(
                    report=report,
                    user=request.user,
                    base=form.cleaned_data["base"],
                    key=key,
                    text=form.cleaned_data["text"],
                )
            except ValidationError as exc:
                error = _error_text(exc)
            else:
                if not _is_htmx(request):
                    messages.success(request, _("已保存为 v%(n)s。") % {"n": version.number})
                    return redirect(f"{report.get_absolute_url()}#p-{key}")
                return _paragraph_response(
                    request, report, version, _paragraph(version, key), oob=True
                )
    else:
        form = ParagraphForm(initial={"base": latest.number, "text": paragraph.text})
    template = (
        "reports/annual/_paragraph_form.html"
        if _is_htmx(request)
        else "reports/annual/paragraph_form.html"
    )
    return render(
        request,
        template,
        {
            "report": report,
            "version": latest,
            "paragraph": paragraph,
            "form": form,
            "error": error,
            "targets": targets,
            "next_year": report.year + 1,
        },
    )


def annual_paragraph_insert(request, year: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    if not selectors.can_edit_reports(request.user):
        return HttpResponse(_("您没有编辑年度工作报告的权限。"), status=403)
    latest = selectors.report_latest_version(report)
    error = None
    if request.method == "POST":
        form = ParagraphInsertForm(request.POST)
        if form.is_valid():
            try:
                version = services.report_paragraph_insert(
                    report=report,
                    user=request.user,
                    base=form.cleaned_data["base"],
                    after=form.cleaned_data["after"],
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                )
            except ValidationError as exc:
                error = _error_text(exc)
            else:
                messages.success(request, _("已添加段落，保存为 v%(n)s。") % {"n": version.number})
                return _back_to_editor(request, report, f"#p-{form.cleaned_data['after']}")
        after = request.POST.get("after", "")
    else:
        after = request.GET.get("after", "")
        _paragraph(latest, after)
        form = ParagraphInsertForm(initial={"base": latest.number, "after": after})
    template = (
        "reports/annual/_paragraph_insert_form.html"
        if _is_htmx(request)
        else "reports/annual/paragraph_form.html"
    )
    return render(
        request,
        template,
        {
            "report": report,
            "version": latest,
            "form": form,
            "error": error,
            "after": after,
            "inserting": True,
        },
    )


def _simple_change(request, year: int, action, success: str, anchor: str = ""):
    # Reset, delete and refresh act on the latest version whatever the page showed: after an
    # in-place edit the page's version number is stale, and none of them loses anyone's text.
    report = selectors.annual_report_get_for_user(request.user, year)
    try:
        version = action(report=report, base=None)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success % {"n": version.number})
    return _back_to_editor(request, report, anchor)


@require_POST
def annual_paragraph_reset(request, year: int, key: str):
    return _simple_change(
        request,
        year,
        lambda **kw: services.report_paragraph_reset(user=request.user, key=key, **kw),
        _("已恢复该段落的初稿，保存为 v%(n)s。"),
        f"#p-{key}",
    )


@require_POST
def annual_paragraph_delete(request, year: int, key: str):
    return _simple_change(
        request,
        year,
        lambda **kw: services.report_paragraph_delete(user=request.user, key=key, **kw),
        _("已删除该段落，保存为 v%(n)s。"),
    )


@require_POST
def annual_refresh(request, year: int):
    return _simple_change(
        request,
        year,
        lambda **kw: services.report_refresh_figures(user=request.user, **kw),
        _("已根据最新业务数据刷新，手工修改的段落保持不变，保存为 v%(n)s。"),
    )


@require_POST
def annual_submit(request, year: int):
    """Staff submit the latest version for 审定."""
    report = selectors.annual_report_get_for_user(request.user, year)
    try:
        review = services.report_submit(
            report=report,
            user=request.user,
            base=_int_or_none(request.POST.get("base")),
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("v%(n)s 已提交审定，局领导将在待办中看到。") % {"n": review.version.number}
        )
    return redirect(report.get_absolute_url())


@require_POST
def annual_withdraw(request, year: int):
    """Staff take the submitted version back to edit it (待审定 → 草稿)."""
    report = selectors.annual_report_get_for_user(request.user, year)
    try:
        review = services.report_withdraw(
            report=report,
            user=request.user,
            base=_int_or_none(request.POST.get("base")),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("v%(n)s 已撤回，可以继续修改；已通知局领导。") % {"n": review.version.number},
        )
    return redirect(report.get_absolute_url())


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def annual_approve(request, year: int, number: int):
    """The leader's approval page: the version's state, what is still to fill in, and the two
    decisions: 审定 (with an opinion, after a confirmation) or 退回修改 (with comments)."""
    report = selectors.annual_report_get_for_user(request.user, year)
    version = selectors.report_version_get(report, number)
    if not selectors.can_approve_reports(request.user):
        raise PermissionDenied(_("只有局领导可以审定年度工作报告。"))
    form = ApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_version_approve(
                version=version, user=request.user, opinion=form.cleaned_data["opinion"]
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, _("v%(n)s 已审定，%(year)s年度数据已封账。") % {"n": number, "year": year}
            )
            return redirect(version.get_absolute_url())
    paragraphs = selectors.version_paragraphs(version)
    latest = selectors.report_latest_version(report)
    state = selectors.report_review_state(report, version)
    return render(
        request,
        "reports/annual/approve.html",
        {
            "report": report,
            "version": version,
            "form": form,
            "return_form": ReturnForm(),
            "state": state,
            "latest": latest,
            # Only the submitted version, while it is 待审定, is offered the two decisions.
            "decidable": state.awaiting_approval and version.number == latest.number,
            "reviews": selectors.report_reviews(report),
            "placeholders": placeholders(paragraphs),
            "link_version": version.number,
        },
    )


@require_POST
def annual_return(request, year: int, number: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    version = selectors.report_version_get(report, number)
    form = ReturnForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写退回意见，说明需要修改的内容。"))
        services.report_version_return(
            version=version, user=request.user, comment=form.cleaned_data["comment"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("reports:annual-approve", year, number)
    messages.success(request, _("v%(n)s 已退回修改，已通知提交人。") % {"n": number})
    return redirect(report.get_absolute_url())


@require_POST
def annual_restore(request, year: int, number: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    version = selectors.report_version_get(report, number)
    try:
        new = services.report_version_restore(version=version, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("已基于 v%(old)s 新建 v%(new)s。") % {"old": number, "new": new.number}
        )
    return redirect(report.get_absolute_url())


# --- 年度封账 ---------------------------------------------------------------------------------


def annual_closing(request, year: int):
    """The year's closing: when and on which approved version it was closed, the figures the
    records no longer match (现值 X（封账值 Y）), the 封账后变更 list, the closing history, and
    for administrators the form that reopens the year."""
    if not selectors.can_view_reports(request.user):
        raise PermissionDenied(_("年度封账只对科室工作人员、局领导和系统管理员开放。"))
    current = closing.closing_in_force(year)
    changes, more, drifted = [], False, []
    if current is not None:
        changes, more = closing.changes_after_closing(current)
        drifted = closing.drifted_figures(current)
        for item in drifted:
            item["text"] = drift_text(item["now"], item["then"], item["unit"])
    form = ReopenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                closing.year_reopen(
                    year=year, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(
                    request,
                    _("%(year)s年度已重新开放，数据按业务记录实时计算，下次审定时重新封账。")
                    % {"year": year},
                )
                return redirect("reports:annual-closing", year)
    return render(
        request,
        "reports/annual/closing.html",
        {
            "year": year,
            "closing": current,
            "closed": closing.ClosedYear(current) if current else None,
            "history": closing.closing_history(year),
            "changes": changes,
            "more": more,
            "shown": closing.CHANGES_SHOWN,
            "drifted": drifted,
            "form": form,
            "can_reopen": getattr(request.user, "is_admin", False),
        },
    )


# --- Exports ----------------------------------------------------------------------------------


def _exports_response(request, report, *, status: int = 200):
    services.export_jobs_fail_stale()
    jobs = list(selectors.export_jobs_for_report(report)[:20])
    return render(
        request,
        "reports/annual/_exports.html",
        {"report": report, "jobs": jobs, "polling": any(job.is_active for job in jobs)},
        status=status,
    )


def annual_exports(request, year: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    return _exports_response(request, report)


@require_POST
def annual_export(request, year: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    form = ExportForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("导出参数无效。"), status=400)
    number = form.cleaned_data["version"]
    version = (
        selectors.report_version_get(report, number)
        if number
        else selectors.report_latest_version(report)
    )
    fmt = form.cleaned_data["format"]
    found = (
        [] if form.cleaned_data["confirm"] else placeholders(selectors.version_paragraphs(version))
    )
    if found:
        # Nothing is queued until staff have seen what is still missing and confirmed.
        return render(
            request,
            "reports/annual/_export_confirm.html"
            if _is_htmx(request)
            else "reports/annual/export_confirm.html",
            {"report": report, "version": version, "format": fmt, "placeholders": found},
        )
    job = services.export_job_create(version=version, fmt=fmt, user=request.user)
    if _is_htmx(request):
        return _exports_response(request, report)
    job.refresh_from_db()  # queued on commit: a refusing broker has failed the job by now
    if job.status == ExportJob.Status.FAILED:
        messages.error(request, job.error)
    else:
        messages.info(request, _("已提交导出任务。"))
    return redirect(f"{report.get_absolute_url()}#report-exports")


@require_POST
def annual_export_retry(request, year: int, job_id: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    job = selectors.export_job_get_for_user(request.user, report, job_id)
    try:
        services.export_job_retry(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    if _is_htmx(request):
        return _exports_response(request, report)
    return redirect(f"{report.get_absolute_url()}#report-exports")


def annual_export_download(request, year: int, job_id: int):
    report = selectors.annual_report_get_for_user(request.user, year)
    job = selectors.export_job_get_for_user(request.user, report, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404(_("该导出任务还没有生成文件。"))
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在，请重新导出。")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES.get(job.format, "application/octet-stream"),
    )
