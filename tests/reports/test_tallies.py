"""The dashboard's summaries (reports.tallies): the district's figures read from them are the
figures the records give, before and after every kind of write, and keeping them costs a
refresh of the changed townships only, in a number of queries that does not grow with the data.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bureau.services import record_delete, record_save
from bureau.services import records_written_tell as rewritten
from enterprises.models import Enterprise, SmeEvaluation
from poverty.models import ServiceVisit
from reports import selectors, summaries, tallies
from reports.indicators import compute_many
from reports.models import Tally, TallyDirty, TallyState
from tests import factories as f
from tests.reports.test_indicators import Y, _mixed_data

pytestmark = pytest.mark.django_db
YEARS = range(Y - 4, Y + 2)


def _figures(settings, tallied: bool) -> dict:
    settings.INDICATOR_TALLIES = tallied
    values = compute_many(YEARS, detail_year=Y)
    return {
        (year, key): (value.value, value.breakdown)
        for year, by_key in values.items()
        for key, value in by_key.items()
    }


def _dashboard(settings, tallied: bool) -> dict:
    settings.INDICATOR_TALLIES = tallied
    data = selectors.build_dashboard(Y, today=datetime.date(Y, 11, 30))
    data.pop("generated_at")
    return data


def assert_summaries_match_records(settings):
    from_summaries = _figures(settings, True)
    from_records = _figures(settings, False)
    assert from_summaries == from_records
    assert _dashboard(settings, True) == _dashboard(settings, False)
    settings.INDICATOR_TALLIES = True


@pytest.fixture
def data(township, other_township):
    _mixed_data(township, other_township, n=2)
    return township, other_township


def test_the_district_s_figures_read_from_summaries_are_the_records_figures(settings, data):
    assert_summaries_match_records(settings)
    # The figures were not all zero: the comparison compared something.
    figures = _figures(settings, True)
    assert figures[(Y, "sme_registered")][0] == 4
    assert figures[(Y, "sme_registered")][1] == {data[0].name: 2, data[1].name: 2}
    assert Tally.objects.filter(summary=summaries.VISITS_BY_MONTH.name).exists()


def test_every_kind_of_write_keeps_them(settings, data, staff_user):
    township, other_township = data
    assert_summaries_match_records(settings)
    built = dict(TallyState.objects.values_list("summary", "built_at"))

    # An enterprise moves township: its records count in the other one from now on.
    firm = Enterprise.objects.filter(township=township, is_above_scale=True).first()
    firm.township = other_township
    record_save(instance=firm, user=staff_user)
    assert_summaries_match_records(settings)

    # A record's own field changes; a new record by a factory (the admin's way: a plain save).
    evaluation = SmeEvaluation.objects.filter(enterprise__township=other_township).first()
    evaluation.status = SmeEvaluation.Status.REJECTED
    record_save(instance=evaluation, user=staff_user)
    f.SmeEvaluationFactory(enterprise__township=township, year=Y)
    f.YearlyFigureFactory(enterprise__township=other_township, year=Y - 1)
    assert_summaries_match_records(settings)

    # Deletes: one record, and an enterprise with the records that go with it.
    record_delete(instance=ServiceVisit.objects.first(), user=staff_user)
    doomed = f.EnterpriseFactory(township=township, is_above_scale=True)
    f.RdCoverageFactory(enterprise=doomed, has_institution=True)
    assert_summaries_match_records(settings)
    doomed.rd_coverage.all().delete()  # a queryset delete still sends the signals
    doomed.yearly_figures.all().delete()  # its classification of the ledger's year
    doomed.delete()
    assert_summaries_match_records(settings)

    # None of these rebuilt a summary: each refreshed the townships it changed.
    assert dict(TallyState.objects.values_list("summary", "built_at")) == built
    assert not TallyDirty.objects.exists()


def test_a_bulk_write_that_bypasses_the_models_says_so(settings, data):
    assert_summaries_match_records(settings)
    SmeEvaluation.objects.update(status=SmeEvaluation.Status.REJECTED)  # no signal
    assert _figures(settings, True) != _figures(settings, False)  # the summary cannot know
    rewritten(SmeEvaluation)  # what records_bulk_write tells after its COPY
    assert_summaries_match_records(settings)


def test_a_refresh_reads_the_changed_townships_only(data, staff_user):
    township, other_township = data
    tallies.fresh(tallies.all_summaries().values())
    summary = summaries.for_group((SmeEvaluation, "year", False))[0]
    f.SmeEvaluationFactory(enterprise__township=township, year=Y)
    assert set(TallyDirty.objects.values_list("summary", "township")) >= {
        (summary.name, township.pk)
    }
    with CaptureQueriesContext(connection) as queries:
        tallies.fresh([summary])
    reads = [q["sql"] for q in queries if 'FROM "enterprises_smeevaluation"' in q["sql"]]
    assert len(reads) == 1
    assert f'"township_id" IN ({township.pk})' in reads[0]


def test_a_refresh_costs_the_same_queries_for_one_change_or_many(township, other_township):
    _mixed_data(township, other_township, n=1)
    every = list(tallies.all_summaries().values())
    tallies.fresh(every)

    _mixed_data(township, other_township, n=2)  # a change to every summary, as below
    with CaptureQueriesContext(connection) as few:
        tallies.fresh(every)
    _mixed_data(township, other_township, n=4)
    for i in range(3):
        extra = f.TownshipFactory(code=f"370302{240 + i}", name=f"新乡{i}")
        _mixed_data(extra, township, n=1)
    with CaptureQueriesContext(connection) as many:
        tallies.fresh(every)
    assert len(few) == len(many)

    with CaptureQueriesContext(connection) as clean:
        tallies.fresh(every)
    assert len(clean) == 1  # nothing changed: one query says so


def test_a_write_rolled_back_leaves_no_mark(data):
    tallies.fresh(tallies.all_summaries().values())
    with pytest.raises(RuntimeError), transaction.atomic():
        f.SmeEvaluationFactory(enterprise__township=data[0], year=Y)
        assert TallyDirty.objects.exists()
        raise RuntimeError
    assert not TallyDirty.objects.exists()


def test_a_changed_definition_rebuilds_its_summary(data):
    summary = summaries.for_group((SmeEvaluation, "year", False))[0]
    tallies.fresh([summary])
    changed = tallies.Summary(summary.name, summary.model, summary.aggregates, year=summary.year)
    assert changed.signature != summary.signature  # the condition is gone
    tallies.fresh([changed])
    state = TallyState.objects.get(summary=summary.name)
    assert state.signature == changed.signature
    counted = tallies.totals([changed], [Y])[summary.name][Y]
    assert counted["sme_registered__n"] == 4  # rebuilt from the records with the new query


def test_the_rebuild_command_builds_every_summary_again(data):
    tallies.fresh(tallies.all_summaries().values())
    Tally.objects.all().delete()  # lost, as after a restore of an older partial copy
    call_command("tallies_rebuild", verbosity=0)
    assert set(Tally.objects.values_list("summary", flat=True)) == {
        name
        for name, summary in tallies.all_summaries().items()
        if summary.compute()  # a summary with no records has no rows
    }


def test_past_so_many_marks_a_summary_is_rebuilt_whole(settings, monkeypatch, data):
    township, other_township = data
    assert_summaries_match_records(settings)
    summary = summaries.for_group((SmeEvaluation, "year", False))[0]
    built = TallyState.objects.get(summary=summary.name).built_at
    monkeypatch.setattr(tallies, "MARKS_REFRESHED", 3)
    for _ in range(3):
        f.SmeEvaluationFactory(enterprise__township=township, year=Y)
        f.SmeEvaluationFactory(enterprise__township=other_township, year=Y - 1)
    assert_summaries_match_records(settings)
    assert TallyState.objects.get(summary=summary.name).built_at > built
    assert not TallyDirty.objects.exists()


def test_an_import_written_by_copy_shows_in_the_district_s_figures(
    settings, data, tmp_path, staff_user
):
    """The import writes enterprises and their yearly figures by COPY (no model signals) and
    says so; the 规上 population of the coverage campaign counts them on the next read, from the
    year they are classified 规上 in (their yearly figures), not from their registration."""
    from openpyxl import Workbook

    from imports.engine.pipeline import run_import

    assert_summaries_match_records(settings)
    before = _figures(settings, True)[(Y, "coverage_enterprises")][0]
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "乡镇（街道）", "规上工业企业"])
    for i, code in enumerate([f.valid_credit_code(900_001), f.valid_credit_code(900_002)]):
        sheet.append([code, f"导入规上企业{i}", data[0].name, "是"])
    path = tmp_path / "enterprises.xlsx"
    book.save(path)
    result = run_import("enterprise", path, dry_run=False, user=staff_user)
    assert result.written, result.file_error or result.errors
    assert_summaries_match_records(settings)
    assert _figures(settings, True)[(Y, "coverage_enterprises")][0] == before

    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "年度", "销售收入（万元）"])
    for code in (f.valid_credit_code(900_001), f.valid_credit_code(900_002)):
        sheet.append([code, Y, 3000])
    path = tmp_path / "figures.xlsx"
    book.save(path)
    result = run_import("enterpriseyearlyfigure", path, dry_run=False, user=staff_user)
    assert result.written, result.file_error or result.errors
    assert_summaries_match_records(settings)
    assert _figures(settings, True)[(Y, "coverage_enterprises")][0] == before + 2


def test_with_a_worker_a_bulk_write_has_the_summaries_rebuilt_after_its_commit(
    settings, monkeypatch, data, django_capture_on_commit_callbacks
):
    """Not in the next request: the worker rebuilds them once the write commits, one task
    however many models the write told of; inline (no broker) the next read does."""
    from reports import tasks

    assert_summaries_match_records(settings)
    queued = []
    monkeypatch.setattr(tasks.refresh_tallies, "apply_async", lambda **kw: queued.append(1))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks(execute=True):
        SmeEvaluation.objects.update(status=SmeEvaluation.Status.REJECTED)
        rewritten(SmeEvaluation)
        rewritten(Enterprise)
    assert queued == [1]
    tasks.refresh_tallies.run()  # what the worker does with it
    assert not TallyDirty.objects.exists()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert_summaries_match_records(settings)
    with django_capture_on_commit_callbacks(execute=True):
        rewritten(SmeEvaluation)
    assert queued == [1]  # inline: left to the next read
