"""The rules a record must satisfy, whichever way it is entered."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bureau.services import record_save
from bureau.validators import (
    credit_code_check_char,
    normalise_credit_code,
    validate_credit_code,
    validate_year,
)
from enterprises.models import Enterprise, HiTechApplication
from platforms.models import RdCoverage
from talents.models import TalentStage
from tests import factories as f


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "53640000MJX173680A", " 91350100m000100y43 "]
)
def test_valid_credit_codes_pass(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y4Z", "校验位错误：第18位应为“3”"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100YO3", "非法字符“O”"),
    ],
)
def test_bad_credit_codes_are_rejected_in_chinese(code, message):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert message in error.value.messages[0]


def test_check_char_matches_the_standard_examples():
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert credit_code_check_char("53640000MJX173680") == "A"


def test_credit_code_is_stored_upper_case(db, township):
    enterprise = Enterprise(credit_code=" 91350100m000100y43", name="甲公司", township=township)
    record_save(instance=enterprise)
    assert Enterprise.objects.get().credit_code == "91350100M000100Y43"
    assert normalise_credit_code("9135 0100m000100y43") == "91350100M000100Y43"


def test_credit_code_is_unique_per_enterprise(db, township):
    record_save(
        instance=Enterprise(credit_code="91350100M000100Y43", name="甲公司", township=township)
    )
    with pytest.raises(ValidationError) as error:
        record_save(
            instance=Enterprise(credit_code="91350100m000100y43", name="乙公司", township=township)
        )
    assert "已存在" in str(error.value)


@pytest.mark.parametrize("year", [1999, datetime.date.today().year + 6])
def test_years_out_of_range_are_rejected(year):
    with pytest.raises(ValidationError, match="年度应在"):
        validate_year(year)


def test_amounts_cannot_be_negative(db, township):
    figure = f.YearlyFigureFactory.build(
        enterprise=f.EnterpriseFactory(township=township), rd_expense=-1
    )
    with pytest.raises(ValidationError) as error:
        record_save(instance=figure)
    assert "rd_expense" in error.value.message_dict


def test_hitech_certificate_expires_three_years_after_issue(db):
    application = f.HiTechApplicationFactory.build(
        enterprise=f.EnterpriseFactory(),
        status=HiTechApplication.Status.CERTIFIED,
        certificate_number="GR202537000001",
        issued_on=datetime.date(2025, 12, 1),
    )
    record_save(instance=application)
    assert application.expires_on == datetime.date(2028, 12, 1)


def test_certified_application_needs_certificate(db):
    application = f.HiTechApplicationFactory.build(
        enterprise=f.EnterpriseFactory(), status=HiTechApplication.Status.CERTIFIED
    )
    with pytest.raises(ValidationError) as error:
        record_save(instance=application)
    assert set(error.value.message_dict) == {"certificate_number", "issued_on"}


def test_talent_stages_must_follow_in_order(db):
    project = f.TalentProjectFactory()
    with pytest.raises(ValidationError, match="第一个环节应为"):
        record_save(
            instance=TalentStage(
                project=project, step=TalentStage.Step.DEFENCE, date=datetime.date(2025, 5, 1)
            )
        )
    record_save(
        instance=TalentStage(
            project=project,
            step=TalentStage.Step.DISTRICT,
            date=datetime.date(2025, 3, 1),
            result="passed",
        )
    )
    with pytest.raises(ValidationError, match="环节日期"):
        record_save(
            instance=TalentStage(
                project=project, step=TalentStage.Step.CITY_REVIEW, date=datetime.date(2025, 2, 1)
            )
        )
    record_save(
        instance=TalentStage(
            project=project,
            step=TalentStage.Step.CITY_REVIEW,
            date=datetime.date(2025, 4, 1),
            result="failed",
        )
    )
    with pytest.raises(ValidationError, match="前一环节未通过"):
        record_save(
            instance=TalentStage(
                project=project, step=TalentStage.Step.DEFENCE, date=datetime.date(2025, 6, 1)
            )
        )


def test_coverage_only_for_above_scale_industrial_enterprises(db):
    small = f.EnterpriseFactory(is_above_scale=False)
    with pytest.raises(ValidationError, match="规上工业企业"):
        record_save(instance=RdCoverage(enterprise=small, year=2025))


def test_liaison_cannot_save_a_record_of_another_township(db, liaison_user, other_township):
    enterprise = Enterprise(
        credit_code="91350100M000100Y43", name="甲公司", township=other_township
    )
    with pytest.raises(PermissionDenied, match="本乡镇"):
        record_save(instance=enterprise, user=liaison_user)
    assert not Enterprise.objects.exists()


def test_wrong_credit_code_in_the_form_shows_the_chinese_error(staff_client, township):
    response = staff_client.post(
        "/enterprises/enterprise/new/",
        {"credit_code": "91350100M000100Y4Z", "name": "错误代码公司", "township": township.pk},
    )
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_liaison_form_offers_only_own_township(liaison_client, township, other_township):
    form = liaison_client.get("/enterprises/enterprise/new/").context["form"]
    assert list(form.fields["township"].queryset) == [township]
    response = liaison_client.post(
        "/enterprises/enterprise/new/",
        {"credit_code": "91350100M000100Y43", "name": "越界公司", "township": other_township.pk},
    )
    assert response.status_code == 200 and not Enterprise.objects.exists()
