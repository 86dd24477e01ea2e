"""Benchmark: the leaders' dashboard, cold and warm, for two years and a township, at city and
province scale in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/dashboard_bench.py [--scales city,province] [--runs 9] [--fresh]

Each scale uses its own database ``bench_dashboard_<scale>`` on the same server, filled once with
``manage.py seed_demo --scale <scale>`` (20,000 enterprises for a city, 200,000 for a province)
and kept for the next run (``--fresh`` rebuilds it); each scale is measured in a process of its
own (Django holds one database per process). Logged in as a leader, for this year and the year
two before, district-wide and for one township (the one with the most enterprises), it renders:

- the dashboard **cold**: the cache off, as the first visitor after a change (or the first of
  each minute) sees it: the district's figures read from the summaries the writes keep
  (``reports.tallies``), a township's from its records;
- the same district-wide dashboard **from the records**: the summaries off
  (``INDICATOR_TALLIES = False``), every figure aggregated from the tables (the way it was built
  before the summaries, and the way a township's still is);
- the dashboard **warm**: the cache on and filled, as every other visitor sees it;
- the 培育库 pipeline card (``/reports/pipeline/``, fetched by the page after it arrives) cold
  and warm: its 后备高企 scores every enterprise with figures of the year.

It also times what keeping the summaries costs: building them all from the records (after a bulk
import, or ``manage.py tallies_rebuild``), and the first district-wide read after a form saves
an enterprise (the refresh of that enterprise's township in every summary that reads it).

It prints the median and slowest render and the SQL queries of each, and the machine's load
average before and after. With ``REDIS_URL`` set the cache is Redis, as in production.
PostgreSQL only.
"""

import argparse
import datetime
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchdb import bench_database_url, ensure_database  # noqa: E402 - beside this script


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _timed(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return timings, queries


def _line(what: str, timings: list[float], queries: int) -> str:
    return (
        f"  {what:<38} median {statistics.median(timings):7.0f} ms   "
        f"max {max(timings):7.0f} ms   {queries:3d} queries"
    )


def measure(scale: str, runs: int, fresh: bool) -> None:
    """One scale, in this process."""
    url = bench_database_url(f"bench_dashboard_{scale}")
    must_seed = ensure_database(url, fresh=fresh)
    os.environ["DATABASE_URL"] = url

    import django  # noqa: PLC0415

    django.setup()

    from django.conf import settings  # noqa: PLC0415
    from django.core.cache import cache  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.db.models import Count  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from bureau.models import Role, Township, User  # noqa: PLC0415
    from bureau.services import record_save  # noqa: PLC0415
    from enterprises.models import Enterprise  # noqa: PLC0415
    from reports import tallies  # noqa: PLC0415

    settings.ALLOWED_HOSTS = ["*"]
    gc.freeze()  # as config/wsgi.py does once the application is loaded
    call_command("migrate", verbosity=0)
    if must_seed or not Enterprise.objects.exists():
        started = time.perf_counter()
        print(f"seeding {scale} scale (seed_demo) ...", flush=True)
        call_command("seed_demo", scale=scale, verbosity=0)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    leader, _ = User.objects.get_or_create(
        username="bench_leader", defaults={"role": Role.LEADER, "full_name": "压测领导"}
    )
    client = Client()
    client.force_login(leader)
    this_year = datetime.date.today().year
    township = (
        Township.objects.annotate(n=Count("enterprises"))
        .order_by("-n", "code")
        .values("pk", "name")
    )[0]
    print(
        f"\n{scale}: {Enterprise.objects.count():,} enterprises, "
        f"{Township.objects.count():,} townships, PostgreSQL {connection.pg_version // 10000}, "
        f"load average {_load()}",
        flush=True,
    )
    cases = [
        (f"{this_year}, district", {"year": this_year}),
        (f"{this_year - 2}, district", {"year": this_year - 2}),
        (f"{this_year}, {township['name']}", {"year": this_year, "township": township["pk"]}),
    ]
    started = time.perf_counter()
    built = tallies.rebuild()
    print(
        f"  building the {built} summaries from the records: {time.perf_counter() - started:.2f} s"
    )
    for label, params in cases:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        for page, name in (("dashboard", "reports:dashboard"), ("pipeline card", None)):
            path = reverse(name) if name else reverse("reports:dashboard-pipeline")
            url = f"{path}?{query}"
            settings.DASHBOARD_CACHE_SECONDS = 0
            if name:
                client.get(url)  # connection, templates, URL resolver
            if name and "township" not in params:
                settings.INDICATOR_TALLIES = False
                live, live_queries = _timed(client, url, max(3, runs // 3))
                settings.INDICATOR_TALLIES = True
                print(_line(f"{label}: {page} cold, from the records", live, live_queries))
            # The card scores every enterprise with figures: a few renders tell its time.
            cold, cold_queries = _timed(client, url, runs if name else max(1, runs // 5))
            settings.DASHBOARD_CACHE_SECONDS = 60
            cache.clear()
            client.get(url)  # fills the cache
            warm, warm_queries = _timed(client, url, runs)
            print(_line(f"{label}: {page} cold", cold, cold_queries), flush=True)
            print(_line(f"{label}: {page} warm", warm, warm_queries), flush=True)
    settings.DASHBOARD_CACHE_SECONDS = 0
    url = f"{reverse('reports:dashboard')}?year={this_year}"
    refreshes = []
    for firm in Enterprise.objects.filter(township=township["pk"]).order_by("pk")[:5]:
        firm.is_above_scale = not firm.is_above_scale
        record_save(instance=firm)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            tallies.fresh(tallies.all_summaries().values())
            refreshes.append((time.perf_counter() - started) * 1000)
    print(
        _line("after a form saves an enterprise: the summaries' refresh", refreshes, len(captured))
    )
    read_after_write, queries = _timed(client, url, 1)
    print(_line(f"{this_year}, district: dashboard cold, refreshed", read_after_write, queries))
    print(f"  load average after: {_load()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="city,province", help="comma-separated")
    parser.add_argument("--scale", help=argparse.SUPPRESS)  # one scale, in a child process
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark databases")
    args = parser.parse_args()
    if args.scale:
        measure(args.scale, args.runs, args.fresh)
        return
    print(f"{datetime.date.today().isoformat()}, load average {_load()}")
    for scale in args.scales.split(","):
        command = [sys.executable, __file__, "--scale", scale, "--runs", str(args.runs)]
        subprocess.run([*command, *(["--fresh"] if args.fresh else [])], check=True)


if __name__ == "__main__":
    main()
