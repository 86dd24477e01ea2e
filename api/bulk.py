"""批量修改 and 批量删除 on an entity's endpoint: ``POST …/bulk-update/`` and ``…/bulk-delete/``.

The records are named by ``ids`` or by ``filter`` (the list's query parameters); the changes are
checked by the pages' bulk edit form (``portal.bulk``), the records by the write service, in one
transaction, exactly as from the list page. A selection larger than ``BULK_JOB_THRESHOLD`` is
queued as a job (202, with the job's page).
"""

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from bureau.bulk import BulkOutcome, BulkRefused
from portal.bulk import Selection, SelectionError, bulk_form, bulk_submit, filter_problems
from portal.models import BulkJob


class BulkSelectionSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=5000,
        help_text=gettext_lazy("要处理的记录编号；与 filter 二选一"),
    )
    filter = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        help_text=gettext_lazy("列表的筛选参数（如 year=2025），处理全部符合条件的记录"),
    )
    skip_invalid = serializers.BooleanField(
        default=False, help_text=gettext_lazy("跳过未通过校验的记录，只写入其余记录")
    )

    def validate(self, attrs):
        if ("ids" in attrs) == ("filter" in attrs):
            raise ValidationError(_("请给出 ids 或 filter 之一。"))
        if "ids" in attrs and not attrs["ids"]:
            raise ValidationError({"ids": [_("请至少给出一条记录的编号。")]})
        return attrs


class BulkUpdateSerializer(BulkSelectionSerializer):
    changes = serializers.DictField(
        help_text=gettext_lazy("要修改的字段及新值（关联记录用编号，是/否用 true/false）"),
    )


class RefusalSerializer(serializers.Serializer):
    pk = serializers.IntegerField()
    record = serializers.CharField()
    messages = serializers.ListField(child=serializers.CharField())


class BulkResultSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text=gettext_lazy("已写入（或删除）的记录数"))
    unchanged = serializers.IntegerField(help_text=gettext_lazy("原本就是所选值、未改动的记录数"))
    refused = RefusalSerializer(many=True, help_text=gettext_lazy("未通过校验的记录及原因"))


class BulkRefusedSerializer(serializers.Serializer):
    """A 400: the records refused (nothing written), or the request's own errors by field."""

    detail = serializers.CharField(required=False)
    written = serializers.IntegerField(required=False)
    unchanged = serializers.IntegerField(required=False)
    refused = RefusalSerializer(many=True, required=False)


class BulkJobQueuedSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    url = serializers.CharField()
    total = serializers.IntegerField()


def _selection(view, data) -> Selection:
    """The records named by ``ids``, or by ``filter``: exactly the parameters the entity's list
    (``GET …/``) accepts, checked by the list's own filter set. A key it does not know, or a
    value it refuses, is a 400 naming each, and nothing is written."""
    if "ids" in data:
        return Selection(tuple(dict.fromkeys(data["ids"])))
    query = QueryDict(mutable=True)
    for key, value in data["filter"].items():
        query[key] = value
    filterset = view.filterset_class(
        query, queryset=view.crud.get_queryset(view.request.user), request=view.request
    )
    problems = filter_problems(filterset)
    if problems:
        known = "、".join(name for name in filterset.filters)
        raise ValidationError(
            {
                "filter": [
                    _("筛选参数 %(key)s：%(why)s。") % {"key": key, "why": why}
                    for key, why in problems.items()
                ]
                + [_("未写入任何记录。可用的筛选参数：%(known)s。") % {"known": known}]
            }
        )
    # The page's filter set names the same filters; its free-text search is ``q``.
    if "search" in query:
        query["q"] = query.pop("search")[-1]
    return Selection(None, query.urlencode())


def _form_data(crud, changes: dict) -> dict:
    allowed = set(crud.declaration.bulk_fields)
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError(
            {
                "changes": [
                    _("字段%(names)s不能批量修改；可以批量修改的字段：%(allowed)s。")
                    % {
                        "names": "、".join(unknown),
                        "allowed": "、".join(crud.declaration.bulk_fields) or _("无"),
                    }
                ]
            }
        )
    data = {}
    for name, value in changes.items():
        data[f"set_{name}"] = "on"
        if isinstance(value, bool):
            value = "true" if value else "false"
        data[name] = "" if value is None else str(value)
    return data


def _result(outcome: BulkOutcome) -> dict:
    return {
        "written": outcome.written,
        "unchanged": outcome.unchanged,
        "refused": [
            {"pk": r.pk, "record": r.record, "messages": r.messages} for r in outcome.refused
        ],
    }


class BulkActionsMixin:
    """The two bulk actions of an entity's API viewset (``crud`` is its page view set)."""

    def _bulk(self, request, action_name: str, serializer_class):
        crud = self.crud
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = None
        form_data = {}
        if action_name == BulkJob.Action.UPDATE:
            if not crud.declaration.bulk_fields:
                raise ValidationError(_("这类记录没有可以批量修改的字段。"))
            form_data = _form_data(crud, data["changes"])
            form = bulk_form(crud, request.user, form_data)
            if not form.is_valid():
                raise ValidationError({"changes": form.errors.get_json_data()})
            changes = form.changes
        selection = _selection(self, data)
        try:
            records, total = selection.resolve(crud, request.user)
        except SelectionError as error:
            raise ValidationError({"detail": str(error)}) from error
        try:
            outcome, job = bulk_submit(
                viewset=crud,
                user=request.user,
                action=action_name,
                selection=selection,
                records=records,
                total=total,
                form_data=form_data,
                changes=changes,
                skip_invalid=data["skip_invalid"],
            )
        except BulkRefused as refused:
            body = _result(refused.outcome)
            body["written"] = 0
            body["detail"] = _("有%(n)d条记录未通过校验，未写入任何记录。") % {
                "n": len(refused.outcome.refused)
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        if job is not None:
            body = {"job": job.pk, "url": job.get_absolute_url(), "total": job.total}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return Response(_result(outcome))

    @extend_schema(
        summary=gettext_lazy("批量修改"),
        description=gettext_lazy(
            "按编号（ids）或筛选条件（filter）选择记录，把 changes 中的字段改为新值。每条记录按"
            "表单的规则校验，在一个事务中写入并留下变更记录；有记录未通过校验时不写入任何记录，"
            "除非 skip_invalid 为 true。超过阈值的选择转为后台任务（202）。"
        ),
        request=BulkUpdateSerializer,
        responses={
            200: BulkResultSerializer,
            202: BulkJobQueuedSerializer,
            400: OpenApiResponse(BulkRefusedSerializer, description=gettext_lazy("未写入任何记录")),
        },
    )
    @action(detail=False, methods=["post"], url_path="bulk-update")
    def bulk_update(self, request, *args, **kwargs):
        return self._bulk(request, BulkJob.Action.UPDATE, BulkUpdateSerializer)

    @extend_schema(
        summary=gettext_lazy("批量删除"),
        description=gettext_lazy(
            "按编号（ids）或筛选条件（filter）删除记录（管理员可在回收站恢复）；仍被引用的记录"
            "不能删除。有记录不能删除时不删除任何记录，除非 skip_invalid 为 true。"
        ),
        request=BulkSelectionSerializer,
        responses={
            200: BulkResultSerializer,
            202: BulkJobQueuedSerializer,
            400: OpenApiResponse(BulkRefusedSerializer, description=gettext_lazy("未删除任何记录")),
        },
    )
    @action(detail=False, methods=["post"], url_path="bulk-delete")
    def bulk_delete(self, request, *args, **kwargs):
        return self._bulk(request, BulkJob.Action.DELETE, BulkSelectionSerializer)
