"""Benchmark: the 培育库 at city and province scale, today's code beside the code it replaced, in
one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/cultivation_bench.py --scale province [--database wt_g_province] [--runs 3]

Uses the database ``--database`` (default ``bench_cultivation_<scale>``) on ``DATABASE_URL``'s
server, filled once with ``manage.py seed_demo --scale <scale>`` when empty and kept. Every page
is requested in process by a staff member (district-wide) through Django's test client, cold:
the cache cleared before each request. Printed per row: the median and slowest of ``--runs``,
the target, and what the replaced code took for the same work in the same run:

- the three lists (后备科小, 后备高企, 待重新认定): before, every candidate scored in Python
  (``selectors.assess``) and every row printed; the "before" column times the scoring and the
  candidate filter only, a lower bound of the old page (its 10 MB of HTML is left out);
- the pipeline card: before, ``selectors.hitech_reserve`` (eight queries, Python scoring);
- the 培育评价 page of one enterprise (unchanged: Python over its own records);
- the Excel export of 后备科小, in a child process whose peak RSS is read when it ends (the
  "before" child scores every enterprise and builds the workbook in memory, as the old view did);
- the header search (``portal.search``) for a few texts, 龙 among them;
- the evaluation table: computing a year whole, and refreshing it after one figure's edit.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchdb import bench_database_url, ensure_database  # noqa: E402 - beside this script

TARGETS = {  # seconds, by scale
    "province": {"list": 0.3, "pipeline": 1.0, "enterprise": 0.05, "search": 0.05},
    "city": {"list": 0.1, "pipeline": 0.2, "enterprise": 0.05, "search": 0.05},
}
EXPORT_TARGET_MB = 300
SEARCH_TEXTS = ["龙", "科技", "有限公司", "9137", "白湾"]


def timed(function, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def row(label: str, now, target: float | None, before=None) -> None:
    median, worst = now
    verdict = "" if target is None else ("ok" if median <= target else "OVER")
    text = f"{label:<34} {median * 1000:8.0f} ms (max {worst * 1000:6.0f})"
    if target is not None:
        text += f"  target {target * 1000:5.0f} ms {verdict:<4}"
    if before is not None:
        text += f"  before {before[0] * 1000:8.0f} ms  x{before[0] / max(median, 1e-6):.0f}"
    print(text, flush=True)


def child_peak_mb(work) -> tuple[float, float]:
    """Run ``work`` in a forked child; its wall time and peak RSS in MB."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        from django.db import connections  # noqa: PLC0415

        for conn in connections.all():
            conn.inner_connection = None
            conn.connection = None  # a fresh connection of its own, not the parent's socket
        started = time.perf_counter()
        work()
        os.write(write, f"{time.perf_counter() - started}".encode())
        os._exit(0)
    os.close(write)
    seconds = float(os.read(read, 64) or b"nan")
    _pid, _status, usage = os.wait4(pid, 0)
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["district", "city", "province"], default="city")
    parser.add_argument("--database", default=None, help="benchmark database (default per scale)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--no-before", action="store_true", help="skip the replaced code")
    args = parser.parse_args()

    url = bench_database_url(args.database or f"bench_cultivation_{args.scale}")
    must_seed = ensure_database(url)
    os.environ["DATABASE_URL"] = url

    import django  # noqa: PLC0415

    django.setup()

    from django.conf import settings  # noqa: PLC0415
    from django.core.cache import cache  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from bureau.models import Role, User  # noqa: PLC0415
    from cultivation import evaluations, selectors  # noqa: PLC0415
    from enterprises.models import Enterprise, EnterpriseYearlyFigure  # noqa: PLC0415
    from portal import search  # noqa: PLC0415

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if must_seed or not Enterprise.objects.exists():
        print(f"seeding {args.scale} scale (seed_demo) ...", flush=True)
        call_command("seed_demo", scale=args.scale, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    year = args.year or selectors.latest_year()
    targets = TARGETS.get(args.scale, TARGETS["city"])
    print(
        f"scale {args.scale}: {Enterprise.objects.count():,} enterprises, year {year}, "
        f"load {'/'.join(f'{x:.1f}' for x in os.getloadavg())}"
    )

    # The evaluation table: a year computed whole, then a refresh after one edit.
    started = time.perf_counter()
    evaluations.rebuild([year])
    print(f"{'evaluation table: a year whole':<34} {time.perf_counter() - started:8.2f} s")
    figure = EnterpriseYearlyFigure.objects.filter(year=year).order_by("pk").first()
    figure.save()
    started = time.perf_counter()
    evaluations.fresh(year)
    print(f"{'  refresh after one edit':<34} {(time.perf_counter() - started) * 1000:8.0f} ms")

    staff, _created = User.objects.get_or_create(
        username="bench-cultivation-staff", defaults={"role": Role.STAFF}
    )
    client = Client()
    client.force_login(staff)

    def get(path, **params):
        def request():
            cache.clear()
            response = client.get(path, params)
            assert response.status_code == 200, (path, response.status_code)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)

        return request

    everyone = Enterprise.objects.all()
    margin = settings.CULTIVATION_SME_MARGIN
    before = {}
    if not args.no_before:
        before["sme"] = timed(
            lambda: selectors.sme_candidates(selectors.assess(everyone, year), margin), 1
        )
        before["hitech"] = timed(
            lambda: selectors.hitech_candidates(selectors.assess(everyone, year)), 1
        )
        before["pipeline"] = timed(lambda: selectors.hitech_reserve(everyone, [year]), 1)

    print()
    for key, name in (("sme", "后备科小"), ("hitech", "后备高企"), ("renewal", "待重新认定")):
        row(
            f"/cultivation/{key}/ {name}",
            timed(get(reverse(f"cultivation:{key}"), year=year), args.runs),
            targets["list"],
            before.get(key),
        )
        if key != "renewal":
            row(
                "  sorted by name (pinyin)",
                timed(get(reverse(f"cultivation:{key}"), year=year, sort="name"), args.runs),
                targets["list"],
            )
    dashboard_pipeline = reverse("reports:dashboard-pipeline")
    row(
        "/reports/pipeline/ card",
        timed(get(dashboard_pipeline, year=year), args.runs),
        targets["pipeline"],
        before.get("pipeline"),
    )
    some = EnterpriseYearlyFigure.objects.filter(year=year).order_by("pk")[:1].get().enterprise_id
    row(
        "/cultivation/enterprise/<pk>/ 培育评价",
        timed(get(reverse("cultivation:enterprise", args=[some]), year=year), args.runs),
        targets["enterprise"],
    )
    for text in SEARCH_TEXTS:
        row(
            f"header search {text}",
            timed(lambda t=text: search.search(staff, t), args.runs),
            targets["search"],
        )

    print()

    def export_now():
        get(reverse("cultivation:sme"), year=year, export="xlsx")()

    def export_before():
        import io  # noqa: PLC0415

        from openpyxl import Workbook  # noqa: PLC0415

        rows = selectors.sme_candidates(selectors.assess(everyone, year), margin)
        book = Workbook()
        sheet = book.active
        for a in rows:
            sheet.append(
                [a.enterprise.name, a.enterprise.credit_code, a.sme.total, "；".join(a.sme_short)]
            )
        book.save(io.BytesIO())

    count = evaluations.sme_reserve(everyone, year, margin=margin).count()
    seconds, peak = child_peak_mb(export_now)
    text = (
        f"{'export 后备科小 (' + format(count, ',') + ' rows)':<34} {seconds:8.1f} s, peak RSS "
        f"{peak:5.0f} MB  target {EXPORT_TARGET_MB} MB {'ok' if peak <= EXPORT_TARGET_MB else 'OVER'}"
    )
    if not args.no_before:
        old_seconds, old_peak = child_peak_mb(export_before)
        text += f"  before {old_seconds:.1f} s, {old_peak:.0f} MB"
    print(text)
    print(
        f"(this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
