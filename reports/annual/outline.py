"""The outline of the annual work report, after the sample (docs/sample_report.txt; the rules
this module follows are in docs/annual-report.md).

Each slot is one paragraph: a stable key, its kind, its section and how it is drafted, either a
template (syntax in ``drafting.py``) or a function of the draft context. Every kind of statement
of the sample has its counterpart here, filled from the records: figures from the indicator
registry, statuses (a talent project's stage, a platform's filing) from ``facts.py`` as of the
report's cut-off date, and the problems and plans from the figures, the targets and last year's
values. A slot whose draft is empty (a second paragraph of problems when there is one problem)
is left out of the draft.

The Chinese follows the bureau's documents: lists joined with 、, a list the records name only in
part ends in 等, rankings ordered and percentages to two decimals, titles in quotation marks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from platforms.models import CoverageMilestone, Level, Platform
from reports.annual import benefits as benefit_statements
from reports.annual.drafting import (
    CONTEXT_KEYS,
    PLACEHOLDER,
    DraftContext,
    fill,
    format_value,
    merge_segments,
)
from reports.annual.facts import TALENT_STATES
from reports.models import ReportParagraph
from talents.models import IntroProject

K = ReportParagraph.Kind
PS = Platform.Status
PK = Platform.Kind
NUMERALS = "一二三四五六七八九十"


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


# --- Helpers ------------------------------------------------------------------------------------


def _value(context: DraftContext, key: str):
    return context.value(key)


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
    """ "A、B2家", or "A、B等5家" when the records name fewer than the count."""
    names = _names(context, key)
    value = _value(context, key)
    joiner = "等" if value is not None and len(names) < value else ""
    return fill(f"{{{key}|names}}{joiner}{{{key}}}{unit}", context)


def _plain(text: str) -> dict:
    return {"text": text}


def _linked(context, key: str, text: str) -> dict:
    """``text`` as a segment linked to the records of figure ``key``."""
    figure = context.figures.get(key)
    if figure is None:
        return _plain(text)
    return {"text": text, "key": key, "label": figure.label, "url": figure.url}


def _number(context, key: str, spec: str | None = None) -> dict:
    """The value of ``key`` as a linked segment (the missing marker when it has none)."""
    return fill(f"{{{key}:{spec}}}" if spec else f"{{{key}}}", context)[0]


def join(items: list[str], *, limit: int | None = None, total: int | None = None) -> str:
    """Items joined with 、; "A、B、C等" when only the first ``limit`` of more are shown or the
    records name fewer than ``total``."""
    items = [item for item in items if item]
    shown = items[:limit] if limit else items
    more = len(shown) < len(items) or (total is not None and len(items) < total)
    return "、".join(shown) + ("等" if more else "")


def _quoted(title: str) -> str:
    """A title in quotation marks, so a title that holds 、 never reads as a list."""
    return f"“{title.strip('“”')}”"


def _month_day(value) -> str:
    """``2025-03-15`` -> ``3月15日``."""
    text = str(value or "")
    parts = text.split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return f"{int(parts[1])}月{int(parts[2])}日"
    return text


def _percent(value) -> str:
    return format_value(value, ".2f")


def _numbered(items: list[list[dict]], start: int = 0) -> list[dict]:
    """ "一是……。二是……。" from items that end without a full stop."""
    segments = []
    for number, item in enumerate(items, start=start):
        segments.append(_plain(f"{NUMERALS[number]}是"))
        segments += item
        segments.append(_plain("。"))
    return segments


def _facts(context, name: str) -> list:
    return list(context.facts.get(name) or [])


def _external(context, key: str) -> dict | None:
    return (context.facts.get("external") or {}).get(key)


def _city_source(context, key: str) -> str:
    """ "据鲁川市科学技术局通报（截至10月底）" for a figure received from the city."""
    figure = _external(context, key)
    if not figure:
        return ""
    source = figure.get("source") or "市级通报"
    as_of = figure.get("as_of")
    if as_of:
        month = int(as_of.split("-")[1])
        return f"据{source}（截至{month}月底）"
    return f"据{source}"


def _in_period(context) -> str:
    """ "全年" for a finished year, "截至10月底" for one in progress."""
    return "全年" if context.full_year else context.extra.get("as_of") or "截至目前"


# --- Title and opening --------------------------------------------------------------------------


def _title(context):
    name = context.extra.get("bureau_short_name") or f"{context.district}科技局"
    return [_plain(f"{name}{context.year}年度工作报告")]


def _opening(context):
    lead = f"{context.year}年，" if context.full_year else "今年以来，"
    close = "现将全年工作情况总结如下：" if context.full_year else "现将工作进展落实情况总结如下："
    return [
        _plain(
            f"{lead}区科技局认真对照全年工作计划，对标“争创一流、走在前列”目标要求，结合"
            "“十大改革攻坚行动”，按照区委区政府要求，扎实推进各项工作有序开展。" + close
        )
    ]


# --- （一） --------------------------------------------------------------------------------------


def _communities(context):
    segments = fill("结合我区产业实际，重点围绕{key_chains}等产业，", context)
    if not _none_or_positive(context, "community_applications"):
        return segments + fill(
            "谋划创新创业共同体建设，本年度暂无企业申报创新创业共同体。", context
        )
    segments += [_plain("组织"), *_listing(context, "community_applications", "家企业")]
    segments += fill("申报创新创业共同体", context)
    figure = context.figures.get("community_applications")
    details = figure.details if figure else []
    approved = [d["lead_enterprise"] for d in details if d.get("status") == "已备案"]
    rejected = [d["lead_enterprise"] for d in details if d.get("status") == "未通过"]
    results = []
    if approved:
        results.append(f"{join(approved)}牵头的共同体已获备案")
    if rejected:
        results.append(f"{join(rejected)}牵头的共同体未通过")
    if results:
        segments.append(_linked(context, "community_applications", "，其中" + "，".join(results)))
    return segments + [_plain("。")]


def _hitech(context):
    segments = fill(
        "组织我区{sme_registered}家企业完成科技型中小企业评价并入库，组织{hitech_applications}"
        "家企业申报高新技术企业，{hitech_certified}家通过认定。",
        context,
    )
    if _none_or_positive(context, "hitech_reserve"):
        # The 培育库's 后备高企 of the year, scored from the records (cultivation/).
        segments += fill("建立高新技术企业后备培育库，入库企业{hitech_reserve}家。", context)
    segments += fill("着力提升高新技术产业产值占规模以上工业产值比重，", context)
    period = f"{context.year}年" if context.full_year else context.extra.get("as_of") or "截至目前"
    segments += fill(
        f"{period}全区高新技术产业产值占规模以上工业产值比重{{hitech_output_share:.2f}}%", context
    )
    share, city = (
        _value(context, "hitech_output_share"),
        _external(context, "hitech_output_share_city"),
    )
    if share is not None and city:
        city_value = Decimal(city["value"])
        relation = "高于" if share > city_value else "低于" if share < city_value else "持平于"
        segments.append(
            _linked(
                context,
                "hitech_output_share_city",
                f"，{relation}全市{_percent(city_value)}%的平均水平",
            )
        )
    rank_source = _city_source(context, "hitech_output_share_rank")
    if _value(context, "hitech_output_share_rank") is not None:
        segments += [_plain(f"；{rank_source}，该项比重列全市第")]
        segments += [_number(context, "hitech_output_share_rank"), _plain("位。")]
    else:
        segments += fill("，列全市第{hitech_output_share_rank}位。", context)
    return segments


def _contracts(context):
    segments = fill(
        "不断强化研发投入强度，先后组织开展、参与研发投入业务培训{rd_trainings}次，"
        "开展送政策上门服务{policy_visits}次。认真开展技术合同登记，促进科技成果转化，",
        context,
    )
    period = "全年" if context.full_year else context.extra.get("as_of") or "截至目前"
    segments += fill(
        f"{period}完成技术合同登记{{tech_contract_count}}项，登记额{{tech_contract_amount:.2f}}亿元",
        context,
    )
    growth = _value(context, "tech_contract_growth")
    if growth is not None and growth < 0:
        # A fall reads "同比下降 3.5%", never "同比增长 -3.5%".
        segments += [
            _plain("，同比下降"),
            _linked(context, "tech_contract_growth", format_value(-growth, ".2f")),
            _plain("%"),
        ]
    else:
        segments += fill("，同比增长{tech_contract_growth:.2f}%", context)
    if _value(context, "tech_contract_growth_rank") is not None:
        source = _city_source(context, "tech_contract_growth_rank")
        segments += [_plain(f"；{source}，增幅列全市第")]
        segments += [_number(context, "tech_contract_growth_rank"), _plain("位。")]
    else:
        segments += fill("，增幅列全市第{tech_contract_growth_rank}位。", context)
    return segments


# --- （二） --------------------------------------------------------------------------------------


def _programmes(projects: list[dict]) -> str:
    """ "泰山产业领军人才工程6项（科技创业类2项、传统产业创新类3项）、市级人才工程1项": each
    scheme named once, its categories in brackets."""
    schemes: dict[str, dict[str, int]] = {}
    for project in projects:
        categories = schemes.setdefault(project["scheme"], {})
        categories[project["category"]] = categories.get(project["category"], 0) + 1
    parts = []
    ordered = sorted(schemes.items(), key=lambda item: -sum(item[1].values()))
    for scheme, categories in ordered:
        total = sum(categories.values())
        named = {c: n for c, n in categories.items() if c}
        inner = "、".join(f"{c}{n}项" for c, n in named.items())
        parts.append(f"{scheme}{total}项" + (f"（{inner}）" if inner else ""))
    return "、".join(parts)


TALENT_ORDER = [
    "selected",
    "publicity",
    "site_visit_passed",
    "site_visit",
    "defence_passed",
    "awaiting_defence",
    "online_review",
    "city_passed",
    "city_review",
    "recommended",
    "applied",
    "not_selected",
    "site_visit_failed",
    "defence_failed",
    "online_failed",
    "city_failed",
    "district_failed",
]
FAILED_STATES = {"defence_failed", "site_visit_failed", "online_failed", "city_failed"}


def _talents(context):
    projects = _facts(context, "talents")
    segments = fill(
        "组织{talent_applied_enterprises}家企业申报人才工程项目{talent_applied}项", context
    )
    if projects:
        segments.append(_linked(context, "talent_applied", f"，其中{_programmes(projects)}"))
    segments += fill("，{talent_city_review_passed}项通过市级评审。", context)
    # 科技创业类 and every other category of the provincial scheme, as the sample tells them.
    categories: dict[str, list[dict]] = {}
    for project in projects:
        if project["category"]:
            categories.setdefault(project["category"], []).append(project)
    if categories:
        parts = [
            f"{category}申报{len(rows)}项、通过市级评审{sum(r['city_passed'] for r in rows)}项"
            for category, rows in categories.items()
        ]
        scheme = next(p["scheme"] for p in projects if p["category"])
        segments.append(
            _linked(context, "talent_city_review_passed", f"{scheme}" + "，".join(parts) + "。")
        )
    by_state: dict[str, list[dict]] = {}
    for project in projects:
        by_state.setdefault(project["state"], []).append(project)
    # "已通过答辩，准备现场考察" is one state whether or not the site visit is scheduled.
    if "site_visit" in by_state:
        by_state.setdefault("defence_passed", [])[:0] = by_state.pop("site_visit")
    outcomes = []
    for state in TALENT_ORDER:
        rows = by_state.get(state)
        if not rows:
            continue
        names = join([r["candidate"] for r in rows])
        phrase = TALENT_STATES[state]
        if state in FAILED_STATES and len(rows) == 1 and rows[0]["date"]:
            phrase = f"{_month_day(rows[0]['date'])}{phrase}"
        outcomes.append(f"{names}的项目{phrase}")
    if outcomes:
        lead = "截至年底，" if context.full_year else f"{context.extra.get('as_of') or '目前'}，"
        segments.append(_linked(context, "talent_applied", lead + "；".join(outcomes) + "。"))
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
        elif context.full_year:
            tail = "，未完成全年{work_permits_issued|target}名的目标。"
        else:
            tail = "，全年目标为{work_permits_issued|target}名。"
    else:
        tail = "。"
    segments += fill(tail, context)
    projects = _facts(context, "intro_projects")
    if not projects:
        return segments + _either(
            context,
            "intro_projects",
            "申报外国专家引智成果示范推广项目{intro_projects}项。",
            "本年度暂未申报引智项目。",
        )
    status = dict(IntroProject.Status.choices)
    described = []
    for project in projects:
        experts = join(project["experts"])
        with_whom = f"与{experts}合作的" if experts else "的"
        described.append(
            f"{project['host']}{with_whom}{_quoted(project['title'])}项目"
            f"（{status.get(project['status'], project['status'])}）"
        )
    segments += fill("申报外国专家引智成果示范推广项目{intro_projects}项——", context)
    segments.append(_linked(context, "intro_projects", "；".join(described) + "。"))
    return segments


# --- （三） --------------------------------------------------------------------------------------


def _platform_rows(context, kind, level=None) -> list[dict]:
    return [
        row
        for row in _facts(context, "platforms")
        if row["kind"] == kind and (level is None or row["level"] == level)
    ]


def _filed(row: dict) -> str:
    """ "（鲁科字〔2025〕12号，6月22日）" of a recognised platform, when recorded."""
    parts = [
        row.get("document_number") or "",
        _month_day(row.get("recognised_on")) if row.get("recognised_on") else "",
    ]
    parts = [p for p in parts if p]
    return f"（{'，'.join(parts)}）" if parts else ""


def _maker_spaces(context):
    national = context.figures.get("maker_space_national")
    dates = [row.get("recognised_on") for row in (national.details if national else [])]
    dates = [d for d in dates if d]
    published = f"{context.year}年{_month_day(dates[0])}" if dates else f"{context.year}年"
    segments = _either(
        context,
        "maker_space_national",
        published
        + "科技部下文公布{year}年度国家级众创空间名单，我区{maker_space_national|names}在列。",
        "{year}年度我区暂无众创空间列入国家级众创空间名单。",
    )
    rows = [
        r
        for r in _platform_rows(context, PK.MAKER_SPACE, Level.PROVINCIAL)
        if r["status"] != PS.CULTIVATING
    ]
    if not rows:
        return segments + fill("本年度暂无众创空间申报省级备案。", context)
    segments += fill("组织", context)
    segments.append(
        _linked(context, "maker_space_provincial_applied", join([r["name"] for r in rows]))
    )
    segments += fill("申报备案省级众创空间", context)
    quota = _value(context, "maker_space_city_quota")
    quota_text = f"（全市共{format_value(quota)}家推荐名额）" if quota is not None else ""
    results = []
    recognised = [r for r in rows if r["status"] == PS.RECOGNISED]
    recommended = [r for r in rows if r["status"] == PS.RECOMMENDED]
    passed = [r for r in rows if r["status"] == PS.REVIEW_PASSED]
    rejected = [r for r in rows if r["status"] == PS.REJECTED]
    applied = [r for r in rows if r["status"] == PS.APPLIED]
    for row in recognised:
        results.append(
            f"{row['name']}通过专家评审并获推荐{quota_text}，已获省科技厅备案{_filed(row)}"
        )
        quota_text = ""
    if recommended:
        results.append(
            f"{join([r['name'] for r in recommended])}通过专家评审，已推荐至省科技厅评审{quota_text}"
        )
    if passed:
        results.append(f"{join([r['name'] for r in passed])}通过专家评审")
    if applied:
        results.append(f"{join([r['name'] for r in applied])}正在评审")
    if rejected:
        results.append(f"{join([r['name'] for r in rejected])}未通过评审")
    segments.append(
        _linked(context, "maker_space_provincial_passed", "，其中" + "；".join(results) + "。")
    )
    return segments


def _new_rd(context):
    rows = [
        r
        for r in _platform_rows(context, PK.NEW_RD)
        if r["status"] in (PS.RECOMMENDED, PS.RECOGNISED, PS.REJECTED)
    ]
    if not rows:
        return _either(
            context,
            "new_rd_recommended",
            "共推荐{new_rd_recommended}家。",
            "本年度暂未推荐备案省级新型研发机构。",
        )
    hosts = [r["host"] or r["name"] for r in rows]
    listing = "分别是" if len(rows) > 1 else "为"
    segments = fill("共推荐{new_rd_recommended}家，", context)
    segments.append(_linked(context, "new_rd_recommended", f"{listing}{join(hosts)}"))
    recognised = [r for r in rows if r["status"] == PS.RECOGNISED]
    rejected = [r for r in rows if r["status"] == PS.REJECTED]
    pending = [r for r in rows if r["status"] == PS.RECOMMENDED]
    results = []
    for row in recognised:
        results.append(
            f"{row['host'] or row['name']}（{row['name']}）已获省科技厅备案{_filed(row)}"
        )
    if rejected:
        results.append(f"{join([r['host'] or r['name'] for r in rejected])}未通过")
    if pending:
        who = join([r["host"] or r["name"] for r in pending]) if (recognised or rejected) else ""
        results.append(f"{who}备案结果省厅尚未公布")
    lead = "。其中" if len(rows) > 1 and (recognised or rejected) else "，"
    if len(rows) == 1:
        lead = "，"
        results = [r.replace(hosts[0], "", 1) if r.startswith(hosts[0]) else r for r in results]
    segments.append(_plain(lead + "，".join(results) + "。"))
    return segments


def _by_level(rows: list[dict]) -> dict[str, list[dict]]:
    levels: dict[str, list[dict]] = {}
    for row in rows:
        levels.setdefault(row["level_label"], []).append(row)
    return levels


def _platforms(context):
    segments: list[dict] = []
    upgraded = [r for r in _facts(context, "platforms") if r["upgraded"]]
    if upgraded:
        levels = _by_level(upgraded)
        level = next(iter(levels)) if len(levels) == 1 else ""
        split = (
            ""
            if level
            else "（" + "、".join(f"{lv}{len(rs)}处" for lv, rs in levels.items()) + "）"
        )
        listing = "分别是" if len(upgraded) > 1 else "为"
        segments += [
            _plain(f"完成{level}研发平台提质升级"),
            _number(context, "platforms_upgraded"),
            _plain(f"处{split}，{listing}"),
            _linked(context, "platforms_upgraded", join([r["host"] for r in upgraded])),
            _plain("。"),
        ]
    elif _value(context, "platforms_upgraded") is None:
        segments += fill("完成研发平台提质升级{platforms_upgraded}处。", context)
    applications = []
    recognised, rejected, pending = [], [], []
    for kind, key, label in (
        (PK.KEY_LAB, "key_lab_applications", "企业重点实验室"),
        (PK.INNOVATION_CENTRE, "innovation_centre_applications", "技术创新中心"),
    ):
        rows = [r for r in _platform_rows(context, kind) if r["status"] != PS.CULTIVATING]
        for level, level_rows in _by_level(rows).items():
            hosts = {r["host"] for r in level_rows}
            applications.append(_linked(context, key, f"{len(hosts)}家企业申报{level}{label}"))
            applications.append(_plain("、"))
        recognised += [r for r in rows if r["status"] == PS.RECOGNISED]
        rejected += [r for r in rows if r["status"] == PS.REJECTED]
        pending += [r for r in rows if r["status"] not in (PS.RECOGNISED, PS.REJECTED)]
    results = [f"{_quoted(r['name'])}获批{_filed(r)}" for r in recognised]
    if rejected:
        results.append(f"{join([_quoted(r['name']) for r in rejected])}未获批")
    if pending:
        results.append(f"{join([_quoted(r['name']) for r in pending])}评审结果尚未公布")
    if applications:
        segments += [_plain("组织"), *applications[:-1]]
        segments.append(_plain("，其中" + "，".join(results) + "。" if results else "。"))
    else:
        segments += fill(
            "本年度暂无企业申报企业重点实验室和技术创新中心"
            if _value(context, "key_lab_applications") == 0
            and _value(context, "innovation_centre_applications") == 0
            else "组织{key_lab_applications}家企业申报企业重点实验室，{innovation_centre_applications}家企业申报技术创新中心",
            context,
        )
        segments.append(_plain("。"))
    return segments


MILESTONE_KINDS = CoverageMilestone.Kind
MEETINGS = {
    str(MILESTONE_KINDS.MOBILISATION.label),
    str(MILESTONE_KINDS.DEPLOYMENT.label),
    str(MILESTONE_KINDS.TRAINING.label),
}
VERBS = ("召开", "在", "印发", "开展", "组织", "举办", "通过", "出台", "下发", "赴", "到", "对")
ISSUING_VERBS = ("印发", "出台", "下发")


def _milestone_text(row: dict, departments: str = "") -> str:
    """One step of the coverage campaign as the sample tells it: "3月5日，召开了……参加的动员
    会议" / "……作专题汇报，通过了《行动方案》"; a plan that was issued names its document once
    ("印发《……工作要点》", never "印发……方案，印发《……》")."""
    title = str(row.get("title") or "").strip()
    kind = str(row.get("kind") or "")
    document = str(row.get("document") or "").strip().strip("《》")
    if document and title.startswith(ISSUING_VERBS):
        return f"{_month_day(row.get('date'))}，{title[:2]}《{document}》"
    if kind in MEETINGS and not title.startswith(VERBS):
        participants = str(row.get("participants") or "").strip()
        title = f"召开{participants}参加的{title}" if participants else f"召开{title}"
    elif kind == str(MILESTONE_KINDS.INSPECTION.label) and not title.startswith(VERBS):
        title = f"开展{title}"
    if row.get("key_enterprises"):
        title += f"（{row['key_enterprises']}家重点企业参加）"
    if document:
        lead = {
            str(MILESTONE_KINDS.REPORT.label): "，通过了",
            str(MILESTONE_KINDS.DEPLOYMENT.label): "，会议传达了",
        }.get(kind, "，印发")
        title += f"{lead}《{document}》"
    if departments:
        title += f"，{departments}"
    return f"{_month_day(row.get('date'))}，{title}"


def _departments_text(context) -> str:
    """ "明确区发展和改革局、……4个部门帮包乡镇（街道）：区发展和改革局帮包城关街道、东山镇……"."""
    departments = _facts(context, "departments")
    if not departments:
        return ""
    pairs = "；".join(f"{d['name']}帮包{join(d['townships'])}" for d in departments)
    return f"明确{len(departments)}个部门帮包乡镇（街道）的任务分工（{pairs}）"


def _coverage_townships(context) -> list[tuple[str, Decimal]]:
    """Townships by coverage rate, highest first (ties in the breakdown's pinyin order: the
    sort is stable)."""
    figure = context.figures.get("coverage_rate")
    rates = [
        (name, Decimal(value))
        for name, value in (figure.breakdown if figure else {}).items()
        if value is not None
    ]
    return sorted(rates, key=lambda pair: -pair[1])


def _coverage(context):
    figure = context.figures.get("coverage_milestones")
    segments: list[dict] = []
    departments = _departments_text(context)
    if figure is not None and figure.details:
        deployment = str(MILESTONE_KINDS.DEPLOYMENT.label)
        has_deployment = any(str(row.get("kind")) == deployment for row in figure.details)
        for number, row in enumerate(figure.details):
            separator = "；" if number < len(figure.details) - 1 else "。"
            here = departments if str(row.get("kind")) == deployment else ""
            if here:
                departments = ""
            segments.append(_linked(context, "coverage_milestones", _milestone_text(row, here)))
            segments.append(_plain(separator))
        if departments and not has_deployment:
            segments.append(_plain(departments + "。"))
    elif figure is None or figure.value is None or figure.value:
        segments += fill("{coverage_milestones|names}。", context)
    period = "截至年底" if context.full_year else context.extra.get("as_of") or "目前"
    segments += fill(
        f"{period}，全区{{coverage_enterprises}}家规上工业企业中已建研发机构{{coverage_covered}}家，"
        "覆盖率{coverage_rate:.2f}%",
        context,
    )
    rate = context.figures.get("coverage_rate")
    if rate is not None and rate.value is not None and rate.target is not None:
        target = format_value(rate.target)
        done = "已完成" if rate.value >= rate.target else "低于"
        segments.append(_plain(f"，{done}全年{target}%的目标"))
    townships = _coverage_townships(context)
    if townships:
        text = "、".join(f"{name}{_percent(value)}%" for name, value in townships)
        segments += [_plain("；分乡镇（街道）看，"), _linked(context, "coverage_rate", text)]
    elif rate is None or rate.value is None:
        segments += fill("；分乡镇（街道）看，{coverage_rate|breakdown}", context)
    return segments + [_plain("。")]


def _poverty(context):
    segments = fill(
        "加强科技扶贫工作管理和自查，组织开展了科技扶贫自查评估工作，建立了科技扶贫督导推进长效"
        "常态机制，推动保障全区科技扶贫工作真抓紧、真见效。以科技扶贫服务队为主体，面向全区"
        "{key_villages}个扶贫工作重点村持续开展技术服务，",
        context,
    )
    villages, served = _value(context, "key_villages"), _value(context, "key_villages_served")
    period = "全年" if context.full_year else context.extra.get("as_of") or "今年已"
    segments += fill(
        f"{period}累计开展技术指导服务{{service_visits}}次、培训农民{{farmers_trained}}人次",
        context,
    )
    if villages is not None and served is not None and served >= villages > 0:
        segments.append(_linked(context, "key_villages_served", "，实现重点村技术服务全覆盖"))
    else:
        segments += fill("，服务覆盖{key_villages_served}个重点村", context)
    segments += fill(
        "。在扶贫重点村新建农科驿站{agri_stations_new}处，入选省科技扶贫示范基地"
        "{demo_bases_selected}处、省科技扶贫科技成果{achievements_selected}项。",
        context,
    )
    return segments


# --- 二、存在的主要问题 ------------------------------------------------------------------------------

# Figures where more is better: a fall from last year is a problem worth naming.
RISING = [
    "sme_registered",
    "hitech_applications",
    "hitech_certified",
    "hitech_output_share",
    "tech_contract_amount",
    "talent_applied",
    "work_permits_issued",
    "rd_trainings",
    "policy_visits",
    "service_visits",
    "agri_stations_new",
]
# Lines of work where nothing done in a year is worth naming.
WORK_LINES = {
    "community_applications": "企业申报创新创业共同体",
    "intro_projects": "申报外国专家引智项目",
    "maker_space_provincial_applied": "众创空间申报省级备案",
    "new_rd_recommended": "推荐省级新型研发机构",
    "key_lab_applications": "企业申报企业重点实验室",
    "innovation_centre_applications": "企业申报技术创新中心",
    "agri_stations_new": "新建农科驿站",
    "demo_bases_selected": "入选省科技扶贫示范基地",
}


def _amount(figure, value, *, exact: bool = True) -> str:
    """A value in its unit: percentages and 亿元 to two decimals; a target (``exact=False``) as
    it was set (75%, not 75.00%)."""
    spec = ".2f" if exact and figure.unit in ("%", "亿元") else None
    return f"{format_value(value, spec)}{figure.unit}"


def _missed_targets(context) -> list[dict] | None:
    items = []
    for key, figure in context.figures.items():
        if not _missed(figure):
            continue
        items.append(
            _linked(
                context,
                key,
                f"{figure.label}{_amount(figure, figure.value)}，"
                f"低于全年{_amount(figure, figure.target, exact=False)}"
                f"的目标",
            )
        )
    if not items:
        return None
    lead = "部分年度目标任务未完成：" if context.full_year else "部分年度目标任务进度滞后："
    return [_plain(lead), *_joined(items, "；")]


def _joined(items: list[dict], separator: str) -> list[dict]:
    out = []
    for number, item in enumerate(items):
        if number:
            out.append(_plain(separator))
        out.append(item)
    return out


def _missed(figure) -> bool:
    return figure.target is not None and figure.value is not None and figure.value < figure.target


def _fallen(context) -> list[dict] | None:
    items = []
    for key in RISING:
        figure = context.figures.get(key)
        if figure is None or figure.value is None or figure.previous is None or _missed(figure):
            continue  # a missed target is named once, with the targets
        now, before = Decimal(figure.value), Decimal(figure.previous)
        if now >= before:
            continue
        if figure.unit == "%":
            change = f"下降{_percent(before - now)}个百分点"
        else:
            change = f"减少{format_value(before - now, '.2f' if figure.unit == '亿元' else None)}{figure.unit}"
        than = "比上年" if context.full_year else "比上年同期"
        items.append(_linked(context, key, f"{figure.label}{_amount(figure, now)}，{than}{change}"))
    if not items:
        return None
    return [_plain("部分指标同比下降："), *_joined(items, "；")]


def _townships_behind(context) -> list[dict] | None:
    rate = _value(context, "coverage_rate")
    if rate is None:
        return None
    behind = [(name, value) for name, value in _coverage_townships(context) if value < rate]
    if not behind:
        return None
    behind.sort(key=lambda pair: pair[1])
    text = "、".join(f"{name}（{_percent(value)}%）" for name, value in behind)
    return [
        _plain("乡镇（街道）研发机构建设不平衡，全区覆盖率"),
        _number(context, "coverage_rate", ".2f"),
        _plain("%，"),
        _linked(context, "coverage_rate", text),
        _plain(f"{len(behind)}个乡镇（街道）低于全区水平"),
    ]


def _idle_lines(context) -> list[dict] | None:
    idle = [label for key, label in WORK_LINES.items() if _value(context, key) == 0]
    if not idle:
        return None
    return [_plain("部分工作尚无进展，本年度暂无" + "，暂无".join(idle))]


def _hitech_share_behind(context) -> list[dict] | None:
    share, city = (
        _value(context, "hitech_output_share"),
        _external(context, "hitech_output_share_city"),
    )
    if share is None or not city or share >= Decimal(city["value"]):
        return None
    return [
        _plain("高新技术产业比重偏小，全区高新技术产业产值占规上工业产值比重"),
        _number(context, "hitech_output_share", ".2f"),
        _linked(
            context,
            "hitech_output_share_city",
            f"%，低于全市{_percent(Decimal(city['value']))}%的平均水平",
        ),
    ]


def _low_success(context) -> list[dict] | None:
    """Provincial platforms and talent projects that fell out, named, when any did."""
    fell = [
        r
        for r in _facts(context, "platforms")
        if r["status"] == PS.REJECTED and r["level"] in (Level.PROVINCIAL, Level.NATIONAL)
    ]
    talents = [
        t for t in _facts(context, "talents") if t["state"] in FAILED_STATES | {"not_selected"}
    ]
    if not fell and not talents:
        return None
    parts = []
    if fell:
        parts.append(f"{len(fell)}个省级平台申报未通过（{join([r['name'] for r in fell])}）")
    if talents:
        parts.append(
            f"{len(talents)}个人才工程项目未能入选（{join([t['candidate'] for t in talents])}）"
        )
    return [_plain("省级平台和人才工程申报难度大，" + "，".join(parts))]


PROBLEMS = [
    _missed_targets,
    _fallen,
    _hitech_share_behind,
    _townships_behind,
    _low_success,
    _idle_lines,
    benefit_statements.problem,
]


def problems(context) -> list[list[dict]]:
    """The problems the figures show, most important first."""
    return [item for finder in PROBLEMS if (item := finder(context))]


def _problems_first(context):
    found = problems(context)
    if not found:
        return [
            _plain("对照年度目标和上年同期，各项指标均已完成或有所增长。"),
            {
                "text": "【待补充：存在的主要问题】",
                "key": "problems",
                "label": "存在的主要问题",
                "missing": True,
            },
        ]
    return _numbered(found[:1])


def _problems_rest(context):
    return _numbered(problems(context)[1:], start=1)


# --- 三、下一步工作计划 ------------------------------------------------------------------------------


# The words every plan sentence uses for an aim that is not simply the recorded target: the
# same wherever it appears, so a reader (and a test) can tell a raised target from a proposal.
ABOVE_TARGET = "（高于{target}{unit}的年度目标）"
PROPOSED = "（未录入{year}年目标，此为建议值：不低于今年水平）"


def _plan_figure(context, key: str, unit: str, *, suffix: str = "以上") -> list[dict]:
    """Next year's aim for ``key``, always said against the recorded target:

    - the target, quoted (and linked), when it is at least this year's result;
    - this year's result when it is above the target, saying so: "（高于N家的年度目标）";
    - without a recorded target, this year's result as a proposal, saying it is one (``PROPOSED``);
    - without either, a blank asking for the target."""
    target = context.targets.get(key)
    figure = context.figures.get(key)
    achieved = figure.value if figure is not None else None
    spec = ".2f" if unit in ("%", "亿元") else None
    if target is not None and target.value is not None:
        if achieved is None or target.value >= achieved:
            full = unit == "%" and target.value >= 100  # "达到100%", not "100%以上"
            return [
                _linked_target(context, key, format_value(target.value)),
                _plain(f"{unit}{'' if full else suffix}"),
            ]
        why = ABOVE_TARGET.format(target=format_value(target.value), unit=unit)
        return [
            _linked(context, key, format_value(achieved, spec)),
            _plain(f"{unit}{suffix}"),
            _linked_target(context, key, why),
        ]
    if not achieved:  # nothing to hold the aim to: the target is asked for
        return fill(f"{{@{key}}}{unit}{suffix}", context)
    return [
        _linked(context, key, format_value(achieved, spec)),
        _plain(f"{unit}{suffix}{PROPOSED.format(year=context.next_year)}"),
    ]


def _linked_target(context, key: str, text: str) -> dict:
    target = context.targets[key]
    return {"text": text, "key": key, "label": target.label, "url": target.url}


def _plan_platforms(context):
    return [
        _plain(
            "鼓励引导企业加大研发投入，建设技术创新中心、重点实验室、工程技术研究中心、院士工作站、"
            f"新型研发机构、众创空间等人才平台载体，{context.next_year}年确保新增市级以上创新平台不低于"
        ),
        *_plan_figure(context, "new_platforms_city_and_above", "家", suffix=""),
        _plain("。"),
    ]


def _plan_hitech(context):
    return [
        *fill(
            "继续做好科技型中小企业入库评价工作，在今年{sme_registered}家企业入库的基础上，",
            context,
        ),
        _plain(f"{context.next_year}年完成"),
        *_plan_figure(context, "sme_registered", "家"),
        _plain("企业入库。全力跟进"),
        *_plan_figure(context, "hitech_applications", "家", suffix=""),
        _plain(f"拟申报高企的辅导服务工作，确保{context.next_year}年高企认定通过"),
        *_plan_figure(context, "hitech_certified", "家"),
        _plain("。"),
    ]


def _plan_talents(context):
    segments = [
        _plain("围绕全区产业、企业发展实际需要帮助企业联系对接专业对口的高校院所、高层次人才。")
    ]
    waiting = [
        t
        for t in _facts(context, "talents")
        if t["state"]
        in (
            "awaiting_defence",
            "online_review",
            "defence_passed",
            "site_visit",
            "site_visit_passed",
            "publicity",
            "city_passed",
            "city_review",
        )
    ]
    if waiting:
        segments.append(
            _linked(
                context,
                "talent_applied",
                f"跟进{join([t['candidate'] for t in waiting])}的项目后续评审，",
            )
        )
    segments.append(
        _plain(
            f"组织企业做好{context.next_year}年度泰山产业领军人才工程申报和答辩、现场考察准备工作"
        )
    )
    if "work_permits_issued" in context.targets or _value(context, "work_permits_issued"):
        segments += [
            _plain("，全年办理外国人来华工作许可"),
            *_plan_figure(context, "work_permits_issued", "人"),
        ]
    return segments + [_plain("，确保人才工作取得新成绩。")]


def _plan_coverage(context):
    segments = [_plain("一是加强指导督导，狠抓工作落实，积极帮助解决企业研发机构建设中存在的困难")]
    rate = _value(context, "coverage_rate")
    behind = [
        name for name, value in _coverage_townships(context) if rate is not None and value < rate
    ]
    if behind:
        behind_sorted = sorted(
            ((name, value) for name, value in _coverage_townships(context) if value < rate),
            key=lambda pair: pair[1],
        )
        segments.append(
            _linked(
                context,
                "coverage_rate",
                f"，重点督促{join([n for n, _v in behind_sorted], limit=3)}覆盖率低于全区水平的乡镇（街道）",
            )
        )
    segments += [
        _plain(f"，{context.next_year}年全区规上工业企业研发机构覆盖率达到"),
        *_plan_figure(context, "coverage_rate", "%"),
    ]
    return segments + [_plain("。")]


OUTLINE: list[Slot] = [
    Slot("title", K.TITLE, "title", _title),
    Slot("opening", K.BODY, "opening", _opening),
    Slot("work", K.HEADING1, "work", "一、主要工作开展情况"),
    Slot("work.1", K.HEADING2, "work", "（一）积极培育创新主体"),
    Slot("work.1.1", K.HEADING3, "work", "一是谋划创新创业共同体建设"),
    Slot("work.1.1.body", K.BODY, "work", _communities),
    Slot("work.1.2", K.HEADING3, "work", "二是组织做好高新技术企业申报和科技型中小企业评价"),
    Slot("work.1.2.body", K.BODY, "work", _hitech),
    Slot("work.1.3", K.HEADING3, "work", "三是加强研发投入和科技成果转化"),
    Slot("work.1.3.body", K.BODY, "work", _contracts),
    Slot("work.1.3.benefits", K.BODY, "work", benefit_statements.work_sentence),
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
    Slot("work.4.body", K.BODY, "work", _poverty),
    Slot("problems", K.HEADING1, "problems", "二、存在的主要问题"),
    Slot("problems.1", K.BODY, "problems", _problems_first),
    Slot("problems.2", K.BODY, "problems", _problems_rest),
    Slot("plans", K.HEADING1, "plans", "三、下一步工作计划"),
    Slot("plans.1", K.HEADING2, "plans", "（一）继续加强人才平台载体建设"),
    Slot("plans.1.body", K.BODY, "plans", _plan_platforms),
    Slot("plans.2", K.HEADING2, "plans", "（二）切实做好高新技术企业申报认定和培育工作"),
    Slot("plans.2.body", K.BODY, "plans", _plan_hitech),
    Slot("plans.3", K.HEADING2, "plans", "（三）扎实做好科技合作、招才引智工作"),
    Slot("plans.3.body", K.BODY, "plans", _plan_talents),
    Slot("plans.4", K.HEADING2, "plans", "（四）狠抓惠企政策落实"),
    Slot("plans.4.body", K.BODY, "plans", benefit_statements.plan),
    Slot("plans.5", K.HEADING2, "plans", "（五）重点抓好规上工业企业研发机构全覆盖工作"),
    Slot("plans.5.body", K.BODY, "plans", _plan_coverage),
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
    "hitech_reserve",
    "hitech_output_share",
    "hitech_output_share_city",
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
    "work_permits_issued",
    "intro_projects",
    "maker_space_national",
    "maker_space_provincial_applied",
    "maker_space_provincial_passed",
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
} | benefit_statements.KEYS


def _placeholder_keys() -> set[str]:
    """Indicator keys named by the outline's plain templates (the functions name theirs in
    ``USED_INDICATOR_KEYS``)."""
    keys = set()
    for slot in OUTLINE:
        if isinstance(slot.template, str):
            keys.update(match["key"] for match in PLACEHOLDER.finditer(slot.template))
    return keys - CONTEXT_KEYS - {"key_chains", "as_of"}


PLACEHOLDER_KEYS = _placeholder_keys()
