"""Import/export column mapping of technology poverty-aid records (see ``imports/README.md``)."""

from bureau.models import Village
from imports.engine import widgets as w
from imports.engine.resources import BureauResource, Column, form_columns
from poverty import models, views


def key_village_lookup():
    """A key village by its 12-digit code, ``乡镇名村名`` as displayed, or a village name that is
    unique in the district."""
    return w.LookupWidget(
        models.KeyVillage,
        keys=("village__code", "__str__", "village__name"),
        render_key="__str__",
        related=("village__township",),
    )


VILLAGE_ALIASES = ("村", "村名", "所在村", "所在重点村", "重点村", "服务村", "应用重点村")


class KeyVillageResource(BureauResource):
    village = Column(
        "village",
        "村级区划代码",
        w.LookupWidget(Village, keys=("code", "name"), related=("township",)),
        aliases=("区划代码", "村代码", "村编码"),
    )
    village_name = Column("village__name", "村", aliases=VILLAGE_ALIASES, fallback_for="village")
    township_name = Column("village__township__name", "乡镇（街道）", readonly=True)
    aliases = {
        "designated_year": ("确定时间", "认定年度", "年度"),
        "households": ("帮扶户", "贫困户数", "户数"),
        "is_active": ("是否在帮扶", "帮扶中"),
    }
    example = {
        "village": "370302001001",
        "village_name": "东关社区",
        "township_name": "城关街道",
        "designated_year": "2020",
        "households": "36",
        "is_active": "是",
        "note": "",
    }

    class Meta:
        model = models.KeyVillage
        fields = form_columns(
            views.KeyVillageViewSet, after={"village": ("village_name", "township_name")}
        )
        import_id_fields = ("village",)


class CommissionerResource(BureauResource):
    aliases = {
        "name": ("特派员", "特派员姓名", "科技特派员"),
        "sending_unit": ("派出单位名称", "工作单位", "单位"),
        "specialty": ("专业", "专业领域", "特长"),
        "phone": ("电话", "手机", "手机号码", "联系方式"),
        "is_active": ("是否在岗",),
    }
    example = {
        "name": "李明",
        "sending_unit": "区农业农村局",
        "specialty": "果树栽培",
        "phone": "13900001111",
        "is_active": "是",
    }

    class Meta:
        model = models.Commissioner
        fields = form_columns(views.CommissionerViewSet)
        import_id_fields = ("phone",)


class ServiceVisitResource(BureauResource):
    aliases = {
        "date": ("服务日期", "时间"),
        "village": VILLAGE_ALIASES,
        "commissioners": ("特派员", "服务人员"),
        "mode": ("方式", "服务形式"),
        "content": ("内容", "服务事项"),
        "farmers_trained": ("培训农民", "培训人次", "培训农民人次"),
    }
    cell_widgets = {
        "village": key_village_lookup(),
        "commissioners": w.ManyLookupWidget(
            models.Commissioner, keys=("phone", "name"), render_key="name"
        ),
    }
    example = {
        "date": "2025-06-01",
        "village": "城关街道东关社区",
        "commissioners": "李明、王芳",
        "mode": "现场指导",
        "content": "草莓种植技术指导",
        "farmers_trained": "12",
    }
    year_lookup = "date__year"
    row_by_row = True

    class Meta:
        model = models.ServiceVisit
        fields = form_columns(views.ServiceVisitViewSet)
        import_id_fields = ("date", "village", "content")


class AgriStationResource(BureauResource):
    aliases = {
        "name": ("名称", "驿站"),
        "village": VILLAGE_ALIASES,
        "host": ("依托单位", "运营主体"),
        "built_on": ("建成时间", "建立日期"),
    }
    cell_widgets = {"village": key_village_lookup()}
    example = {
        "name": "东关社区农科驿站",
        "village": "城关街道东关社区",
        "host": "某某种植专业合作社",
        "built_on": "2025-05-01",
    }
    year_lookup = "built_on__year"

    class Meta:
        model = models.AgriStation
        fields = form_columns(views.AgriStationViewSet)
        import_id_fields = ("name",)


class DemoBaseResource(BureauResource):
    aliases = {
        "name": ("名称", "示范基地"),
        "village": VILLAGE_ALIASES,
        "operator": ("运营单位", "依托单位"),
        "year": ("年份",),
        "status": ("结果",),
    }
    cell_widgets = {"village": key_village_lookup()}
    example = {
        "name": "东关草莓科技扶贫示范基地",
        "village": "城关街道东关社区",
        "operator": "某某现代农业有限公司",
        "year": "2025",
        "status": "已入选",
    }
    year_lookup = "year"

    class Meta:
        model = models.DemoBase
        fields = form_columns(views.DemoBaseViewSet)
        import_id_fields = ("name", "year")


class AchievementResource(BureauResource):
    aliases = {
        "title": ("名称", "成果", "科技成果名称"),
        "holder": ("完成人（单位）", "成果完成单位"),
        "village": VILLAGE_ALIASES,
        "year": ("年份",),
        "status": ("结果",),
    }
    cell_widgets = {"village": key_village_lookup()}
    example = {
        "title": "设施草莓绿色高效栽培技术",
        "holder": "区农业技术推广中心",
        "village": "城关街道东关社区",
        "year": "2025",
        "status": "已入选",
    }
    year_lookup = "year"

    class Meta:
        model = models.Achievement
        fields = form_columns(views.AchievementViewSet)
        import_id_fields = ("title", "year")


RESOURCES = [
    KeyVillageResource,
    CommissionerResource,
    ServiceVisitResource,
    AgriStationResource,
    DemoBaseResource,
    AchievementResource,
]
