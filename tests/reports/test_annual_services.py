"""Drafting, editing, refreshing, versions and approval of the annual report."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from reports.annual import services
from reports.models import AnnualReport, ReportVersion
from tests import factories as f
from tests.reports.annual_data import YEAR, approve, build_year

pytestmark = pytest.mark.django_db


def texts(version: ReportVersion) -> dict[str, str]:
    return {p.key: p.text for p in version.paragraphs.order_by("position")}


def latest(report: AnnualReport) -> ReportVersion:
    return report.versions.order_by("-number").first()


@pytest.fixture
def drafted(staff_user):
    build_year()
    return services.report_create(year=YEAR, user=staff_user)


def test_the_first_draft_fills_every_figure_of_the_sample_from_the_records(drafted):
    version = drafted.versions.get()
    text = "\n".join(texts(version).values())
    assert version.number == 1
    assert texts(version)["title"] == f"区科技局{YEAR}年度工作报告"
    assert "【待补充" not in text
    for expected in (
        "组织德通交通器材制造有限公司1家企业申报创新创业共同体",
        "组织我区3家企业完成科技型中小企业评价并入库，组织2家企业申报高新技术企业，1家通过认定",
        # A finished year says what happened; the city's rank says whose figure it is.
        "2025年全区高新技术产业产值占规模以上工业产值比重33.33%，低于全市40.50%的平均水平；"
        "据市科技局通报（截至9月底），该项比重列全市第3位",
        # Only trainings on R&D input count, not the 高企申报 one.
        "研发投入业务培训2次，开展送政策上门服务3次",
        "登记额1.50亿元，同比增长50.00%；据市科技局通报，增幅列全市第1位",
        "其中泰山产业领军人才工程2项（传统产业创新类2项），2项通过市级评审",
        "泰山产业领军人才工程传统产业创新类申报2项、通过市级评审2项",
        "截至年底，王教授的项目已通过答辩，准备现场考察；李博士的项目已通过网络初评（会评），等待答辩",
        "为2名外国专家办理了外国人来华工作许可证，超过全年1名的目标",
        "“草莓新品种引进、高效种植及加工新技术研发”项目（已申报）",
        "我区通享文化众创空间在列",
        "其中正泰科创众创空间通过专家评审，已推荐至省科技厅评审（全市共5家推荐名额）；"
        "鸿远众创空间正在评审",
        "共推荐1家，为德通交通器材制造有限公司，备案结果省厅尚未公布",
        "完成市级研发平台提质升级1处，为德通交通器材制造有限公司",
        "组织1家企业申报市级企业重点实验室、1家企业申报市级技术创新中心",
        "3月12日，召开区直有关部门、各乡镇（街道）参加的规上工业企业研发机构全覆盖动员会议",
        "全区2家规上工业企业中已建研发机构1家，覆盖率50.00%",
        "新建农科驿站1处，入选省科技扶贫示范基地1处、省科技扶贫科技成果1项",
        f"{YEAR + 1}年确保新增市级以上创新平台不低于3家",
        f"{YEAR + 1}年完成5家以上企业入库",
    ):
        assert expected in text, expected
    # The problems come from the figures: a missed target, then the share below the city's.
    assert texts(version)["problems.1"] == (
        "一是部分年度目标任务未完成：科技型中小企业评价入库3家，低于全年10家的目标。"
    )
    assert texts(version)["problems.2"].startswith("二是高新技术产业比重偏小")


def test_a_year_without_records_marks_each_missing_figure(staff_user):
    report = services.report_create(year=YEAR, user=staff_user)
    body = texts(report.versions.get())["work.1.2.body"]
    assert "【待补充：高新技术产业产值占规上工业产值比重】" in body
    assert "【待补充：高新技术产业产值占比全市位次】" in body
    assert "组织我区0家企业完成科技型中小企业评价" in body  # a count of nothing is a real 0


def test_editing_a_paragraph_saves_a_new_version_and_keeps_the_old(drafted, staff_user):
    new = services.report_paragraph_update(
        report=drafted, user=staff_user, base=1, key="problems.1", text="一是企业创新意识不强。"
    )
    assert new.number == 2
    assert texts(new)["problems.1"] == "一是企业创新意识不强。"
    assert texts(drafted.versions.get(number=1))["problems.1"].startswith("一是部分年度目标")
    same = services.report_paragraph_update(
        report=drafted, user=staff_user, base=2, key="problems.1", text="一是企业创新意识不强。"
    )
    assert same.number == 2  # nothing changed, no new version


def test_an_edit_made_on_an_older_version_is_refused(drafted, staff_user):
    services.report_paragraph_update(
        report=drafted, user=staff_user, base=1, key="problems.1", text="第一次修改。"
    )
    with pytest.raises(ValidationError, match="v2"):
        services.report_paragraph_update(
            report=drafted, user=staff_user, base=1, key="problems.2", text="过时的修改。"
        )


def test_refreshing_keeps_edited_paragraphs_and_redrafts_the_others(drafted, staff_user):
    services.report_paragraph_update(
        report=drafted, user=staff_user, base=1, key="work.1.3.body", text="培训次数由我们手写。"
    )
    for _ in range(4):
        f.SmeEvaluationFactory()
    refreshed = services.report_refresh_figures(report=drafted, user=staff_user, base=2)
    assert refreshed.number == 3
    assert texts(refreshed)["work.1.3.body"] == "培训次数由我们手写。"
    assert "组织我区7家企业完成科技型中小企业评价" in texts(refreshed)["work.1.2.body"]
    assert "保留 1 段" in refreshed.summary


def test_resetting_a_paragraph_drops_the_edit(drafted, staff_user):
    services.report_paragraph_update(
        report=drafted, user=staff_user, base=1, key="work.4.body", text="手写的扶贫段落。"
    )
    reset = services.report_paragraph_reset(
        report=drafted, user=staff_user, base=2, key="work.4.body"
    )
    paragraph = reset.paragraphs.get(key="work.4.body")
    assert not paragraph.is_edited
    assert "技术指导服务2次" in paragraph.text


def test_staff_add_and_remove_paragraphs_of_their_own(drafted, staff_user):
    added = services.report_paragraph_insert(
        report=drafted,
        user=staff_user,
        base=1,
        after="problems.2",
        kind="body",
        text="五是科技服务机构数量少。",
    )
    keys = list(texts(added))
    custom = keys[keys.index("problems.2") + 1]
    assert custom.startswith("custom-") and texts(added)[custom] == "五是科技服务机构数量少。"
    removed = services.report_paragraph_delete(report=drafted, user=staff_user, base=2, key=custom)
    assert custom not in texts(removed)
    with pytest.raises(ValidationError):
        services.report_paragraph_delete(report=drafted, user=staff_user, base=3, key="title")


def test_an_approved_version_is_read_only_and_a_revision_starts_a_new_one(
    drafted, staff_user, leader_user
):
    version = approve(drafted.versions.get(), staff=staff_user, leader=leader_user)
    assert version.approved_by == leader_user and version.is_approved
    with pytest.raises(PermissionDenied):
        services.report_paragraph_update(
            report=drafted, user=staff_user, base=1, key="problems.1", text="审定后又改。"
        )
    with pytest.raises(PermissionDenied):
        services.report_refresh_figures(report=drafted, user=staff_user, base=None)
    revision = services.report_version_restore(version=version, user=staff_user)
    assert revision.number == 2 and not revision.is_approved
    services.report_paragraph_update(
        report=drafted, user=staff_user, base=2, key="problems.1", text="修订稿中的修改。"
    )
    version.refresh_from_db()
    assert version.is_approved
    assert texts(version)["problems.1"].startswith("一是部分年度目标")


def test_a_version_with_missing_figures_cannot_be_approved(staff_user, leader_user):
    report = services.report_create(year=YEAR, user=staff_user)
    services.report_submit(report=report, user=staff_user, base=1)
    with pytest.raises(ValidationError, match="待补充"):
        services.report_version_approve(version=report.versions.get(), user=leader_user)


def test_leaders_approve_but_do_not_edit_and_staff_do_not_approve(
    drafted, staff_user, leader_user, liaison_user
):
    version = drafted.versions.get()
    with pytest.raises(PermissionDenied):
        services.report_version_approve(version=version, user=staff_user)
    with pytest.raises(PermissionDenied):
        services.report_paragraph_update(
            report=drafted, user=leader_user, base=1, key="problems.1", text="领导改稿。"
        )
    with pytest.raises(PermissionDenied):
        services.report_create(year=YEAR - 1, user=liaison_user)
    with pytest.raises(PermissionDenied):
        services.report_version_approve(version=version, user=liaison_user)


def test_build_report_renders_the_approved_version(drafted, staff_user, leader_user, tmp_path):
    approve(drafted.versions.get(), staff=staff_user, leader=leader_user)
    services.report_version_restore(version=drafted.versions.get(number=1), user=staff_user)
    services.report_paragraph_update(
        report=drafted, user=staff_user, base=2, key="problems.1", text="未审定的修订。"
    )
    version = services.report_document_version(year=YEAR)
    assert version.number == 1
    out = tmp_path / "report.docx"
    call_command("build_report", year=YEAR, out=str(out))
    assert out.stat().st_size > 10_000


def test_build_report_without_a_report_drafts_one_and_saves_nothing(tmp_path):
    build_year()
    version = services.report_document_version(year=YEAR)
    assert version.pk is None
    assert version.draft_paragraphs[0].text == f"区科技局{YEAR}年度工作报告"
    assert not AnnualReport.objects.exists()
