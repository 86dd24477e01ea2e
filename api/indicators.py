"""``/api/indicators/?year=Y[&township=CODE]``: every figure of the indicator registry.

The same values as the dashboard and the annual report (``reports.indicators.compute_all``). A
township liaison always gets their own township's figures, whatever they ask for; district-wide
figures are then null, as on their dashboard. A closed year (年度封账) answers its closed values,
with ``closed`` saying so and ``current_value`` what the records give today.
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import HasRole
from bureau.models import Township
from bureau.validators import validate_year


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """An int stays an int; a Decimal becomes a JSON number (figures have at most 4 places)."""

    def to_representation(self, value):
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value


class IndicatorQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(label=_("年度"), validators=[validate_year])
    township = serializers.CharField(
        label=_("乡镇（街道）"), required=False, help_text=_("9位区划代码；不填为全区。")
    )
    as_of = serializers.DateField(
        label=_("数据截至"), required=False, help_text=_("统计截至日期；不填为今天。")
    )

    def validate_township(self, value):
        township = Township.objects.filter(code=value.strip()).first()
        if township is None:
            raise serializers.ValidationError(_("没有该区划代码的乡镇（街道）。"))
        return township


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    section = serializers.CharField()
    value = NumberField(allow_null=True, help_text=_("已封账年度为封账值"))
    current_value = NumberField(
        allow_null=True, help_text=_("按当前业务记录计算的值（已封账年度可能与封账值不同）")
    )
    target = NumberField(allow_null=True)
    progress = NumberField(allow_null=True, help_text=_("完成目标的百分比"))
    names = serializers.ListField(child=serializers.CharField())
    details = serializers.ListField(child=serializers.DictField())
    breakdown = serializers.DictField(child=NumberField(allow_null=True))
    records_url = serializers.CharField(allow_null=True, help_text=_("相关记录的列表页面"))


class IndicatorResultSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    township = serializers.CharField(allow_null=True, help_text=_("区划代码；全区为 null"))
    closed = serializers.CharField(
        allow_null=True, help_text=_("年度封账：“已封账 · 审定于 …”；未封账为 null")
    )
    as_of = serializers.DateField(help_text=_("数据截至：只计此日及以前发生的事项"))
    indicators = IndicatorSerializer(many=True)


class IndicatorView(APIView):
    """Every indicator of a year, for the district or one township."""

    permission_classes = [HasRole]

    @extend_schema(
        summary="年度指标",
        tags=["统计与报告"],
        parameters=[
            OpenApiParameter("year", int, required=True, description="年度"),
            OpenApiParameter("township", str, description="乡镇（街道）9位区划代码；不填为全区"),
            OpenApiParameter("as_of", str, description="数据截至日期（YYYY-MM-DD）；不填为今天"),
        ],
        responses=IndicatorResultSerializer,
    )
    def get(self, request):
        from reports.closing import registry_values  # the read side, loaded on use
        from reports.indicators import REGISTRY, cutoff_of

        query = IndicatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data["year"]
        township = query.validated_data.get("township")
        if request.user.is_liaison:
            township = request.user.township
        as_of = query.validated_data.get("as_of") or datetime.date.today()
        values, closed = registry_values(year, township, as_of=as_of)
        drift = closed.drift if closed is not None else {}
        rows = [
            {
                "key": key,
                "label": value.label,
                "unit": value.unit,
                "section": REGISTRY[key].section,
                "value": value.value,
                "current_value": drift.get(key, value.value),
                "target": value.target,
                "progress": value.progress,
                "names": value.names,
                "details": value.details,
                "breakdown": value.breakdown,
                "records_url": value.records_url,
            }
            for key, value in values.items()
        ]
        result = {
            "year": year,
            "township": township.code if township else None,
            "closed": closed.label if closed is not None else None,
            "as_of": cutoff_of(year, as_of),
            "indicators": rows,
        }
        return Response(IndicatorResultSerializer(result).data)
