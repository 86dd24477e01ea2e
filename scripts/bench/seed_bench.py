"""Time ``manage.py seed_demo --scale province`` (or ``--scale city``) on PostgreSQL.

Usage: ``DATABASE_URL=postgres://... python scripts/bench/seed_bench.py [--scale city]``.

Into a database of its own on ``DATABASE_URL``'s server (``bench_seed``, dropped and migrated
afresh each run, see ``benchdb.py``), it runs the command and reports its wall time, the CPU
seconds of the command with its worker processes, and those of the PostgreSQL backends serving
that database (read from ``/proc`` while they live: Linux, the server on this machine), with
the load average before and after: on a shared machine the wall time alone says little.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchdb import bench_database_url, ensure_database  # noqa: E402 - beside this script

ROOT = Path(__file__).resolve().parents[2]
NAME = "bench_seed"
TICK = os.sysconf("SC_CLK_TCK")


def backends_cpu(database: str, seen: dict[int, float]) -> None:
    """Record the CPU seconds of every live backend of ``database`` (by its process title)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not title.startswith("postgres") or f" {database} " not in title:
                continue
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, UnicodeDecodeError):
            continue
        seen[int(entry)] = (int(fields[11]) + int(fields[12])) / TICK


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["city", "province"], default="province")
    args = parser.parse_args()
    url = bench_database_url(NAME)
    ensure_database(url, fresh=True)
    env = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    before = load()
    spent = resource.getrusage(resource.RUSAGE_CHILDREN)  # the migrate's
    started = time.monotonic()
    command = subprocess.Popen(
        [*manage, "seed_demo", "--scale", args.scale],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    seen: dict[int, float] = {}
    while command.poll() is None:
        backends_cpu(NAME, seen)
        time.sleep(0.2)
    wall = time.monotonic() - started
    output = command.stdout.read()
    if command.returncode:
        sys.exit(f"seed_demo failed:\n{output}")
    # The command is reaped: its CPU and that of its workers count among this process's children.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    python = usage.ru_utime + usage.ru_stime - spent.ru_utime - spent.ru_stime
    database = sum(seen.values())
    added = next((line for line in output.splitlines() if "共新增" in line), "").strip()
    print(f"seed_demo --scale {args.scale}: {added}")
    print(f"wall {wall:.1f} s at load {before} before, {load()} after")
    print(
        f"CPU {python:.1f} s in the command and its workers "
        f"+ {database:.1f} s in {len(seen)} PostgreSQL backends = {python + database:.1f} s"
    )


if __name__ == "__main__":
    main()
