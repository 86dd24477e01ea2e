"""New rows are written while the file is still being validated (``Importer._stream_write``):
the COPY takes each chunk of valid new rows as soon as it is checked. Whatever happens, the
outcome is the one the import gives when it writes after validating everything: the same
records, history rows and errors word for word, and nothing written when any row is refused,
however many rows had already been sent to PostgreSQL.

Each file is imported both ways from the same database state (a savepoint rolled back after
each, so the comparison sees the rows a run wrote before it is undone), with chunks of two rows
so that a small file streams in several pieces.
"""

import datetime

import pytest
from django.db import connection

from bureau import batch as bulk
from enterprises.models import Enterprise
from imports.engine.pipeline import Importer
from tests.factories import EnterpriseFactory
from tests.imports.conftest import code, import_outcome, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "企业名称", "乡镇（街道）", "所属产业", "规上工业企业", "成立日期"]
FUTURE = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


def _good(n: int) -> list:
    return [code(n), f"企业{n}", "城关街道", "铝电", "是" if n % 2 else "否", "2020-01-01"]


def _outcome(data, *, stream: bool, monkeypatch, **kwargs) -> dict:
    """Import ``data`` streaming or not and roll it back: the result as the user sees it, the
    records and history rows the run left (without ids and timestamps)."""
    monkeypatch.setattr(Importer, "stream_rows", stream)
    monkeypatch.setattr(Importer, "stream_chunk", 2)
    return import_outcome(data, **kwargs)


@pytest.fixture
def sent(monkeypatch):
    """What the COPY had been handed (characters) each time a chunk began to be validated."""
    handed = {"chars": 0, "at_validate": []}
    read = bulk._LazyCopy.read
    validate = Importer._validate

    def counting_read(self, size=-1):
        text = read(self, size)
        handed["chars"] += len(text)
        return text

    def noting_validate(self, rows):
        handed["at_validate"].append(handed["chars"])
        return validate(self, rows)

    monkeypatch.setattr(bulk._LazyCopy, "read", counting_read)
    monkeypatch.setattr(Importer, "_validate", noting_validate)
    return handed


def _bad_code(n: int) -> str:
    good = code(n)
    return good[:17] + ("0" if good[17] != "0" else "1")


def test_a_bad_last_row_after_chunks_were_streamed_writes_nothing_and_says_everything(
    township, industry, monkeypatch, sent
):
    rows = [HEADER] + [_good(n) for n in range(1, 9)]
    rows[4][0] = _bad_code(4)  # row 5: the check digit
    rows[6][5] = FUTURE  # row 7
    rows.append([code(9), "最后一行", "城关街道", "铝电", "否", FUTURE])  # row 10, the last
    data = xlsx_bytes(rows)
    plain = _outcome(data, stream=False, monkeypatch=monkeypatch, dry_run=False)
    sent["at_validate"].clear()
    streamed = _outcome(data, stream=True, monkeypatch=monkeypatch, dry_run=False)
    assert streamed == plain
    # it did stream: rows were with PostgreSQL before the last chunk was checked
    assert len(sent["at_validate"]) == 5 and sent["at_validate"][-1] > 0
    summary = streamed["summary"]
    assert not summary["written"] and streamed["added"] == (0, 0)
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [(5, "A"), (7, "F"), (10, "F")]
    assert "校验位" in summary["errors"][0]["message"]


def test_a_row_refused_before_any_validation_blocks_the_file_without_streaming(
    township, industry, monkeypatch, sent
):
    rows = [HEADER] + [_good(n) for n in range(1, 6)]
    rows[2][5] = "2020-02-30"  # row 3: no such date, found reading the cell
    rows[4][5] = FUTURE  # row 5
    data = xlsx_bytes(rows)
    plain = _outcome(data, stream=False, monkeypatch=monkeypatch, dry_run=False)
    streamed = _outcome(data, stream=True, monkeypatch=monkeypatch, dry_run=False)
    assert streamed == plain
    assert [(e["row"], e["column"]) for e in streamed["summary"]["errors"]] == [(3, "F"), (5, "F")]
    assert sent["chars"] == 0 and streamed["added"] == (0, 0)


def test_a_bad_last_row_found_only_while_streaming_rolls_back_rows_already_in_the_table(
    township, industry, monkeypatch, sent
):
    rows = [HEADER] + [_good(n) for n in range(1, 10)]
    rows.append([code(10), "最后一行", "城关街道", "铝电", "否", FUTURE])  # row 11
    data = xlsx_bytes(rows)
    plain = _outcome(data, stream=False, monkeypatch=monkeypatch, dry_run=False)
    sent["at_validate"].clear()
    streamed = _outcome(data, stream=True, monkeypatch=monkeypatch, dry_run=False)
    assert streamed == plain
    summary = streamed["summary"]
    assert not summary["written"] and streamed["added"] == (0, 0)
    assert summary["counts"]["invalid"] == 1 and summary["counts"]["new"] == 9
    assert summary["errors"] == [
        {"row": 11, "column": "F", "header": "成立日期", "message": "成立日期不能晚于今天。"}
    ]
    assert sent["at_validate"][-1] > 0  # nine rows were sent before row 11 was checked
    assert not Enterprise.objects.filter(credit_code=code(1)).exists()


def test_streamed_rows_and_history_are_those_written_after_validating(
    township, industry, monkeypatch, admin_user, sent
):
    EnterpriseFactory(credit_code=code(50), name="已有公司", township=township, industry=industry)
    rows = [HEADER] + [_good(n) for n in range(1, 8)]
    rows.insert(4, [code(50), "已有公司（改名）", "城关街道", "铝电", "否", ""])
    data = xlsx_bytes(rows)
    kwargs = {"dry_run": False, "user": admin_user}
    plain = _outcome(data, stream=False, monkeypatch=monkeypatch, **kwargs)
    sent["chars"] = 0
    streamed = _outcome(data, stream=True, monkeypatch=monkeypatch, **kwargs)
    assert streamed == plain
    assert streamed["summary"]["written"] and streamed["added"] == (7, 8)
    assert sent["chars"] > 0
    history = {row[0]: row[-3:] for row in streamed["history"] if row[-3] in "+~"}
    assert history[code(50)] == ("~", "Excel导入：名单.xlsx", admin_user.pk)
    assert history[code(7)] == ("+", "Excel导入：名单.xlsx", admin_user.pk)


def test_skipping_invalid_rows_while_streaming_writes_the_valid_ones_only(
    township, industry, monkeypatch
):
    rows = [HEADER] + [_good(n) for n in range(1, 9)]
    rows[3][5] = FUTURE  # row 4
    # row 6 repeats row 4's code: valid by itself, so streamed, and found only by the file's
    # uniqueness check after the COPY; the COPY is rolled back and the valid rows written again
    rows[5] = [code(3), "重复", "城关街道", "铝电", "否", ""]
    rows.append(_good(20)[:5] + [FUTURE])  # row 10
    data = xlsx_bytes(rows)
    kwargs = {"dry_run": False, "skip_invalid": True}
    plain = _outcome(data, stream=False, monkeypatch=monkeypatch, **kwargs)
    streamed = _outcome(data, stream=True, monkeypatch=monkeypatch, **kwargs)
    assert streamed == plain
    assert streamed["summary"]["written"]
    assert streamed["summary"]["counts"]["invalid"] == 3
    assert streamed["added"] == (6, 6)  # rows 2, 3, 5, 7, 8, 9
    assert [e["row"] for e in streamed["summary"]["errors"]] == [4, 4, 6, 10]


def test_a_validation_that_queries_falls_back_to_validating_first(
    township, industry, monkeypatch, sent
):
    """A ``clean()`` reading the database cannot run while the connection streams a COPY: the
    COPY is rolled back and the file takes the path without streaming, with the same result."""
    clean = Enterprise.clean
    queried = []

    def clean_reading_others(self):
        queried.append(Enterprise.objects.filter(credit_code=self.credit_code).exists())
        return clean(self)

    monkeypatch.setattr(Enterprise, "clean", clean_reading_others)
    data = xlsx_bytes([HEADER] + [_good(n) for n in range(1, 8)])
    plain = _outcome(data, stream=False, monkeypatch=monkeypatch, dry_run=False)
    streamed = _outcome(data, stream=True, monkeypatch=monkeypatch, dry_run=False)
    assert streamed == plain
    assert streamed["summary"]["written"] and streamed["added"] == (7, 7)
    assert queried.count(False) == 14  # every row checked once each way; none found itself


def test_a_copy_refused_by_the_database_falls_back_to_validating_first(
    township, industry, monkeypatch
):
    """A row the checks take for new but the table's unique index refuses (here: the lookup of
    existing records made blind to one) stops the COPY; the file then takes the path without
    streaming, which answers as it always has: the write refused, nothing written."""
    EnterpriseFactory(credit_code=code(3), name="已有", township=township, industry=industry)
    existing = Importer._existing

    def blind(self, attname, values):
        return [obj for obj in existing(self, attname, values) if obj.credit_code != code(3)]

    monkeypatch.setattr(Importer, "_existing", blind)
    data = xlsx_bytes([HEADER] + [_good(n) for n in range(1, 8)])

    def attempt(stream):
        try:
            return _outcome(data, stream=stream, monkeypatch=monkeypatch, dry_run=False)
        except Exception as error:  # noqa: BLE001 - compared: both ways must fail alike
            return type(error).__name__

    plain = attempt(False)
    streamed = attempt(True)
    assert streamed == plain
    assert "写入数据库时发生冲突" in plain["summary"]["file_error"] and plain["added"] == (0, 0)
    assert Enterprise.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # the connection is usable after the refused COPY


def test_a_dry_run_never_streams(township, industry, monkeypatch, sent):
    data = xlsx_bytes([HEADER] + [_good(n) for n in range(1, 6)])
    outcome = _outcome(data, stream=True, monkeypatch=monkeypatch, dry_run=True)
    assert outcome["added"] == (0, 0) and outcome["summary"]["counts"]["new"] == 5
    assert sent["chars"] == 0
