"""Import jobs and annual-report export jobs in the API.

Both go through their apps' selectors (who sees which job) and services (upload, preview,
confirm; queue, retry), exactly as the pages do; the API only translates requests and answers.

- ``/api/imports/jobs/``: list and read import jobs; POST a spreadsheet (multipart ``entity``,
  ``file``) to upload and preview it; ``POST …/<id>/confirm/`` writes a previewed job.
- ``/api/reports/exports/``: list and read export jobs; POST ``year``, ``format`` (and optionally
  ``version``) to queue a PDF or Word export; ``POST …/<id>/retry/`` re-queues a failed one.
"""

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.factory import EntityPagination
from api.permissions import HasRole
from bureau import permissions
from bureau.validators import validate_year
from imports import services as import_services
from imports.models import ImportJob
from imports.selectors import job_get_for_user, job_list_for_user
from imports.views import LimitedUploadHandler
from reports.annual import selectors as report_selectors
from reports.annual import services as report_services
from reports.models import ExportJob

ERRORS_SHOWN = 100

# --- Import jobs ------------------------------------------------------------------------------


class ImportJobSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()
    entity_label = serializers.CharField(read_only=True)
    progress = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField(help_text=_("前100条错误明细"))
    errors_total = serializers.SerializerMethodField()
    error_report_url = serializers.SerializerMethodField()
    page_url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id", "entity", "entity_label", "user", "source", "file_name", "file_size",
            "checksum", "skip_invalid", "ignore_unknown", "background", "status", "rows_total",
            "new_count", "changed_count", "unchanged_count", "invalid_count", "written",
            "message", "errors", "errors_total", "notices", "progress", "error_report_url",
            "page_url", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_progress(self, job) -> dict:
        return job.progress()

    def get_errors(self, job) -> list[dict]:
        return job.errors[:ERRORS_SHOWN]

    def get_errors_total(self, job) -> int:
        return len(job.errors)

    def get_error_report_url(self, job) -> str | None:
        return reverse("imports:job-report", args=[job.pk]) if job.error_report else None


class ImportUploadSerializer(serializers.Serializer):
    entity = serializers.CharField(label=_("导入对象"), help_text=_("如 enterprise"))
    file = serializers.FileField(label=_("表格文件"))
    skip_invalid = serializers.BooleanField(default=False)
    ignore_unknown = serializers.BooleanField(default=False)

    def validate_entity(self, value):
        from imports.engine.registry import get_entity

        try:
            entity = get_entity(value)
        except LookupError:
            raise serializers.ValidationError(_("不支持导入该类记录。")) from None
        user = self.context["request"].user
        if not permissions.can_change_model(user, entity.model, admin_only=entity.admin_only):
            raise PermissionDenied(_("您没有导入此类记录的权限。"))
        return entity


class ImportConfirmSerializer(serializers.Serializer):
    skip_invalid = serializers.BooleanField(required=False)


@extend_schema_view(
    list=extend_schema(summary="导入记录列表", tags=["数据导入"]),
    retrieve=extend_schema(summary="查看导入记录", tags=["数据导入"]),
    create=extend_schema(
        summary="上传表格并预览",
        tags=["数据导入"],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer},
    ),
    confirm=extend_schema(
        summary="确认导入",
        tags=["数据导入"],
        request=ImportConfirmSerializer,
        responses=ImportJobSerializer,
    ),
)
class ImportJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Administrators and staff see every import; anyone else only their own."""

    permission_classes = [HasRole]
    serializer_class = ImportJobSerializer
    pagination_class = EntityPagination
    queryset = ImportJob.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        return job_list_for_user(self.request.user)

    def get_parsers(self):
        request = getattr(self, "request", None)
        if request is not None and request.method == "POST" and hasattr(request, "upload_handlers"):
            # Refuse an oversized file while it streams in, as the upload page does.
            request.upload_too_large = False
            request.upload_handlers.insert(0, LimitedUploadHandler(request))
        return super().get_parsers()

    def get_serializer_class(self):
        if self.action == "create":
            return ImportUploadSerializer
        if self.action == "confirm":
            return ImportConfirmSerializer
        return ImportJobSerializer

    def create(self, request, *args, **kwargs):
        data = request.data  # parsing the body is what trips the size limit
        if getattr(request._request, "upload_too_large", False):
            from imports.engine.reader import limits

            raise serializers.ValidationError(
                {
                    "file": [
                        _("文件过大，导入上限为 %(mb)d MB，请拆分后分批导入。")
                        % {"mb": limits()["bytes"] // (1024 * 1024)}
                    ]
                }
            )
        upload = self.get_serializer(data=data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        job = import_services.import_job_create(
            user=request.user,
            entity=data["entity"].name,
            upload=data["file"],
            file_name=data["file"].name,
            skip_invalid=data["skip_invalid"],
            ignore_unknown=data["ignore_unknown"],
        )
        with transaction.atomic():
            import_services.import_job_start(job=job, dry_run=True)
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        job = job_get_for_user(request.user, pk)
        body = ImportConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            job = import_services.import_job_confirm(
                job=job, user=request.user, skip_invalid=body.validated_data.get("skip_invalid")
            )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data)


# --- Export jobs of the annual report ---------------------------------------------------------


class ExportJobSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="report.year", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    requested_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id", "year", "version", "format", "status", "size", "error", "attempts",
            "requested_by", "download_url", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return reverse("reports:annual-export-download", args=[job.report.year, job.pk])


class ExportRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(label=_("年度"), validators=[validate_year])
    format = serializers.ChoiceField(label=_("格式"), choices=ExportJob.Format.choices)
    version = serializers.IntegerField(
        label=_("版本号"), required=False, min_value=1, help_text=_("不填为最新版本")
    )


@extend_schema_view(
    list=extend_schema(summary="报告导出任务列表", tags=["统计与报告"]),
    retrieve=extend_schema(summary="查看报告导出任务", tags=["统计与报告"]),
    create=extend_schema(
        summary="提交报告导出任务",
        tags=["统计与报告"],
        request=ExportRequestSerializer,
        responses={201: ExportJobSerializer},
    ),
    retry=extend_schema(
        summary="重试失败的导出任务",
        tags=["统计与报告"],
        request=None,
        responses=ExportJobSerializer,
    ),
)
class ExportJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The annual report belongs to the district: liaisons and outsiders get 403."""

    permission_classes = [HasRole]
    serializer_class = ExportJobSerializer
    pagination_class = EntityPagination
    queryset = ExportJob.objects.none()
    lookup_value_regex = r"\d+"

    def check_permissions(self, request):
        super().check_permissions(request)
        if not report_selectors.can_view_reports(request.user):
            raise PermissionDenied(_("您没有查看年度工作报告的权限。"))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExportJob.objects.none()
        return ExportJob.objects.select_related("report", "version", "requested_by")

    def get_serializer_class(self):
        return ExportRequestSerializer if self.action == "create" else ExportJobSerializer

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        report = report_selectors.annual_report_get_for_user(request.user, data["year"])
        if data.get("version"):
            version = report_selectors.report_version_get(report, data["version"])
        else:
            version = report_selectors.report_latest_version(report)
            if version is None:
                raise Http404(_("该报告还没有保存的版本。"))
        job = report_services.export_job_create(
            version=version, fmt=data["format"], user=request.user
        )
        return Response(ExportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = report_services.export_job_retry(job=self.get_object(), user=request.user)
        return Response(ExportJobSerializer(job).data)
