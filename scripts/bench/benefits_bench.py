"""Benchmark: 惠企政策兑现 computed from the records at city scale (issue 26: under 1 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/benefits_bench.py --scale city [--runs 5] [--year 2025]

Uses its own database ``bench_benefits_<scale>`` on the same server, filled once with
``manage.py seed_demo --scale <scale>`` (a city: 20,000 enterprises with three years of
certifications, 科小 registrations and figures; the district's policy document, awards,
deductions and vouchers) and kept for the next run (``--fresh`` rebuilds it). The policies'
rules apply to every enterprise of the city, so each reads the whole city's records. Each
computation runs ``--runs`` times; it prints the median and slowest time, the SQL queries of a
run and the ratio to the 1 s target, side by side. PostgreSQL only.
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

TARGET_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["district", "city", "province"], default="city")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=None, help="年度（默认上一年度）")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()

    url = bench_database_url(f"bench_benefits_{args.scale}")
    must_seed = ensure_database(url, fresh=args.fresh)
    os.environ["DATABASE_URL"] = url

    import django  # noqa: PLC0415

    django.setup()

    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from benefits import selectors  # noqa: PLC0415
    from benefits.models import Award, Policy  # noqa: PLC0415
    from enterprises.models import Enterprise, HiTechApplication  # noqa: PLC0415
    from reports.benefits import card_data  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    if must_seed or not Enterprise.objects.exists():
        started = time.perf_counter()
        print(f"seeding {args.scale} scale (seed_demo) ...", flush=True)
        call_command("seed_demo", scale=args.scale, verbosity=0)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    year = args.year or timezone.localdate().year - 1
    print(
        f"scale {args.scale}: {Enterprise.objects.count():,} enterprises, "
        f"{HiTechApplication.objects.count():,} 高企 applications, "
        f"{Policy.objects.exclude(condition='').count()} policies with a rule, "
        f"{Award.objects.count():,} awards; year {year}; "
        f"PostgreSQL {connection.pg_version // 10000}"
    )
    connection.queries_log.clear()
    cases = [
        ("eligible (every rule)", lambda: selectors.entitlements([year])),
        ("应兑未兑", lambda: selectors.owed([year])),
        ("不符合条件", lambda: selectors.ineligible_awards(Award.objects.all())),
        ("享受高企税收优惠", lambda: selectors.hitech_tax_enterprises([year])),
        ("dashboard card (12 figures)", lambda: card_data(year)),
    ]
    print(f"{'computation':<30}{'median s':>10}{'max s':>10}{'queries':>9}{'x target':>10}  result")
    for label, run in cases:
        with CaptureQueriesContext(connection) as captured:  # also the warm-up run
            result = run()
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = run()
            timings.append(time.perf_counter() - started)
        median = statistics.median(timings)
        print(
            f"{label:<30}{median:>10.3f}{max(timings):>10.3f}{len(captured):>9}"
            f"{median / TARGET_SECONDS:>10.2f}  {_size(result)}"
        )


def _size(result) -> str:
    if isinstance(result, dict) and "figures" in result:
        owed = result["figures"]["benefit_owed"]["value"]
        return f"应兑未兑 {owed}"
    if isinstance(result, dict):
        return f"{sum(len(v) for v in result.values()):,} rows"
    return f"{len(result):,} rows"


if __name__ == "__main__":
    main()
