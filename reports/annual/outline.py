"""The outline of the annual work report, after the sample (../shared/seed/000_*.txt).

Each slot is one paragraph: a stable key, its kind, its section and how it is drafted, either a
template (syntax in ``drafting.py``) or a function of the draft context for sentences that
depend on the data (nothing to report, targets met or not). Every X of the sample is a
placeholder here; the problems and plans are the sample's words, a starting draft for staff.
"""

from collections.abc import Callable
from dataclasses import dataclass

from platforms.models import CoverageMilestone, Platform
from reports.annual.drafting import (
    CONTEXT_KEYS,
    PLACEHOLDER,
    DraftContext,
    fill,
    format_value,
    merge_segments,
)
from reports.models import ReportParagraph

K = ReportParagraph.Kind


@dataclass(frozen=True)
class Slot:
    key: str
    kind: str
    section: str
    template: str | Callable[[DraftContext], list[dict]]

    def draft(self, context: DraftContext) -> list[dict]:
        if callable(self.template):
            return merge_segments(self.template(context))
        return fill(self.template, context)


def _value(context: DraftContext, key: str):
    figure = context.figures.get(key)
    return None if figure is None else figure.value


def _none_or_positive(context: DraftContext, key: str) -> bool:
    """Whether a sentence about ``key`` belongs in the draft: it has events, or its data is
    missing (the sentence then shows the missing marker)."""
    value = _value(context, key)
    return value is None or value > 0


def _either(context, key: str, present: str, absent: str) -> list[dict]:
    return fill(present if _none_or_positive(context, key) else absent, context)


def _names(context, key: str) -> list[str]:
    figure = context.figures.get(key)
    return list(figure.names) if figure else []


def _listing(context, key: str, unit: str) -> list[dict]:
    """ "A、B 2家", or "A、B等5家" when the records name fewer than the count."""
    names = _names(context, key)
    value = _value(context, key)
    joiner = "等" if value is not None and len(names) < value else ""
    return fill(f"{{{key}|names}}{joiner}{{{key}}}{unit}", context)


def _same_people(context, first: str, second: str) -> bool:
    return bool(_names(context, first)) and set(_names(context, first)) == set(
        _names(context, second)
    )


def _month_day(value) -> str:
    """``2025-03-15`` -> ``3月15日``."""
    text = str(value or "")
    parts = text.split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return f"{int(parts[1])}月{int(parts[2])}日"
    return text


# --- （一） --------------------------------------------------------------------------------------


def _communities(context):
    return [
        *fill("结合我区产业实际，重点围绕{key_chains}等产业，", context),
        *(
            [*fill("组织", context), *_listing(context, "community_applications", "家企业")]
            + fill("申报创新创业共同体。", context)
            if _none_or_positive(context, "community_applications")
            else fill("谋划创新创业共同体建设，本年度暂无企业申报创新创业共同体。", context)
        ),
    ]


HITECH_SHARE = (
    "着力提升高新技术产业产值占规模以上工业产值比重，{as_of}，全区高新技术产业产值占规模以上"
    "工业产值比重{hitech_output_share:.2f}%，列全市第{hitech_output_share_rank}位。"
)


def _contracts(context):
    segments = fill(
        "不断强化研发投入强度，先后组织开展、参与研发投入业务培训{rd_trainings}次，"
        "开展送政策上门服务{policy_visits}次。认真开展技术合同登记，促进科技成果转化，"
        "目前已完成技术合同登记{tech_contract_count}项，登记额{tech_contract_amount:.2f}亿元",
        context,
    )
    growth = _value(context, "tech_contract_growth")
    if growth is not None and growth < 0:
        # A fall reads "同比下降 3.5%", never "同比增长 -3.5%".
        figure = context.figures["tech_contract_growth"]
        segments += [
            {"text": "，同比下降"},
            {
                "text": format_value(-growth, ".2f"),
                "key": figure.key,
                "label": figure.label,
                "url": figure.url,
            },
        ]
        tail = "%，增幅列全市第{tech_contract_growth_rank}位。"
    else:
        tail = "，同比增长{tech_contract_growth:.2f}%，增幅列全市第{tech_contract_growth_rank}位。"
    return [*segments, *fill(tail, context)]


# --- （二） --------------------------------------------------------------------------------------


def _talents(context):
    segments = fill(
        "组织{talent_applied_enterprises}家企业申报泰山产业领军人才工程等人才工程项目"
        "{talent_applied}项（{talent_applied|breakdown}），其中{talent_city_review_passed}项"
        "通过市级评审。",
        context,
    )
    if _none_or_positive(context, "talent_defence_passed"):
        segments += fill("目前{talent_defence_passed|names}的项目已通过答辩", context)
        if _same_people(context, "talent_awaiting_site_visit", "talent_defence_passed"):
            segments += fill("，准备现场考察", context)
        elif _none_or_positive(context, "talent_awaiting_site_visit"):
            segments += fill("，{talent_awaiting_site_visit|names}准备现场考察", context)
        segments += fill("。", context)
    if _none_or_positive(context, "talent_online_review_passed"):
        segments += fill("{talent_online_review_passed|names}通过网络初评，等待答辩。", context)
    if _value(context, "talent_selected"):
        segments += fill("{talent_selected|names}已入选。", context)
    return segments


def _foreign_experts(context):
    segments = fill(
        "积极引入外国智力，为{work_permits_issued}名外国专家办理了外国人来华工作许可证", context
    )
    permits = context.figures.get("work_permits_issued")
    if permits is not None and permits.value is not None and permits.target:
        if permits.value > permits.target:
            tail = "，超过全年{work_permits_issued|target}名的目标，已超额完成工作任务。"
        elif permits.value == permits.target:
            tail = "，完成全年{work_permits_issued|target}名的目标任务。"
        else:
            tail = "，全年目标为{work_permits_issued|target}名。"
    else:
        tail = "。"
    segments += fill(tail, context)
    segments += _either(
        context,
        "intro_projects",
        "申报外国专家引智成果示范推广项目{intro_projects}项：{intro_projects|names}。",
        "本年度暂未申报引智项目。",
    )
    return segments


# --- （三） --------------------------------------------------------------------------------------


def _maker_spaces(context):
    national = context.figures.get("maker_space_national")
    dates = [row.get("recognised_on") for row in (national.details if national else [])]
    dates = [d for d in dates if d]
    published = f"{context.year}年{_month_day(dates[0])}" if dates else f"{context.year}年"
    segments = _either(
        context,
        "maker_space_national",
        published
        + "科技部公布{year}年度国家级众创空间名单，我区{maker_space_national|names}在列。",
        "{year}年度我区暂无众创空间列入国家级众创空间名单。",
    )
    segments += _either(
        context,
        "maker_space_provincial_applied",
        "组织{maker_space_provincial_applied|names}申报备案省级众创空间",
        "本年度暂无众创空间申报省级备案",
    )
    if _none_or_positive(context, "maker_space_provincial_passed"):
        segments += fill("，其中", context)
        segments += _listing(context, "maker_space_provincial_passed", "家")
        segments += fill("通过专家评审", context)
        if _none_or_positive(context, "maker_space_recommended"):
            who = (
                ""
                if _same_people(context, "maker_space_recommended", "maker_space_provincial_passed")
                else "{maker_space_recommended|names}"
            )
            segments += fill(
                f"，{who}已推荐至省科技厅评审（全市共{{maker_space_city_quota}}家推荐名额）",
                context,
            )
    segments += fill("。", context)
    return segments


def _new_rd(context):
    if not _none_or_positive(context, "new_rd_recommended"):
        return fill("本年度暂未推荐备案省级新型研发机构。", context)
    several = (_value(context, "new_rd_recommended") or 0) > 1
    listing = "分别是" if several else "为"
    segments = fill(
        f"共推荐{{new_rd_recommended}}家，{listing}{{new_rd_recommended|names}}，", context
    )
    figure = context.figures.get("new_rd_recommended")
    statuses = [row.get("status") for row in (figure.details if figure else [])]
    recognised = sum(1 for s in statuses if s == str(Platform.Status.RECOGNISED.label))
    rejected = sum(1 for s in statuses if s == str(Platform.Status.REJECTED.label))
    pending = len(statuses) - recognised - rejected
    results = []
    if recognised:
        results.append(f"{recognised}家已获省科技厅备案")
    if rejected:
        results.append(f"{rejected}家未通过")
    if pending:
        results.append(f"{pending}家备案结果省厅尚未公布" if results else "备案结果省厅尚未公布")
    if not statuses:
        results.append("【待补充：备案结果】")
    text = "，".join(results) + "。"
    link = {"key": "new_rd_recommended", "label": figure.label, "url": figure.url} if figure else {}
    missing = {"missing": True, "key": "new_rd_recommended", "label": "备案结果"}
    return [*segments, {"text": text, **(missing if not statuses else link)}]


def _platforms(context):
    segments = _either(
        context,
        "platforms_upgraded",
        "完成研发平台提质升级{platforms_upgraded}处，涉及{platforms_upgraded|names}。",
        "",
    )
    segments += fill(
        "组织{key_lab_applications}家企业申报企业重点实验室，"
        "{innovation_centre_applications}家企业申报技术创新中心。",
        context,
    )
    return segments


MILESTONE_KINDS = CoverageMilestone.Kind
MEETINGS = {
    str(MILESTONE_KINDS.MOBILISATION.label),
    str(MILESTONE_KINDS.DEPLOYMENT.label),
    str(MILESTONE_KINDS.TRAINING.label),
}
VERBS = ("召开", "在", "印发", "开展", "组织", "举办", "通过", "出台", "下发", "赴", "到", "对")


def _milestone_text(row: dict) -> str:
    """One step of the coverage campaign as the sample tells it: "3月5日，召开了……参加的动员
    会议" / "……作专题汇报，通过了《行动方案》"."""
    title = str(row.get("title") or "").strip()
    kind = str(row.get("kind") or "")
    if kind in MEETINGS and not title.startswith(VERBS):
        participants = str(row.get("participants") or "").strip()
        title = f"召开{participants}参加的{title}" if participants else f"召开{title}"
    elif kind == str(MILESTONE_KINDS.INSPECTION.label) and not title.startswith(VERBS):
        title = f"开展{title}"
    if row.get("key_enterprises"):
        title += f"（{row['key_enterprises']}家重点企业参加）"
    document = str(row.get("document") or "").strip().strip("《》")
    if document:
        lead = {
            str(MILESTONE_KINDS.REPORT.label): "，通过了",
            str(MILESTONE_KINDS.DEPLOYMENT.label): "，会议传达了",
        }.get(kind, "，印发")
        title += f"{lead}《{document}》"
    return f"{_month_day(row.get('date'))}，{title}"


def _coverage(context):
    figure = context.figures.get("coverage_milestones")
    segments: list[dict] = []
    if figure is not None and figure.details:
        for number, row in enumerate(figure.details):
            separator = "；" if number < len(figure.details) - 1 else "。"
            segments.append(
                {
                    "text": _milestone_text(row),
                    "key": figure.key,
                    "label": figure.label,
                    "url": figure.url,
                }
            )
            segments.append({"text": separator})
    elif figure is None or figure.value is None or figure.value:
        segments += fill("{coverage_milestones|names}。", context)
    segments += fill(
        "目前全区纳入全覆盖的规上工业企业{coverage_enterprises}家，已建研发机构"
        "{coverage_covered}家，覆盖率{coverage_rate:.2f}%；分乡镇（街道）看，"
        "{coverage_rate|breakdown}。",
        context,
    )
    return segments


POVERTY = (
    "加强科技扶贫工作管理和自查，组织开展了科技扶贫自查评估工作，建立了科技扶贫督导推进长效常态"
    "机制，推动保障全区科技扶贫工作真抓紧、真见效。以科技扶贫服务队为主体，面向全区"
    "{key_villages}个扶贫工作重点村持续开展技术服务，今年已在{key_villages_served}个重点村累计"
    "开展技术指导服务{service_visits}次、培训农民{farmers_trained}人次。在扶贫重点村新建农科驿站"
    "{agri_stations_new}处，入选省科技扶贫示范基地{demo_bases_selected}处、省科技扶贫科技成果"
    "{achievements_selected}项。"
)

# --- 三、下一步工作计划 ------------------------------------------------------------------------------

PLAN_PLATFORMS = (
    "鼓励引导企业加大研发投入，建设技术创新中心、重点实验室、工程技术研究中心、院士工作站、"
    "新型研发机构、众创空间等人才平台载体，{next_year}年确保新增市级以上创新平台不低于"
    "{@new_platforms_city_and_above}家。"
)
PLAN_HITECH = (
    "继续做好科技型中小企业入库评价工作，在今年{sme_registered}家企业入库的基础上，"
    "{next_year}年完成{@sme_registered}家以上企业入库。全力跟进{@hitech_applications}家拟申报高企"
    "的辅导服务工作，确保{next_year}年高企认定通过{@hitech_certified}家以上。"
)


OUTLINE: list[Slot] = [
    Slot("title", K.TITLE, "title", "{district}科技局{year}年度工作报告"),
    Slot(
        "opening",
        K.BODY,
        "opening",
        "今年以来，区科技局认真对照全年工作计划，对标“争创一流、走在前列”目标要求，"
        "结合“十大改革攻坚行动”，按照区委区政府要求，扎实推进各项工作有序开展。"
        "现将工作进展落实情况总结如下：",
    ),
    Slot("work", K.HEADING1, "work", "一、主要工作开展情况"),
    Slot("work.1", K.HEADING2, "work", "（一）积极培育创新主体"),
    Slot("work.1.1", K.HEADING3, "work", "一是谋划创新创业共同体建设"),
    Slot("work.1.1.body", K.BODY, "work", _communities),
    Slot("work.1.2", K.HEADING3, "work", "二是组织做好高新技术企业申报和科技型中小企业评价"),
    Slot(
        "work.1.2.body",
        K.BODY,
        "work",
        "组织我区{sme_registered}家企业完成科技型中小企业评价并入库，组织{hitech_applications}"
        "家企业申报高新技术企业，{hitech_certified}家通过认定。" + HITECH_SHARE,
    ),
    Slot("work.1.3", K.HEADING3, "work", "三是加强研发投入和科技成果转化"),
    Slot("work.1.3.body", K.BODY, "work", _contracts),
    Slot("work.2", K.HEADING2, "work", "（二）做好科技人才工作"),
    Slot("work.2.1", K.HEADING3, "work", "一是申报泰山产业领军人才工程"),
    Slot("work.2.1.body", K.BODY, "work", _talents),
    Slot("work.2.2", K.HEADING3, "work", "二是加快外国专家引进"),
    Slot("work.2.2.body", K.BODY, "work", _foreign_experts),
    Slot("work.3", K.HEADING2, "work", "（三）强化创新创业载体建设"),
    Slot("work.3.1", K.HEADING3, "work", "一是加强众创空间建设"),
    Slot("work.3.1.body", K.BODY, "work", _maker_spaces),
    Slot("work.3.2", K.HEADING3, "work", "二是推荐备案省级新型研发机构"),
    Slot("work.3.2.body", K.BODY, "work", _new_rd),
    Slot("work.3.3", K.HEADING3, "work", "三是推动研发平台建设"),
    Slot("work.3.3.body", K.BODY, "work", _platforms),
    Slot("work.3.4", K.HEADING3, "work", "四是全力推动规模以上工业企业研发机构全覆盖工作"),
    Slot("work.3.4.body", K.BODY, "work", _coverage),
    Slot("work.4", K.HEADING2, "work", "（四）大力开展科技扶贫"),
    Slot("work.4.body", K.BODY, "work", POVERTY),
    Slot("problems", K.HEADING1, "problems", "二、存在的主要问题"),
    Slot(
        "problems.1",
        K.BODY,
        "problems",
        "一是企业研发投入仍然不足，企业家科技创新意识仍然不强，缺乏以科技创新占领产业和市场"
        "制高点的意识和长远战略眼光，产业技术创新整体水平不高，高新技术产业和战略性新兴产业的"
        "比重小。",
    ),
    Slot(
        "problems.2",
        K.BODY,
        "problems",
        "二是财政和金融资金支持研发投入有待加强，科技创新配套资金有待落实。三是省级研发平台、"
        "省级人才工程申报难度大、成功率低，在一定程度上影响了企业申报的积极性。四是吸引人才的"
        "竞争力不强，高层次人才、领军人才仍然匮乏。",
    ),
    Slot("plans", K.HEADING1, "plans", "三、下一步工作计划"),
    Slot("plans.1", K.HEADING2, "plans", "（一）继续加强人才平台载体建设"),
    Slot("plans.1.body", K.BODY, "plans", PLAN_PLATFORMS),
    Slot("plans.2", K.HEADING2, "plans", "（二）切实做好高新技术企业申报认定和培育工作"),
    Slot("plans.2.body", K.BODY, "plans", PLAN_HITECH),
    Slot("plans.3", K.HEADING2, "plans", "（三）扎实做好科技合作、招才引智工作"),
    Slot(
        "plans.3.body",
        K.BODY,
        "plans",
        "围绕全区产业、企业发展实际需要帮助企业联系对接专业对口的高校院所、高层次人才。"
        "做好泰山产业领军人才工程的网络答辩和现场考察准备工作，确保人才工作取得新成绩。",
    ),
    Slot("plans.4", K.HEADING2, "plans", "（四）狠抓惠企政策落实"),
    Slot(
        "plans.4.body",
        K.BODY,
        "plans",
        "积极落实高企税收优惠和奖补、研发费用加计扣除、创新券产学研引导资金等各项激励政策，"
        "努力营造良好的创新环境，激发企业的创新动力。",
    ),
    Slot("plans.5", K.HEADING2, "plans", "（五）重点抓好规上工业企业研发机构全覆盖工作"),
    Slot(
        "plans.5.body",
        K.BODY,
        "plans",
        "一是加强指导督导，狠抓工作落实，积极帮助解决企业研发机构建设中存在的困难。",
    ),
    Slot(
        "plans.5.body2",
        K.BODY,
        "plans",
        "二是探索政府购买服务等方式引入第三方服务机构，充分调动中介机构服务企业的主动性和积极性，"
        "广泛参与企业研发机构建设工作，确保高质量完成研发机构全覆盖工作任务。",
    ),
    Slot("plans.6", K.HEADING2, "plans", "（六）持续做好科技扶贫"),
    Slot(
        "plans.6.body",
        K.BODY,
        "plans",
        "继续做好科技特派员帮扶服务，充分发挥科技扶贫服务队作用，不断强化服务长效机制。"
        "进一步完善科技园区、农科驿站等扶贫载体建设。定期对科技园区、农科驿站的工作情况特别是"
        "开展扶贫帮扶情况进行检查、指导、总结，归纳经验、改进不足。",
    ),
]

SLOTS: dict[str, Slot] = {slot.key: slot for slot in OUTLINE}
SECTION_LABELS = {
    "title": "标题",
    "opening": "开头",
    "work": "一、主要工作开展情况",
    "problems": "二、存在的主要问题",
    "plans": "三、下一步工作计划",
}
# Keys the outline reads; a test checks each exists in the registry.
USED_INDICATOR_KEYS = {
    "community_applications",
    "sme_registered",
    "hitech_applications",
    "hitech_certified",
    "hitech_output_share",
    "hitech_output_share_rank",
    "rd_trainings",
    "policy_visits",
    "tech_contract_count",
    "tech_contract_amount",
    "tech_contract_growth",
    "tech_contract_growth_rank",
    "talent_applied_enterprises",
    "talent_applied",
    "talent_city_review_passed",
    "talent_defence_passed",
    "talent_awaiting_site_visit",
    "talent_online_review_passed",
    "talent_selected",
    "work_permits_issued",
    "intro_projects",
    "maker_space_national",
    "maker_space_provincial_applied",
    "maker_space_provincial_passed",
    "maker_space_recommended",
    "maker_space_city_quota",
    "new_rd_recommended",
    "platforms_upgraded",
    "key_lab_applications",
    "innovation_centre_applications",
    "coverage_milestones",
    "coverage_enterprises",
    "coverage_covered",
    "coverage_rate",
    "key_villages",
    "key_villages_served",
    "service_visits",
    "farmers_trained",
    "agri_stations_new",
    "demo_bases_selected",
    "achievements_selected",
    "new_platforms_city_and_above",
}


def _placeholder_keys() -> set[str]:
    """Indicator keys named by the outline's plain templates (the functions name theirs in
    ``USED_INDICATOR_KEYS``)."""
    keys = set()
    for slot in OUTLINE:
        if isinstance(slot.template, str):
            keys.update(match["key"] for match in PLACEHOLDER.finditer(slot.template))
    return keys - CONTEXT_KEYS - {"key_chains", "as_of"}


PLACEHOLDER_KEYS = _placeholder_keys()
