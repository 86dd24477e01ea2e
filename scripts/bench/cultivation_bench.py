"""Benchmark: the 培育库 computation (科小 evaluation and 高企 screening) for every enterprise.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/cultivation_bench.py --scale city [--runs 5] [--year 2025]

Uses its own database ``bench_cultivation_<scale>`` on the same server, filled once with
``manage.py seed_demo --scale <scale>`` (20,000 enterprises × 3 years of figures for a city) and
kept for the next run (``--fresh`` rebuilds it). Then it assesses every enterprise for the year
(``cultivation.selectors.assess``: figures, IP, certificates, platforms, recorded evaluations,
then the scoring) ``--runs`` times and prints the median and slowest time, the number of SQL
queries and the candidates found. PostgreSQL only.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchdb import bench_database_url, ensure_database  # noqa: E402 - beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["district", "city", "province"], default="city")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=None, help="年度（默认最近有指标的年度）")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()

    url = bench_database_url(f"bench_cultivation_{args.scale}")
    must_seed = ensure_database(url, fresh=args.fresh)
    os.environ["DATABASE_URL"] = url

    import django  # noqa: PLC0415

    django.setup()

    from django.conf import settings  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from cultivation import selectors  # noqa: PLC0415
    from enterprises.models import (  # noqa: PLC0415
        Enterprise,
        EnterpriseYearlyFigure,
        IntellectualProperty,
    )

    call_command("migrate", verbosity=0)
    if must_seed or not Enterprise.objects.exists():
        started = time.perf_counter()
        print(f"seeding {args.scale} scale (seed_demo) ...", flush=True)
        call_command("seed_demo", scale=args.scale, verbosity=0)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    year = args.year or selectors.latest_year()
    print(
        f"scale {args.scale}: {Enterprise.objects.count():,} enterprises, "
        f"{EnterpriseYearlyFigure.objects.filter(year__gt=year - 3, year__lte=year).count():,} "
        f"yearly figures of {year - 2}-{year}, {IntellectualProperty.objects.count():,} IP, "
        f"PostgreSQL {connection.pg_version // 10000}"
    )
    connection.queries_log.clear()  # a full log (after seeding) would capture nothing
    with CaptureQueriesContext(connection) as captured:  # also the warm-up run
        assessed = selectors.assess(Enterprise.objects.all(), year)
    queries = len(captured)
    timings = []
    for _ in range(args.runs):
        assessed = None  # a request starts without the last one's results in memory
        started = time.perf_counter()
        assessed = selectors.assess(Enterprise.objects.all(), year)
        timings.append(time.perf_counter() - started)
    sme = selectors.sme_candidates(assessed, settings.CULTIVATION_SME_MARGIN)
    hitech = selectors.hitech_candidates(assessed)
    print(
        f"assess {len(assessed):,} enterprises for {year}: median "
        f"{statistics.median(timings):.2f} s, max {max(timings):.2f} s over {args.runs} runs, "
        f"{queries} SQL queries"
    )
    print(
        f"后备科小 {len(sme):,}, 后备高企 {len(hitech):,} "
        f"(of which {sum(1 for a in hitech if a.hitech.all_met):,} meet every decidable condition)"
    )


if __name__ == "__main__":
    main()
