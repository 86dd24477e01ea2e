"""Benchmark: render time of the leaders' dashboard at city or province scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/dashboard_bench.py --scale city [--runs 15] [--year 2025]

Uses its own database ``bench_dashboard_<scale>`` on the same server, filled once with
``manage.py seed_demo --scale <scale>`` (20,000 enterprises for a city, 200,000 for a province)
and kept for the next run (``--fresh`` rebuilds it). Then, logged in as a leader, it renders
the dashboard ``--runs`` times with the cache off (every figure computed from the tables, as the
first visitor of each minute sees it), the big screen's JSON likewise, and the dashboard again
with the cache on (what every other visitor of that minute sees), and prints the median and
slowest render and the number of SQL queries. With ``REDIS_URL`` set the cache is Redis, as in
production. PostgreSQL only.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchdb import bench_database_url, ensure_database  # noqa: E402 - beside this script


def _timed_renders(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    timings = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    return timings, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["district", "city", "province"], default="city")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--year", type=int, default=None, help="年度（默认今年）")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()

    url = bench_database_url(f"bench_dashboard_{args.scale}")
    must_seed = ensure_database(url, fresh=args.fresh)
    os.environ["DATABASE_URL"] = url

    import django  # noqa: PLC0415

    django.setup()

    from django.conf import settings  # noqa: PLC0415
    from django.core.cache import cache  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from bureau.models import Role, Township, User  # noqa: PLC0415
    from enterprises.models import Enterprise  # noqa: PLC0415

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if must_seed or not Enterprise.objects.exists():
        started = time.perf_counter()
        print(f"seeding {args.scale} scale (seed_demo) ...", flush=True)
        call_command("seed_demo", scale=args.scale, verbosity=0)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    leader, _ = User.objects.get_or_create(
        username="bench_leader", defaults={"role": Role.LEADER, "full_name": "压测领导"}
    )
    client = Client()
    client.force_login(leader)
    year = args.year or datetime.date.today().year
    dashboard = f"{reverse('reports:dashboard')}?year={year}"

    print(
        f"scale {args.scale}: {Enterprise.objects.count():,} enterprises, "
        f"{Township.objects.count():,} townships, year {year}, PostgreSQL "
        f"{connection.pg_version // 10000}"
    )
    settings.DASHBOARD_CACHE_SECONDS = 0
    client.get(dashboard)  # warm up: connection, templates, URL resolver
    cold, queries = _timed_renders(client, dashboard, args.runs)
    print(
        f"dashboard, cache off: median {statistics.median(cold):.0f} ms, "
        f"max {max(cold):.0f} ms over {args.runs} renders, {queries} SQL queries"
    )
    data = f"{reverse('reports:dashboard-data')}?year={year}"
    cold_json, json_queries = _timed_renders(client, data, args.runs)
    print(
        f"big-screen data (JSON), cache off: median {statistics.median(cold_json):.0f} ms, "
        f"{json_queries} SQL queries"
    )
    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    client.get(dashboard)
    warm, warm_queries = _timed_renders(client, dashboard, args.runs)
    print(
        f"dashboard, cache on:  median {statistics.median(warm):.0f} ms, "
        f"max {max(warm):.0f} ms, {warm_queries} SQL queries"
    )


if __name__ == "__main__":
    main()
