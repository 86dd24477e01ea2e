"""Benchmark: importing enterprises from .xlsx, the portal's pipeline beside django-import-export
with its default options, django-import-export tuned, and a bare COPY of the same rows (the
floor), on the same file in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench/import_bench.py [--rows 50000] [--default-rows 1000]

It works in its own database (``bench_import`` beside ``DATABASE_URL``'s, rebuilt each run,
``scripts/bench/benchdb.py``), generates an .xlsx of ``--rows`` new enterprises (50,000 by
default), then measures, in this order:

1. the pipeline: ``manage.py import_excel enterprise FILE --json`` as a child process (its peak
   memory is read; the command reports the seconds of the import itself, so the process's
   start-up, Django's set-up, is reported apart): parse with python-calamine, every rule and
   permission (``record_prepare``), write with COPY plus a history row per record;
2. the same file again: every row unchanged, nothing written;
3. a bare COPY of the rows the pipeline wrote, into the emptied table (the floor), then with
   their history rows as well; and what the search's GIN indexes cost that COPY (it timed
   with and without them, dropped in a transaction rolled back);
4. django-import-export tuned as a team would tune it (``use_bulk``, ``skip_diff``,
   ``force_init_instance``, ``batch_size``; foreign keys read by name through
   ``CachedForeignKeyWidget``-style maps), the file read by tablib, into the emptied table;
5. django-import-export with its default options on the first ``--default-rows`` rows
   (extrapolated: it does about 30 rows a second, 50,000 would take half an hour).

Figures are wall-clock seconds of each import on this machine in this run; the ratios compare
them. Neither import-export run writes history rows or runs ``full_clean`` (its default,
kept), so neither checks the credit code's check digit, the dates' bounds or any permission:
the pipeline does all of it.
"""

import argparse
import datetime
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchdb import bench_database_url, ensure_database  # noqa: E402 - beside this script

TOWNSHIPS = 12
INDUSTRIES = ("铝电", "汽车零部件", "新型环保建材")
HEADERS = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "township": "乡镇（街道）",
    "industry": "所属产业",
    "is_above_scale": "规上工业企业",
    "founded_on": "成立日期",
    "legal_representative": "法定代表人",
    "contact_person": "联系人",
    "contact_phone": "联系电话",
    "address": "地址",
}


def generate(path: Path, rows: int, townships: list[str]) -> float:
    """An .xlsx as staff would receive it: a header, dates as dates."""
    from openpyxl import Workbook  # noqa: PLC0415

    from tests.factories import valid_credit_code  # noqa: PLC0415

    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业名单")
    sheet.append(list(HEADERS.values()))
    base = datetime.date(2000, 1, 1)
    for i in range(rows):
        sheet.append(
            [
                valid_credit_code(i),
                f"山东测试{i}新材料有限公司",
                townships[i % len(townships)],
                INDUSTRIES[i % 3],
                i % 2,
                base + datetime.timedelta(days=i % 9000),
                f"张{i % 100}",
                f"李{i % 77}",
                f"139{i:08d}",
                f"工业路{i}号",
            ]
        )
    workbook.save(path)
    return time.perf_counter() - started


def run_command(path: Path, env: dict) -> tuple[dict, float]:
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "import_excel",
            "enterprise",
            str(path),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"import_excel failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout[completed.stdout.index("{") :]), wall


def startup_seconds(env: dict) -> float:
    """A child process that sets Django up and stops: what every command pays before it works."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def resources():
    """The two django-import-export resources: defaults, and tuned."""
    from import_export import fields, resources, widgets  # noqa: PLC0415

    from bureau.models import Industry, Township  # noqa: PLC0415
    from enterprises.models import Enterprise  # noqa: PLC0415

    class MappedForeignKeyWidget(widgets.ForeignKeyWidget):
        """A foreign key by name from one dictionary read once, as a tuned resource does
        instead of a query per cell."""

        def __init__(self, model, field="name", **kwargs):
            super().__init__(model, field=field, **kwargs)
            self.by_name = None

        def clean(self, value, row=None, **kwargs):
            if self.by_name is None:
                self.by_name = {getattr(o, self.field): o for o in self.model.objects.all()}
            return self.by_name.get(value) if value else None

    def columns(foreign_key):
        return {
            "credit_code": fields.Field("credit_code", HEADERS["credit_code"]),
            "name": fields.Field("name", HEADERS["name"]),
            "township": fields.Field("township", HEADERS["township"], foreign_key(Township)),
            "industry": fields.Field("industry", HEADERS["industry"], foreign_key(Industry)),
            "is_above_scale": fields.Field(
                "is_above_scale", HEADERS["is_above_scale"], widgets.BooleanWidget()
            ),
            "founded_on": fields.Field("founded_on", HEADERS["founded_on"], widgets.DateWidget()),
            **{
                name: fields.Field(name, HEADERS[name])
                for name in ("legal_representative", "contact_person", "contact_phone", "address")
            },
        }

    def foreign_key_by_name(model):
        return widgets.ForeignKeyWidget(model, "name")

    default = type(
        "DefaultEnterpriseResource",
        (resources.ModelResource,),
        {
            **columns(foreign_key_by_name),
            "Meta": type(
                "Meta",
                (),
                {
                    "model": Enterprise,
                    "import_id_fields": ("credit_code",),
                    "fields": tuple(HEADERS),
                },
            ),
        },
    )
    tuned = type(
        "TunedEnterpriseResource",
        (resources.ModelResource,),
        {
            **columns(MappedForeignKeyWidget),
            "Meta": type(
                "Meta",
                (),
                {
                    "model": Enterprise,
                    "import_id_fields": ("credit_code",),
                    "fields": tuple(HEADERS),
                    "use_bulk": True,
                    "batch_size": 1000,
                    "skip_diff": True,
                    "force_init_instance": True,  # the file holds new records only
                    "skip_unchanged": False,
                    "report_skipped": False,
                    "use_transactions": True,
                },
            ),
        },
    )
    return default, tuned


def import_export(resource_class, path: Path, limit: int | None) -> dict:
    import tablib  # noqa: PLC0415

    started = time.perf_counter()
    dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    loaded = time.perf_counter() - started
    if limit and limit < len(dataset):
        head = tablib.Dataset(headers=dataset.headers)
        for row in dataset[:limit]:
            head.append(row)
        dataset = head
    importing = time.perf_counter()
    result = resource_class().import_data(dataset, dry_run=False)
    if result.has_errors() or result.has_validation_errors():
        sys.exit(f"{resource_class.__name__} reported errors")
    return {"load": loaded, "import": time.perf_counter() - importing, "rows": len(dataset)}


def empty(*models) -> None:
    from django.db import connection  # noqa: PLC0415

    tables = ", ".join(m._meta.db_table for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")


def bare_copy(model, history) -> tuple[float, float]:
    """COPY the rows now in the tables out, empty the tables, and time COPY putting them back
    (with the commit, when the deferred foreign keys are checked): the record table alone,
    then the record and history tables. Leaves the buffers in ``bare_copy.buffers``."""
    from django.db import connection, transaction  # noqa: PLC0415

    buffers = {}
    with connection.cursor() as cursor:
        for m in (model, history):
            buffers[m] = io.StringIO()
            cursor.copy_expert(f"COPY {m._meta.db_table} TO STDOUT", buffers[m])
    timings = []
    for tables in ((model,), (model, history)):
        empty(history, model)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for m in tables:
                buffers[m].seek(0)
                cursor.copy_expert(f"COPY {m._meta.db_table} FROM STDIN", buffers[m])
        timings.append(time.perf_counter() - started)
    bare_copy.buffers = buffers
    return timings[0], timings[1]


def trigram_share(model, buffer, repeats: int = 3) -> tuple[float, float, int]:
    """What the search's GIN indexes (``bureau/trigram.py``: trigrams, and the one- and
    two-character substrings) cost a bare COPY of the records: the COPY timed with them and without them (dropped inside a transaction that is
    rolled back, so they stay), the deferred foreign keys checked before the rollback, the
    faster of ``repeats`` runs each, alternated. Returns (with, without, number of indexes)."""
    from django.db import connection, transaction  # noqa: PLC0415

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, "%USING gin%"],
        )
        trigram = [name for (name,) in cursor.fetchall()]
    best = {True: float("inf"), False: float("inf")}
    for _ in range(repeats):
        for keep in (True, False):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table} CASCADE")
                if not keep:
                    for name in trigram:
                        cursor.execute(f'DROP INDEX "{name}"')
                buffer.seek(0)
                started = time.perf_counter()
                cursor.copy_expert(f"COPY {table} FROM STDIN", buffer)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                best[keep] = min(best[keep], time.perf_counter() - started)
                transaction.set_rollback(True)
    return best[True], best[False], len(trigram)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--default-rows",
        type=int,
        default=1000,
        help="time django-import-export's defaults on the first N rows and extrapolate "
        "(0: all rows)",
    )
    args = parser.parse_args()
    url = bench_database_url("bench_import")
    ensure_database(url, fresh=True)
    os.environ["DATABASE_URL"] = url

    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from bureau.models import Industry, Township  # noqa: PLC0415
    from enterprises.models import Enterprise  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    towns = [
        Township.objects.create(code=f"370302{100 + i:03d}", name=f"第{i + 1}镇")
        for i in range(TOWNSHIPS)
    ]
    for industry in INDUSTRIES:
        Industry.objects.create(name=industry, is_key_chain=True)
    history = Enterprise.history.model
    n = args.rows

    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    path = workdir / "enterprises.xlsx"
    generated = generate(path, n, [t.name for t in towns])
    size_mb = path.stat().st_size / 1024 / 1024
    load = os.getloadavg()
    print(f"{datetime.date.today()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"file: {n} rows, {size_mb:.1f} MB .xlsx (generated in {generated:.1f} s)")

    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_MEDIA_ROOT=str(workdir / "media"),
        DJANGO_LOG_LEVEL="WARNING",
    )
    startup = startup_seconds(env)
    first, first_wall = run_command(path, env)
    peak_first = children_peak_mb()
    assert first["counts"]["new"] == n, first["counts"]
    history_rows = history.objects.count()
    assert history_rows == n, history_rows
    again, again_wall = run_command(path, env)
    peak = max(children_peak_mb(), peak_first)
    assert again["counts"]["unchanged"] == n, again["counts"]

    copy_records, copy_with_history = bare_copy(Enterprise, history)
    with_trigram, without_trigram, trigram_count = trigram_share(
        Enterprise, bare_copy.buffers[Enterprise]
    )

    default_class, tuned_class = resources()
    empty(history, Enterprise)
    tuned = import_export(tuned_class, path, None)
    assert Enterprise.objects.count() == n
    empty(history, Enterprise)
    default = import_export(default_class, path, args.default_rows or None)
    default_full = default["load"] + default["import"] * n / default["rows"]
    tuned_full = tuned["load"] + tuned["import"]
    load_end = os.getloadavg()

    ours = first["seconds"]
    rows = [
        ("pipeline, first import (new rows, with history)", ours),
        ("pipeline, re-import (all unchanged)", again["seconds"]),
        ("django-import-export tuned (no history)", tuned_full),
        (
            "django-import-export defaults (no history)"
            + (f", {default['rows']} rows extrapolated" if default["rows"] != n else ""),
            default_full,
        ),
        ("bare COPY of the records (floor)", copy_records),
        ("bare COPY of the records and history rows", copy_with_history),
    ]
    print()
    print(f"{'':58}{'seconds':>9}{'rows/s':>10}")
    for label, seconds in rows:
        print(f"{label:58}{seconds:9.2f}{n / seconds:10.0f}")
    print()
    print(f"pipeline vs tuned import-export:      {tuned_full / ours:5.1f}x faster (target >= 3x)")
    print(f"pipeline vs default import-export:    {default_full / ours:5.1f}x faster")
    print(
        f"pipeline / bare COPY of the records:  {ours / copy_records:5.1f}x "
        f"(target <= 6x); with history rows {ours / copy_with_history:.1f}x"
    )
    print(
        f"search GIN indexes in the records' COPY: {trigram_count} indexes, "
        f"{with_trigram:.2f} s with, {without_trigram:.2f} s without: "
        f"{1 - without_trigram / with_trigram:.0%} of it (kept: the search needs them)"
    )
    print(f"re-import / first import:             {again['seconds'] / ours:5.2f} (target <= 1)")
    print(
        f"pipeline rows/s:                      first {n / ours:,.0f}, again "
        f"{n / again['seconds']:,.0f} (target >= 20,000)"
    )
    print(f"peak memory of the import process:    {peak:5.0f} MB (target <= 300 MB)")
    print(
        f"client CPU per row:                   {first['cpu_seconds'] / n * 1000:.3f} ms first, "
        f"{again['cpu_seconds'] / n * 1000:.3f} ms again (parse included)"
    )
    print(
        f"process start-up (Django set-up):     {startup:.2f} s; whole command "
        f"{first_wall:.1f} s first, {again_wall:.1f} s again"
    )
    print(f"load average at the end:              {load_end[0]:.2f} {load_end[1]:.2f}")


if __name__ == "__main__":
    main()
