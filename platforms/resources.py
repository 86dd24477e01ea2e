"""Import/export column mapping of platforms and the R&D coverage campaign (see
``imports/README.md``)."""

from bureau.pages.resources import TOWNSHIP_ALIASES, township_lookup
from imports.engine.resources import (
    BureauResource,
    enterprise_code_column,
    enterprise_name_column,
    form_columns,
)
from platforms import models, views


class PlatformResource(BureauResource):
    host = enterprise_code_column(
        "host", "依托单位统一社会信用代码", ("依托单位信用代码", "依托企业信用代码")
    )
    host_name = enterprise_name_column(
        "host", "依托单位", ("依托企业", "依托单位名称", "运营主体", "单位名称")
    )
    aliases = {
        "name": ("名称", "载体名称", "平台"),
        "kind": ("平台类型", "类别", "载体类型"),
        "level": ("平台级别", "层级"),
        "status": ("进度", "认定状态"),
        "year": ("年份", "申报年度"),
        "document_number": ("认定文号", "发文字号", "备案文号"),
        "recognised_on": ("认定日期", "公布日期", "备案日期"),
        "upgraded": ("提质升级", "是否提质升级"),
    }
    example = {
        "name": "正泰科创众创空间",
        "kind": "众创空间",
        "level": "省级",
        "host": "91350100M000100Y43",
        "host_name": "山东某某新材料有限公司",
        "status": "申报",
        "year": "2025",
        "document_number": "",
        "recognised_on": "",
        "upgraded": "否",
    }
    year_lookup = "year"

    class Meta:
        model = models.Platform
        fields = form_columns(views.PlatformViewSet, after={"host": ("host_name",)})
        import_id_fields = ("name", "kind", "level", "year")


class RdCoverageResource(BureauResource):
    enterprise = enterprise_code_column("enterprise")
    enterprise_name = enterprise_name_column("enterprise")
    aliases = {
        "year": ("年份",),
        "has_institution": ("是否建立研发机构", "有无研发机构", "已建研发机构（是/否）"),
        "institution_name": ("机构名称", "研发机构"),
        "institution_type": ("研发机构类型", "类型"),
        "level": ("机构级别",),
        "established_on": ("成立日期", "建立时间"),
    }
    example = {
        "enterprise": "91350100M000100Y43",
        "enterprise_name": "山东某某新材料有限公司",
        "year": "2025",
        "has_institution": "是",
        "institution_name": "山东某某新材料有限公司研发中心",
        "institution_type": "企业研发中心",
        "level": "区级",
        "established_on": "2025-04-20",
    }
    year_lookup = "year"

    class Meta:
        model = models.RdCoverage
        fields = form_columns(views.RdCoverageViewSet, after={"enterprise": ("enterprise_name",)})
        import_id_fields = ("enterprise", "year")


class CoverageMilestoneResource(BureauResource):
    aliases = {
        "year": ("年份",),
        "date": ("时间",),
        "kind": ("节点类型", "类别"),
        "title": ("名称", "工作事项", "内容"),
        "participants": ("参会范围", "参加人员"),
        "key_enterprises": ("重点企业数", "参会企业数"),
        "document": ("文件", "相关文件"),
        "township": TOWNSHIP_ALIASES,
    }
    cell_widgets = {"township": township_lookup()}
    example = {
        "year": "2025",
        "date": "2025-03-12",
        "kind": "动员会议",
        "title": "规上工业企业研发机构全覆盖动员会议",
        "participants": "区直有关部门、各乡镇（街道）",
        "key_enterprises": "30",
        "document": "",
        "township": "",
    }
    year_lookup = "year"

    class Meta:
        model = models.CoverageMilestone
        fields = form_columns(views.CoverageMilestoneViewSet)
        import_id_fields = ("date", "title")


RESOURCES = [PlatformResource, RdCoverageResource, CoverageMilestoneResource]
