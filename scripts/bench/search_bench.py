"""Benchmark: the header's search (portal/search.py) at city or province scale, beside what a
team would otherwise write (one Django ``icontains`` query over every searched field of every
kind, as an admin's search box does) and the floor (a bare SQL ``ILIKE`` over enterprise names).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a database seeded at city scale> \\
        .venv/bin/python scripts/bench/search_bench.py [--runs 15] [--no-naive] [TEXT ...]

The database must hold demo data (``manage.py seed_demo --scale city``: 20,000 enterprises, or
``--scale province``: 200,000); nothing is written. Each query is run ``--runs`` times as staff
(district-wide) and as a township liaison; the median and slowest, the number of SQL queries and
the matches are printed. The texts: one and two characters (科技 and 铝 common, 青河 rare, 龙
common but last in name order, 有限 in every name), a credit code fragment, longer ones.
``--no-naive`` skips the ``icontains`` comparison (3–4 s a run at province scale).
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

QUERIES = ["科技", "铝", "青河", "龙", "有限", "9137", "精密机械", "没有这家企业"]


def timed(function, runs: int):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-naive", action="store_true", help="skip the icontains comparison")
    parser.add_argument("texts", nargs="*", default=QUERIES)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from bureau.models import Role, Township, User
    from enterprises.models import Enterprise
    from portal import registry
    from portal.search import search

    staff = User(username="bench-staff", role=Role.STAFF)
    township = Township.objects.order_by("code").first()
    liaison = User(username="bench-liaison", role=Role.LIAISON, township=township)
    print(f"{Enterprise.objects.count():,} enterprises; {args.runs} runs each; median / slowest")
    print(f"{'query':8} {'who':8} {'portal':>16} {'queries':>8} {'matches':>8}"
          f" {'one icontains query':>22} {'bare ILIKE':>14}")  # fmt: skip
    kinds = [v for v in registry.viewsets() if v.search_fields]
    for text in args.texts:
        for who, user in (("staff", staff), ("liaison", liaison)):
            with CaptureQueriesContext(connection) as queries:
                search(user, text)
            median, slowest, groups = timed(lambda u=user, t=text: search(u, t), args.runs)
            matches = sum(len(g.items) for g in groups)

            def naive(t=text):
                found = 0
                for viewset in kinds:
                    condition = Q()
                    for name in viewset.search_fields:
                        condition |= Q(**{f"{name}__icontains": t})
                    found += viewset.model._default_manager.filter(condition).count()
                return found

            n_median = timed(naive, args.runs)[0] if not args.no_naive else float("nan")

            def bare(t=text):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT id FROM enterprises_enterprise WHERE name ILIKE %s LIMIT 6",
                        [f"%{t}%"],
                    )
                    return cursor.fetchall()

            b_median, _slow, _rows = timed(bare, args.runs)
            naive_figure = (
                f"{n_median * 1000:14.1f} ms ({n_median / median:4.1f}x)"
                if not args.no_naive
                else f"{'-':>25}"
            )
            print(
                f"{text:8} {who:8} {median * 1000:7.1f} / {slowest * 1000:5.1f} ms"
                f" {len(queries):8} {matches:8} {naive_figure} {b_median * 1000:9.1f} ms"
            )


if __name__ == "__main__":
    main()
