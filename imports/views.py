"""Pages of the imports app: upload and preview, the job with its progress bar, confirm, the
error report, import templates and exports of any list with its current filters."""

import datetime
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from bureau import permissions
from imports import services
from imports.engine import export as exporting
from imports.engine.reader import limits
from imports.engine.registry import entity_or_404
from imports.forms import ImportConfirmForm, ImportUploadForm
from imports.models import ImportJob
from imports.selectors import job_get_for_user, job_list_for_user
from portal.listing import Pagination

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the size limit, so a 50 MB file is refused
    after 20 MB rather than spooled to disk whole."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > limits()["bytes"]:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _check_can_import(user, entity):
    if not permissions.can_change_model(user, entity.model, admin_only=entity.admin_only):
        raise PermissionDenied(_("您没有导入此类记录的权限。"))


def _check_can_view(user, entity):
    if not permissions.can_view_model(user, entity.model):
        raise PermissionDenied(_("您没有查看此类记录的权限。"))


def _list_url(entity):
    return f"{entity.model.url_namespace}:{entity.name}-list"


@csrf_exempt
def upload(request, entity):
    """The upload page. The size guard must be in place before anything reads ``POST``, hence
    CSRF is checked inside, after it."""
    request.upload_too_large = False
    request.upload_handlers.insert(0, LimitedUploadHandler(request))
    return _upload(request, entity)


@csrf_protect
def _upload(request, entity):
    entity = entity_or_404(entity)
    _check_can_import(request.user, entity)
    form = (
        ImportUploadForm(request.POST, request.FILES)
        if request.method == "POST"
        else ImportUploadForm()
    )
    if request.method == "POST":
        too_large = request.upload_too_large or int(request.META.get("CONTENT_LENGTH") or 0) > (
            limits()["bytes"] + 1024 * 1024
        )
        if too_large:
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error(
                "file",
                _("文件过大，导入上限为 %(mb)d MB，请拆分后分批导入。")
                % {"mb": limits()["bytes"] // (1024 * 1024)},
            )
        elif form.is_valid():
            upload_file = form.cleaned_data["file"]
            job = services.import_job_create(
                user=request.user,
                entity=entity.name,
                upload=upload_file,
                file_name=upload_file.name,
                skip_invalid=form.cleaned_data["skip_invalid"],
                ignore_unknown=form.cleaned_data["ignore_unknown"],
            )
            with transaction.atomic():
                services.import_job_start(job=job, dry_run=True)
            return redirect(job.get_absolute_url())
    jobs = job_list_for_user(request.user, entity=entity.name)[:10]
    return render(
        request,
        "imports/upload.html",
        {
            "entity": entity,
            "form": form,
            "jobs": jobs,
            "list_url": _list_url(entity),
            "max_mb": limits()["bytes"] // (1024 * 1024),
            "threshold": services.background_threshold(),
        },
    )


def job_list(request):
    services.import_jobs_fail_stale()
    jobs = job_list_for_user(request.user)
    page = Paginator(jobs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/job_list.html",
        {"page": page, "pagination": Pagination(page, request.GET)},
    )


def job_detail(request, pk):
    services.import_jobs_fail_stale()
    job = job_get_for_user(request.user, pk)
    entity = entity_or_404(job.entity)
    errors = Paginator(job.errors, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/job_detail.html",
        {
            "job": job,
            "entity": entity,
            "errors": errors,
            "error_pages": Pagination(errors, request.GET),
            "confirm_form": ImportConfirmForm(initial={"skip_invalid": job.skip_invalid}),
            "can_confirm": job.can_confirm and (request.user == job.user or request.user.is_admin),
            "list_url": _list_url(entity),
            "progress": job.progress(),
        },
    )


@require_GET
def job_progress(request, pk):
    """The progress bar, polled by htmx; once the job ends the page reloads itself."""
    services.import_jobs_fail_stale()
    job = job_get_for_user(request.user, pk)
    response = render(request, "imports/_progress.html", {"job": job, "progress": job.progress()})
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def job_confirm(request, pk):
    job = job_get_for_user(request.user, pk)
    form = ImportConfirmForm(request.POST)
    skip = form.cleaned_data["skip_invalid"] if form.is_valid() else job.skip_invalid
    try:
        with transaction.atomic():
            job = services.import_job_confirm(job=job, user=request.user, skip_invalid=skip)
    except PermissionDenied as error:
        # A second click, or someone else's preview: say why and show the job as it stands.
        messages.error(request, str(error))
        return redirect(job.get_absolute_url())
    if job.status == ImportJob.Status.DONE:
        messages.success(
            request,
            _("导入完成：新增%(n)d条，修改%(c)d条，无变化%(u)d条。")
            % {"n": job.new_count, "c": job.changed_count, "u": job.unchanged_count},
        )
    elif not job.is_running:
        messages.error(request, _("未导入任何数据，请查看错误明细。"))
    return redirect(job.get_absolute_url())


@require_GET
def job_report(request, pk):
    job = job_get_for_user(request.user, pk)
    if not job.error_report:
        raise Http404
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=job.error_report.name.rsplit("/", 1)[-1],
        content_type=XLSX,
    )


@require_GET
def template(request, entity):
    entity = entity_or_404(entity)
    _check_can_view(request.user, entity)
    buffer = io.BytesIO()
    exporting.write_template(entity.resource(), buffer, user=request.user)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, _("%(name)s导入模板.xlsx") % {"name": entity.verbose_name}
    )
    return response


@require_GET
def export(request, entity):
    """The list as .xlsx or .csv with the list page's filters (the same query string)."""
    entity = entity_or_404(entity)
    _check_can_view(request.user, entity)
    if request.headers.get("HX-Request"):
        return download_from_url(request)
    queryset = export_queryset(request, entity)
    resource = entity.resource()
    stamp = datetime.date.today().strftime("%Y%m%d")
    name = f"{entity.model._meta.verbose_name_plural}_{stamp}"
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(
            exporting.iter_csv(resource, queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
        return response
    return FileResponse(
        exporting.xlsx_tempfile(resource, queryset),
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type=XLSX,
    )


def download_from_url(request) -> HttpResponse:
    """A list toolbar's export button sends the current filters through htmx; the browser then
    downloads from the plain URL with those filters."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = f"{request.path}?{request.GET.urlencode()}"
    return response


def export_queryset(request, entity):
    """The rows the list page shows for this query string, for this user: none when a filter is
    invalid (a year past 9999, another township's id), as on the page."""
    viewset = entity.viewset
    queryset = viewset.get_queryset(request.user)
    data = request.GET.copy()
    for key in ("format", "page", "sort"):
        data.pop(key, None)
    filterset = viewset.filterset(data, queryset=queryset, request=request)
    if not filterset.is_bound:
        return queryset
    return filterset.qs if filterset.is_valid() else queryset.none()
