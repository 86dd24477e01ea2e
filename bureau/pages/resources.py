"""Import/export column mapping of the bureau's own records (see ``imports/README.md``)."""

from bureau import models
from bureau.pages import views
from imports.engine import widgets as w
from imports.engine.resources import BureauResource, form_columns

TOWNSHIP_ALIASES = ("乡镇", "街道", "镇街", "所属乡镇", "所属乡镇（街道）", "乡镇街道", "所在乡镇")


def township_lookup():
    return w.LookupWidget(models.Township, keys=("code", "name"), render_key="name")


class TownshipResource(BureauResource):
    aliases = {
        "code": ("代码", "行政区划代码", "区划编码", "编码"),
        "name": ("乡镇（街道）", "乡镇", "街道", "乡镇名称", "乡镇（街道）名称"),
    }
    example = {"code": "370302001", "name": "城关街道"}

    class Meta:
        model = models.Township
        fields = form_columns(views.TownshipViewSet)
        import_id_fields = ("code",)


class VillageResource(BureauResource):
    aliases = {
        "township": TOWNSHIP_ALIASES,
        "code": ("村级区划代码", "代码", "编码"),
        "name": ("村", "村名", "村（社区）", "村名称", "社区"),
    }
    cell_widgets = {"township": township_lookup()}
    example = {"township": "城关街道", "code": "370302001001", "name": "东关社区"}

    class Meta:
        model = models.Village
        fields = form_columns(views.VillageViewSet)
        import_id_fields = ("code",)


class DepartmentResource(BureauResource):
    aliases = {"name": ("部门", "部门名称", "单位"), "townships": ("帮包乡镇", "帮包乡镇街道")}
    cell_widgets = {
        "townships": w.ManyLookupWidget(models.Township, keys=("code", "name"), render_key="name")
    }
    example = {"name": "区工业和信息化局", "townships": "城关街道、东山镇"}
    row_by_row = True

    class Meta:
        model = models.Department
        fields = form_columns(views.DepartmentViewSet)
        import_id_fields = ("name",)


class IndustryResource(BureauResource):
    aliases = {"name": ("产业", "产业名称", "产业链"), "is_key_chain": ("是否重点产业链",)}
    example = {"name": "铝电", "is_key_chain": "是"}

    class Meta:
        model = models.Industry
        fields = form_columns(views.IndustryViewSet)
        import_id_fields = ("name",)


class AnnualTargetResource(BureauResource):
    aliases = {"indicator": ("指标名称", "目标指标"), "value": ("目标", "目标值（数值）")}
    example = {"year": "2025", "indicator": "hitech_applications", "value": "20", "note": ""}
    year_lookup = "year"

    class Meta:
        model = models.AnnualTarget
        fields = form_columns(views.AnnualTargetViewSet)
        import_id_fields = ("year", "indicator")


class WorkActivityResource(BureauResource):
    aliases = {
        "date": ("活动日期", "时间"),
        "kind": ("活动类型", "类别"),
        "topic": ("活动主题", "内容", "活动内容", "名称"),
        "township": TOWNSHIP_ALIASES,
        "participants": ("人数", "参加人次", "参训人数"),
        "organiser": ("组织单位", "主办单位"),
    }
    cell_widgets = {"township": township_lookup()}
    example = {
        "date": "2025-05-10",
        "kind": "业务培训",
        "topic": "研发投入统计业务培训",
        "township": "城关街道",
        "participants": "45",
        "organiser": "区科技局",
    }
    year_lookup = "date__year"

    class Meta:
        model = models.WorkActivity
        fields = form_columns(views.WorkActivityViewSet)
        import_id_fields = ("date", "topic", "township")


class ExternalFigureResource(BureauResource):
    aliases = {"key": ("指标名称",), "value": ("数据", "值"), "as_of": ("截止日期", "日期")}
    example = {
        "year": "2025",
        "key": "hitech_output_city_rank",
        "value": "3",
        "unit": "位",
        "source": "市科技局通报",
        "as_of": "2025-11-30",
    }
    year_lookup = "year"

    class Meta:
        model = models.ExternalFigure
        fields = form_columns(views.ExternalFigureViewSet)
        import_id_fields = ("year", "key")


RESOURCES = [
    TownshipResource,
    VillageResource,
    DepartmentResource,
    IndustryResource,
    AnnualTargetResource,
    WorkActivityResource,
    ExternalFigureResource,
]
