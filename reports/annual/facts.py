"""The statements of the annual report that name a status, read from the records as of the
report's cut-off date.

A figure counts records; a statement says where each one stands ("罗浩燕的项目已入选",
"福嘉科创众创空间已获省科技厅备案"). Each reads the records at the cut-off: a talent project
stands at its latest stage dated on or before it, and a platform recognised after it was, on that
day, still recommended. The result is plain JSON, kept on the version beside the figures, so a
saved version reads the same after the records change.

The cut-off of a finished year is its last day; of the year in progress, the end of the last
full month ("截至10月底"), or today in January.
"""

import calendar
import datetime

from django.db.models import Prefetch, Q

from bureau.collation import Pinyin
from bureau.models import Department, ExternalFigure
from platforms.models import Level, Platform
from reports.annual.benefits import facts as benefit_facts
from talents.models import IntroProject, TalentProject, TalentStage

Step = TalentStage.Step
Result = TalentStage.Result
PS = Platform.Status
PK = Platform.Kind


def report_cutoff(year: int, today: datetime.date) -> datetime.date:
    """The date the report of ``year`` speaks as of."""
    if year < today.year:
        return datetime.date(year, 12, 31)
    if today.month == 1:
        return today
    month = today.month - 1
    return datetime.date(today.year, month, calendar.monthrange(today.year, month)[1])


def is_full_year(year: int, cutoff: datetime.date) -> bool:
    return cutoff == datetime.date(year, 12, 31)


def as_of_phrase(year: int, cutoff: datetime.date) -> str:
    """ "截至10月底" for a year in progress; "" for a finished year (it says what happened)."""
    if is_full_year(year, cutoff):
        return ""
    last_day = calendar.monthrange(cutoff.year, cutoff.month)[1]
    if cutoff.day == last_day:
        return f"截至{cutoff.month}月底"
    return f"截至{cutoff.month}月{cutoff.day}日"


# --- Talent projects ---------------------------------------------------------------------------

# Where a project stands, from its latest stage and that stage's result. The order is the order
# the report tells them in: outcomes first, then those still under way, then those that fell out.
TALENT_STATES = {
    "selected": "已入选",
    "publicity": "已进入公示",
    "site_visit_passed": "已通过现场考察",
    "site_visit": "已通过答辩，准备现场考察",
    "defence_passed": "已通过答辩，准备现场考察",
    "awaiting_defence": "已通过网络初评（会评），等待答辩",
    "online_review": "正在进行网络初评（会评）",
    "city_passed": "已通过市级评审",
    "city_review": "正在进行市级评审",
    "recommended": "已由区级推荐，等待市级评审",
    "applied": "已申报，等待区级推荐",
    "not_selected": "最终未入选",
    "site_visit_failed": "未通过现场考察",
    "defence_failed": "未通过答辩",
    "online_failed": "未通过网络初评（会评）",
    "city_failed": "未通过市级评审",
    "district_failed": "未获区级推荐",
}


def _talent_state(step: int | None, result: str | None) -> str:
    passed = result == Result.PASSED
    failed = result == Result.FAILED
    if step is None:
        return "applied"
    if step == Step.FINAL:
        return "selected" if result == Result.SELECTED else "not_selected"
    if step == Step.PUBLICITY:
        return "publicity"
    if step == Step.SITE_VISIT:
        return "site_visit_passed" if passed else "site_visit_failed" if failed else "site_visit"
    if step == Step.DEFENCE:
        return "defence_passed" if passed else "defence_failed" if failed else "awaiting_defence"
    if step in (Step.ONLINE_REVIEW, Step.PANEL_REVIEW):
        return "awaiting_defence" if passed else "online_failed" if failed else "online_review"
    if step == Step.CITY_REVIEW:
        return "city_passed" if passed else "city_failed" if failed else "city_review"
    return "district_failed" if failed else "recommended"


def talent_projects(year: int, cutoff: datetime.date) -> list[dict]:
    """Every talent project of ``year`` with where it stood at ``cutoff``."""
    stages = TalentStage.objects.filter(date__lte=cutoff).order_by("step")
    projects = (
        TalentProject.objects.filter(year=year)
        .select_related("enterprise")
        .prefetch_related(Prefetch("stages", queryset=stages, to_attr="stages_then"))
        .order_by("programme", Pinyin("candidate"), "pk")
    )
    labels = dict(TalentProject.Programme.choices)
    out = []
    for project in projects:
        latest = project.stages_then[-1] if project.stages_then else None
        programme = str(labels.get(project.programme, project.programme))
        scheme, _dot, category = programme.partition("·")
        out.append(
            {
                "candidate": project.candidate,
                "enterprise": project.enterprise.name,
                "programme": project.programme,
                "scheme": scheme,
                "category": category,
                "title": project.title,
                "state": _talent_state(
                    latest.step if latest else None, latest.result if latest else None
                ),
                "date": latest.date.isoformat() if latest else None,
                "city_passed": any(
                    s.step == Step.CITY_REVIEW and s.result == Result.PASSED
                    for s in project.stages_then
                ),
            }
        )
    return out


# --- Platforms ---------------------------------------------------------------------------------


def _platform_status(platform: Platform, cutoff: datetime.date) -> str:
    """The status on the cut-off day: one recognised later was still recommended then."""
    if (
        platform.status == PS.RECOGNISED
        and platform.recognised_on is not None
        and platform.recognised_on > cutoff
    ):
        return PS.RECOMMENDED
    return platform.status


def platforms(year: int, cutoff: datetime.date) -> list[dict]:
    """The platforms of ``year`` the report names: maker spaces, new R&D institutions, key
    labs and innovation centres, and those upgraded; with their status at ``cutoff``."""
    kinds = [PK.MAKER_SPACE, PK.NEW_RD, PK.KEY_LAB, PK.INNOVATION_CENTRE]
    rows = Platform.objects.filter(Q(kind__in=kinds) | Q(upgraded=True), year=year)
    rows = rows.select_related("host")
    out = []
    for platform in rows.order_by("kind", "level", "name", "pk"):
        status = _platform_status(platform, cutoff)
        recognised = status == PS.RECOGNISED
        out.append(
            {
                "name": platform.name,
                "host": platform.host.name if platform.host_id else "",
                "kind": platform.kind,
                "level": platform.level,
                "level_label": str(Level(platform.level).label) if platform.level else "",
                "status": status,
                "document_number": platform.document_number if recognised else "",
                "recognised_on": (
                    platform.recognised_on.isoformat()
                    if recognised and platform.recognised_on
                    else None
                ),
                "upgraded": platform.upgraded,
            }
        )
    return out


# --- Other statements --------------------------------------------------------------------------


def intro_projects(year: int) -> list[dict]:
    projects = (
        IntroProject.objects.filter(year=year)
        .select_related("host")
        .prefetch_related("experts")
        .order_by(Pinyin("title"))
    )
    out = []
    for project in projects:
        # The free-text names describe an expert best ("以色列草莓育种专家Eitan Cohen"); a
        # registered expert they already name is not named twice.
        experts = [project.expert_names] if project.expert_names else []
        experts += [
            f"{e.nationality}专家{e.name}"
            for e in project.experts.all()
            if e.name not in project.expert_names
        ]
        out.append(
            {
                "title": project.title,
                "host": project.host.name,
                "experts": experts,
                "status": project.status,
            }
        )
    return out


def departments() -> list[dict]:
    """The departments that take charge of (帮包) townships in the coverage campaign."""
    out = []
    for department in Department.objects.prefetch_related("townships").order_by(Pinyin("name")):
        names = [t.name for t in sorted(department.townships.all(), key=lambda t: t.code)]
        if names:
            out.append({"name": department.name, "townships": names})
    return out


def external(year: int) -> dict:
    """Figures received from the city, with their source and date, by key."""
    return {
        figure.key: {
            "value": str(figure.value.normalize()),
            "source": figure.source,
            "as_of": figure.as_of.isoformat() if figure.as_of else None,
        }
        for figure in ExternalFigure.objects.filter(year=year)
    }


def collect(year: int, cutoff: datetime.date) -> dict:
    return {
        "cutoff": cutoff.isoformat(),
        "full_year": is_full_year(year, cutoff),
        "talents": talent_projects(year, cutoff),
        "platforms": platforms(year, cutoff),
        "intro_projects": intro_projects(year),
        "departments": departments(),
        "external": external(year),
        "benefits": benefit_facts(year, cutoff),
    }
