"""The sidebar: the bureau's areas of work and the pages under each.

A link may carry a third item, a predicate on the user; links to CRUD lists are shown to whoever
may view their model (``portal.context_processors``).
"""

from django.utils.translation import gettext_lazy as _


def _not_liaison(user) -> bool:
    return not user.is_liaison


def _can_edit(user) -> bool:
    return user.can_edit


SIDEBAR = [
    (
        _("统计与报告"),
        "bi-bar-chart",
        [
            (_("工作仪表盘"), "reports:dashboard"),
            (_("领导驾驶舱"), "reports:dashboard-screen"),
            (_("年度工作报告"), "reports:annual-list", _not_liaison),
            (_("导入记录"), "imports:job-list", _can_edit),
        ],
    ),
    (
        _("创新主体"),
        "bi-building",
        [
            (_("企业"), "enterprises:enterprise-list"),
            (_("企业年度指标"), "enterprises:enterpriseyearlyfigure-list"),
            (_("高企申报"), "enterprises:hitechapplication-list"),
            (_("科小评价"), "enterprises:smeevaluation-list"),
            (_("技术合同"), "enterprises:techcontract-list"),
            (_("创新创业共同体"), "enterprises:innovationcommunity-list"),
        ],
    ),
    (
        _("科技人才"),
        "bi-people",
        [
            (_("人才工程项目"), "talents:talentproject-list"),
            (_("外国专家与工作许可"), "talents:workpermit-list"),
            (_("外国专家"), "talents:foreignexpert-list"),
            (_("引智项目"), "talents:introproject-list"),
        ],
    ),
    (
        _("创新载体"),
        "bi-diagram-3",
        [
            (_("创新平台"), "platforms:platform-list"),
            (_("研发机构全覆盖"), "platforms:rdcoverage-list"),
            (_("全覆盖工作节点"), "platforms:coveragemilestone-list"),
        ],
    ),
    (
        _("科技扶贫"),
        "bi-tree",
        [
            (_("重点村"), "poverty:keyvillage-list"),
            (_("科技特派员"), "poverty:commissioner-list"),
            (_("服务记录"), "poverty:servicevisit-list"),
            (_("农科驿站"), "poverty:agristation-list"),
            (_("示范基地与成果"), "poverty:demobase-list"),
            (_("科技扶贫科技成果"), "poverty:achievement-list"),
        ],
    ),
    (
        _("工作台账"),
        "bi-journal-text",
        [
            (_("工作活动"), "bureau:workactivity-list"),
            (_("年度目标"), "bureau:annualtarget-list"),
            (_("外部数据"), "bureau:externalfigure-list"),
        ],
    ),
]

ADMIN_SIDEBAR = (
    _("系统管理"),
    "bi-gear",
    [
        (_("单位信息"), "bureau:profile"),
        (_("乡镇（街道）"), "bureau:township-list"),
        (_("村（社区）"), "bureau:village-list"),
        (_("部门"), "bureau:department-list"),
        (_("产业"), "bureau:industry-list"),
        (_("用户管理"), "admin:bureau_user_changelist"),
        (_("回收站"), "bureau:trash"),
        (_("后台管理"), "admin:index"),
    ],
)
