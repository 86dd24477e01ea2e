"""Benchmark: importing enterprises from .xlsx, the portal's pipeline against a plain
django-import-export ``ModelResource`` with default options, on the same file and machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python scripts/bench/import_bench.py

It creates a throwaway database (``bench_<name>``), generates an .xlsx of ``--rows`` new
enterprises (50,000 by default), then measures, in this order:

1. the portal's import (``manage.py import_excel enterprise FILE --json``, run as a child
   process so its peak memory can be read): parse with python-calamine, validate every row with
   ``full_clean`` and the permission rules, write with COPY plus history rows;
2. the same file again: every row unchanged, nothing written;
3. a plain ``ModelResource`` (column names mapped, ``import_id_fields`` set, every other option
   at its default) importing the same file through tablib/openpyxl into the emptied table.

It prints the figures and the ratios. PostgreSQL only: COPY is part of what is measured.
"""

import argparse
import datetime
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

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

TOWNSHIPS = 12


def generate(path: Path, rows: int, townships: list[str]) -> float:
    """An .xlsx as staff would receive it: a title row above the header, dates as dates."""
    from openpyxl import Workbook  # noqa: PLC0415

    from tests.factories import valid_credit_code  # noqa: PLC0415

    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业名单")
    sheet.append(
        [
            "统一社会信用代码",
            "企业名称",
            "乡镇（街道）",
            "所属产业",
            "规上工业企业",
            "成立日期",
            "法定代表人",
            "联系人",
            "联系电话",
            "地址",
        ]
    )
    base = datetime.date(2000, 1, 1)
    for i in range(rows):
        sheet.append(
            [
                valid_credit_code(i),
                f"山东测试{i}新材料有限公司",
                townships[i % len(townships)],
                ("铝电", "汽车零部件", "新型环保建材")[i % 3],
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
    start = completed.stdout.index("{")
    return json.loads(completed.stdout[start:]), wall


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def baseline(path: Path, limit: int | None) -> tuple[float, int, object]:
    import tablib  # noqa: PLC0415
    from import_export import fields, resources, widgets  # noqa: PLC0415

    from bureau.models import Industry, Township  # noqa: PLC0415
    from enterprises.models import Enterprise  # noqa: PLC0415

    class PlainEnterpriseResource(resources.ModelResource):
        credit_code = fields.Field("credit_code", "统一社会信用代码")
        name = fields.Field("name", "企业名称")
        township = fields.Field(
            "township", "乡镇（街道）", widgets.ForeignKeyWidget(Township, "name")
        )
        industry = fields.Field("industry", "所属产业", widgets.ForeignKeyWidget(Industry, "name"))
        is_above_scale = fields.Field("is_above_scale", "规上工业企业", widgets.BooleanWidget())
        founded_on = fields.Field("founded_on", "成立日期", widgets.DateWidget())
        legal_representative = fields.Field("legal_representative", "法定代表人")
        contact_person = fields.Field("contact_person", "联系人")
        contact_phone = fields.Field("contact_phone", "联系电话")
        address = fields.Field("address", "地址")

        class Meta:
            model = Enterprise
            import_id_fields = ("credit_code",)
            fields = (
                "credit_code",
                "name",
                "township",
                "industry",
                "is_above_scale",
                "founded_on",
                "legal_representative",
                "contact_person",
                "contact_phone",
                "address",
            )

    started = time.perf_counter()
    dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    loaded = time.perf_counter() - started
    if limit:
        dataset = _head(dataset, limit)
    importing = time.perf_counter()
    cpu = time.process_time()
    result = PlainEnterpriseResource().import_data(dataset, dry_run=False)
    return {
        "load": loaded,
        "import": time.perf_counter() - importing,
        "cpu": time.process_time() - cpu,
        "rows": len(dataset),
        "result": result,
    }


def _head(dataset, limit):
    import tablib  # noqa: PLC0415

    head = tablib.Dataset(headers=dataset.headers)
    for row in dataset[:limit]:
        head.append(row)
    return head


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=None,
        help="time the plain ModelResource on the first N rows only and extrapolate (default: all)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")

    name = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"bench_{name}"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from bureau.models import Industry, Township  # noqa: PLC0415
        from enterprises.models import Enterprise  # noqa: PLC0415

        towns = [
            Township.objects.create(code=f"370302{100 + i:03d}", name=f"第{i + 1}镇")
            for i in range(TOWNSHIPS)
        ]
        for industry in ("铝电", "汽车零部件", "新型环保建材"):
            Industry.objects.create(name=industry, is_key_chain=True)

        workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
        path = workdir / "enterprises.xlsx"
        generated = generate(path, args.rows, [t.name for t in towns])
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"file: {args.rows} rows, {size_mb:.1f} MB .xlsx (generated in {generated:.1f} s)")

        db = settings.DATABASES["default"]
        env = dict(
            os.environ,
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            DJANGO_MEDIA_ROOT=str(workdir / "media"),
            DJANGO_LOG_LEVEL="WARNING",
        )
        first, first_wall = run_command(path, env)
        peak_first = children_peak_mb()
        assert first["counts"]["new"] == args.rows, first["counts"]
        again, again_wall = run_command(path, env)
        peak = children_peak_mb()
        assert again["counts"]["unchanged"] == args.rows, again["counts"]
        history = Enterprise.history.count()

        with connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {Enterprise.history.model._meta.db_table}, {Enterprise._meta.db_table} CASCADE"
            )
        base = baseline(path, args.baseline_rows)
        if base["result"].has_errors() or base["result"].has_validation_errors():
            sys.exit("baseline import reported errors")
        # Reading the whole file is paid once; the per-row import scales with the rows.
        base_full = base["load"] + base["import"] * args.rows / base["rows"]
        base_rate = args.rows / base_full

        ours = first["seconds"]
        print()
        print(f"{'':44}{'seconds':>10}{'rows/s':>12}")
        print(
            f"{'portal pipeline, first import (new rows)':44}{ours:10.2f}{args.rows / ours:12.0f}"
        )
        print(
            f"{'portal pipeline, re-import (all unchanged)':44}{again['seconds']:10.2f}"
            f"{args.rows / again['seconds']:12.0f}"
        )
        label = "plain ModelResource, default options"
        if base["rows"] != args.rows:
            label += f" (timed on {base['rows']} rows, extrapolated)"
        print(f"{label:44}{base_full:10.2f}{base_rate:12.0f}")
        print()
        print(f"speed-up over the plain resource:   {base_full / ours:6.1f}x  (target >= 10x)")
        print(
            f"re-import / first import time:      {again['seconds'] / ours:6.2f}   (target <= 1.00)"
        )
        print(
            f"peak memory of the import process:  {max(peak, peak_first):6.0f} MB (target < 400 MB;"
            f" first import {peak_first:.0f} MB)"
        )
        print(
            f"wall time incl. Django start-up:    first {first_wall:.1f} s, again {again_wall:.1f} s"
        )
        ours_cpu = first.get("cpu_seconds")
        print(
            f"client CPU per row:                 portal {ours_cpu / args.rows * 1000:.3f} ms"
            f" (parse included), plain resource {base['cpu'] / base['rows'] * 1000:.3f} ms"
            " (parse excluded)"
        )
        print(f"history rows written by the first import: {history}")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
