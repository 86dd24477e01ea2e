"""The import's fast paths give what the slow ones give: the same records, the same history rows
and the same errors, word for word, whichever path a file takes.

- the column screen (``imports.engine.screen``) against ``clean_fields`` on every row;
- existing records read as plain rows against the ORM's instances;
- history rows copied by the server (``INSERT ... SELECT``) against history rows sent by COPY;
- the vectorised credit-code check against ``validate_credit_code``.

Each file is imported both ways from the same database state (a savepoint rolled back after
each), and the outcomes are compared whole.
"""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError

from bureau import batch as bulk
from bureau.validators import validate_credit_code
from enterprises.models import Enterprise
from imports.engine import pipeline
from imports.engine.pipeline import Importer, run_import
from imports.engine.screen import FieldScreen, credit_codes_failing
from tests.factories import EnterpriseFactory
from tests.imports.conftest import RECORD, code, import_outcome, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "乡镇（街道）", "所属产业", "规上工业企业", "成立日期"]
PLAIN_INIT = pipeline._plain_init
COPY_HISTORY = bulk._history


def _bad_code(n: int) -> str:
    good = code(n)
    return good[:17] + ("0" if good[17] != "0" else "1")


def _messy_rows() -> list[list]:
    """Good rows, a changed and an unchanged record, and one row for each kind of mistake."""
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    return [
        HEADER,
        [code(1), "甲公司", "城关街道", "铝电", "是", "2020-01-01"],
        [code(2), "乙公司", "370302001", "", "否", "2021/3/5"],
        [code(50), "已有公司（改名）", "城关街道", "铝电", "否", ""],  # changes a record
        [code(51), "已有公司二", "城关街道", "铝电", "否", ""],  # as it is: unchanged
        [_bad_code(3), "校验位错", "城关街道", "铝电", "否", ""],
        [code(4), "重复甲", "城关街道", "", "否", ""],
        [code(4), "重复乙", "城关街道", "", "否", ""],
        [code(5), "名" * 101, "城关街道", "", "否", ""],
        [code(6), "", "城关街道", "", "否", ""],
        [code(7), "日期不存在", "城关街道", "", "否", "2020-02-30"],
        [code(8), "成立在未来", "城关街道", "", "否", future],
        [code(9), "没有的乡镇", "不存在镇", "", "否", ""],
        [code(10), "太早", "城关街道", "", "否", "1850-01-01"],
        ["91370302MA0000IO0X", "非法字符", "城关街道", "", "否", ""],
        [code(11).lower(), "小写代码", "城关街道", "", "也许", ""],
        [code(12), "丙公司", "城关街道", "铝电", "是", "2019-12-31"],
    ]


def _existing(township, industry):
    EnterpriseFactory(credit_code=code(50), name="已有公司", township=township, industry=industry)
    EnterpriseFactory(
        credit_code=code(51),
        name="已有公司二",
        township=township,
        industry=industry,
        is_above_scale=False,
        founded_on=None,
        legal_representative="",
        contact_person="",
        contact_phone="",
        address="",
    )


def _outcome(data, *, fast: bool, monkeypatch, **kwargs) -> dict:
    """Import ``data`` one way or the other and roll it back: the result as the user sees it,
    the records and the history rows (without ids and timestamps, which differ between any
    two runs)."""
    monkeypatch.setattr(Importer, "screen_fields", fast)
    monkeypatch.setattr(pipeline, "_plain_init", PLAIN_INIT if fast else lambda model: False)
    monkeypatch.setattr(bulk, "_history", COPY_HISTORY if fast else _history_by_copy)
    return import_outcome(data, **kwargs)


def _history_by_copy(cursor, model, instances, *, history_type, user, reason, now):
    """The history rows as the importer wrote them before: formatted here, sent by COPY."""
    bulk._copy(
        cursor,
        *bulk._history_rows(
            model, instances, history_type=history_type, user=user, reason=reason, now=now
        ),
    )


def test_a_file_with_bad_rows_gets_the_same_errors_both_ways_and_writes_nothing(
    township, industry, monkeypatch
):
    _existing(township, industry)
    data = xlsx_bytes(_messy_rows())
    slow = _outcome(data, fast=False, monkeypatch=monkeypatch, dry_run=False)
    fast = _outcome(data, fast=True, monkeypatch=monkeypatch, dry_run=False)
    assert fast == slow
    summary = fast["summary"]
    assert not summary["written"] and fast["added"] == (0, 0)  # nothing half-written
    assert summary["counts"]["invalid"] == 11
    assert (summary["counts"]["changed"], summary["counts"]["unchanged"]) == (1, 1)
    messages = {(e["row"], e["column"]): e["message"] for e in summary["errors"]}
    assert "校验位错误" in messages[(6, "A")]
    assert "文件中有重复记录" in messages[(7, "A")] and "文件中有重复记录" in messages[(8, "A")]
    assert "不能超过100字" in messages[(9, "B")] or "100" in messages[(9, "B")]
    assert messages[(10, "B")] and "成立日期不能晚于今天" in messages[(12, "F")]
    assert "非法字符" in messages[(15, "A")]


def test_skipping_bad_rows_writes_the_same_records_and_history_both_ways(
    township, industry, monkeypatch, admin_user
):
    _existing(township, industry)
    data = xlsx_bytes(_messy_rows())
    kwargs = {"dry_run": False, "skip_invalid": True, "user": admin_user}
    slow = _outcome(data, fast=False, monkeypatch=monkeypatch, **kwargs)
    fast = _outcome(data, fast=True, monkeypatch=monkeypatch, **kwargs)
    assert fast == slow
    assert fast["summary"]["written"]
    assert fast["added"] == (3, 4)  # 甲 乙 丙 new; their three "+" rows and one "~" row
    history = {row[0]: row[-3:] for row in fast["history"] if row[-3] in "+~"}
    assert history[code(50)] == ("~", "Excel导入：名单.xlsx", admin_user.pk)
    assert history[code(1)] == ("+", "Excel导入：名单.xlsx", admin_user.pk)


def test_history_rows_copied_by_the_server_hold_the_records_columns(township, industry):
    data = xlsx_bytes(
        [HEADER]
        + [[code(n), f"企业{n}", "城关街道", "铝电", n % 2, "2020-01-01"] for n in range(30)]
    )
    assert run_import("enterprise", data, dry_run=False).written
    records = set(Enterprise.objects.values_list(*RECORD))
    assert set(Enterprise.history.filter(history_type="+").values_list(*RECORD)) == records
    assert Enterprise.history.count() == 30


def test_a_missing_column_is_refused_alike_both_ways(township, industry, monkeypatch):
    data = xlsx_bytes([["统一社会信用代码", "乡镇（街道）"], [code(1), "城关街道"]])
    slow = _outcome(data, fast=False, monkeypatch=monkeypatch, dry_run=False)
    fast = _outcome(data, fast=True, monkeypatch=monkeypatch, dry_run=False)
    assert fast == slow
    assert "企业名称" in fast["summary"]["file_error"] and fast["added"] == (0, 0)


def test_reimporting_an_export_changes_nothing_both_ways(township, industry, monkeypatch):
    for n in range(20):
        EnterpriseFactory(credit_code=code(n), name=f"企业{n}", township=township)
    rows = [HEADER] + [
        [e.credit_code, e.name, "城关街道", "", "是" if e.is_above_scale else "否", e.founded_on]
        for e in Enterprise.objects.all()
    ]
    rows[5][1] = "改了名字"
    data = xlsx_bytes(rows)
    slow = _outcome(data, fast=False, monkeypatch=monkeypatch, dry_run=False)
    fast = _outcome(data, fast=True, monkeypatch=monkeypatch, dry_run=False)
    assert fast == slow
    assert fast["summary"]["counts"]["changed"] >= 1 and fast["summary"]["written"]


# ---- the screen itself -----------------------------------------------------------------


def test_the_screen_proves_a_plain_valid_row_and_nothing_clean_fields_refuses(township):
    def enterprise(**values):
        fields = {"credit_code": code(1), "name": "甲公司", "township": township}
        return Enterprise(**{**fields, **values})

    valid = [enterprise(), enterprise(founded_on=datetime.date(2020, 1, 1), address="路1号")]
    refused = [
        enterprise(credit_code=_bad_code(1)),
        enterprise(credit_code=code(1)[:17]),
        enterprise(name=""),
        enterprise(name=None),
        enterprise(name="名" * 101),
        enterprise(contact_phone="1" * 31),
        enterprise(is_above_scale=None),
        enterprise(founded_on="2020-01-01"),  # not a date: to_python would convert it
        enterprise(credit_code=code(1).lower()),  # clean_fields normalises it: not proven
    ]
    screen = FieldScreen(Enterprise).prove(valid + refused)
    assert all(screen(obj, {"township"}) for obj in valid)
    for obj in refused:
        assert not screen(obj, {"township"}), obj.__dict__
    wrong = [obj for obj in refused[:-2] if _passes_clean_fields(obj)]
    assert wrong == []  # each refused row is one clean_fields refuses too


def _passes_clean_fields(obj) -> bool:
    try:
        obj.clean_fields(exclude={"township"})
    except ValidationError:
        return False
    return True


def test_the_vectorised_credit_code_check_never_passes_a_code_the_validator_refuses():
    rng = random.Random(20261130)
    noise = "0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZa -\x05中Ａ"
    codes = []
    for n in range(3000):
        chars = list(code(n))
        for _ in range(rng.randint(0, 2)):
            chars[rng.randrange(18)] = rng.choice(noise)
        text = "".join(chars)
        codes.append(text[: rng.randint(0, 20)] if rng.random() < 0.05 else text)
    codes += [None, 18, "", code(1), code(2)]
    failing = set(credit_codes_failing(codes))
    agree = 0
    for i, value in enumerate(codes):
        try:
            validate_credit_code(value)
            valid = type(value) is str and value == value.strip().upper()
        except (ValidationError, TypeError):
            valid = False
        assert not (i not in failing and not valid), value
        agree += (i in failing) != valid
    assert agree == len(codes)  # on stored (normalised) codes the two agree exactly
    assert len(failing) < len(codes) - 500  # and most of the sample is valid: both were tried
