"""Benchmark: names in pinyin order (``COLLATE "zh-x-icu"``, bureau/collation.py) against the
plain code-point order, on a big list, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/collation_bench.py [--rows 200000]

Fills a temporary table (gone when the run ends) with ``--rows`` enterprise-like names of
random common characters and measures, each the best of five:

- the whole list sorted (an export, a report's name list): no index helps, every row sorted;
- a list page (the first 25, and the 25 after row 10,000) with an index in that order, as the
  list indexes are (``enterprise_name_idx`` on ``name COLLATE "zh-x-icu"``);
- building that index (a migration on an existing table; an import rewrites its entries).

PostgreSQL built with ICU only (Debian's is): the collation is what is measured.
"""

import argparse
import os
import random
import time

import psycopg2

COMMON = (
    "东中云佳光华海金鑫源泰兴隆昌盛达通顺祥和平安康宁建新科技农业化工机械电子材料环保能源"
    "食品纺织制造装备汽车零部件铝电生物医药信息软件服务物流贸易建材水泥钢铁矿业热力燃气"
)
SUFFIX = ("有限公司", "股份有限公司", "合作社", "研究院")


def names(count: int) -> list[str]:
    rng = random.Random(25)
    return [
        "".join(rng.choices(COMMON, k=rng.randint(4, 10))) + rng.choice(SUFFIX)
        for _ in range(count)
    ]


def best(cursor, sql: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SET work_mem = '64MB'")
    cursor.execute("CREATE TEMPORARY TABLE bench_names (id serial PRIMARY KEY, name text)")
    cursor.execute("INSERT INTO bench_names (name) SELECT unnest(%s::text[])", [names(args.rows)])
    cursor.execute("ANALYZE bench_names")

    orders = {"code point": "name", "pinyin": 'name COLLATE "zh-x-icu"'}
    results: dict[str, dict[str, float]] = {}
    for label, order in orders.items():
        row = results[label] = {}
        row["whole list sorted"] = best(cursor, f"SELECT name FROM bench_names ORDER BY {order}")
        start = time.perf_counter()
        cursor.execute(f"CREATE INDEX bench_idx ON bench_names (({order}))")
        row["index built"] = time.perf_counter() - start
        cursor.execute("ANALYZE bench_names")
        row["first page (index)"] = best(
            cursor, f"SELECT id, name FROM bench_names ORDER BY {order}, id LIMIT 25"
        )
        row["page 401 (index)"] = best(
            cursor, f"SELECT id, name FROM bench_names ORDER BY {order}, id LIMIT 25 OFFSET 10000"
        )
        cursor.execute("DROP INDEX bench_idx")

    print(f"{args.rows:,} names; best of five; seconds")
    print(f"{'':24}{'code point':>12}{'pinyin':>12}{'ratio':>8}")
    for measure in results["code point"]:
        plain, pinyin = results["code point"][measure], results["pinyin"][measure]
        print(f"{measure:24}{plain:12.4f}{pinyin:12.4f}{pinyin / plain:8.2f}")
    cursor.execute(
        "SELECT name FROM (VALUES ('东'),('中'),('云'),('佳'),('光')) v(name) "
        'ORDER BY name COLLATE "zh-x-icu"'
    )
    print("order:", " ".join(r[0] for r in cursor.fetchall()))


if __name__ == "__main__":
    main()
