"""Benchmark: backup (and restore) time and peak memory at city scale, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/backup_bench.py [--scale city] [--no-restore] [--fresh]

Uses its own database ``bench_backup_<scale>`` on the same server, filled once with
``manage.py seed_demo --scale <scale> --history`` (about 20,000 enterprises for a city, with the
change history a portal in use has) and kept for the next run (``--fresh`` rebuilds it). In one
run, each in a process of its own so that its peak memory is its own, it measures:

- the portal's backup: ``manage.py backup`` (pg_dump on PostgreSQL, then the archive);
- the old JSON path: ``manage.py backup --format json`` (Django's serialiser);
- a bare ``pg_dump --format=custom`` of the same database: the floor;

and prints wall time, peak resident memory (the Python process and, separately, the largest
program it ran: pg_dump, pg_restore, psql) and size, with ratios to the floor. With restore on
(the default) each archive is then restored into a scratch database ``bench_backup_<scale>_r``:
``manage.py restore`` of the portal's archive and of the JSON one (into a migrated, empty
database, as that path needs), against a bare ``pg_restore --single-transaction``. PostgreSQL
only. The media folder is the benchmark's own and empty: what is timed is the database.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchdb import admin_connection, bench_database_url, ensure_database, with_database  # noqa: E402 - beside this script

# --- one measurement, in a process of its own ------------------------------------------------


class ProgramPeak(threading.Thread):
    """The largest peak resident memory of the programs this process runs (pg_dump, pg_restore,
    psql), sampled from /proc every 20 ms while they run. ``getrusage(RUSAGE_CHILDREN)`` would
    report the Python process each was forked from."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.02):
            for pid in _descendants(os.getpid()):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue  # ended meanwhile
                match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
                if match:
                    self.peak_kb = max(self.peak_kb, int(match.group(1)))


def _descendants(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _child(args) -> None:
    """Run one operation and print what it took as JSON (``--child``)."""
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from ops.backup import _pg_env, pg_tool  # noqa: PLC0415

    path = Path(args.path)
    quiet = open(os.devnull, "w")  # noqa: SIM115
    bare = args.child in ("pg_dump", "pg_restore")
    programs = ProgramPeak()
    programs.start()
    started = time.perf_counter()
    if args.child == "backup":
        call_command("backup", output=path, dump=args.dump, stdout=quiet)
    elif args.child == "restore":
        call_command("restore", str(path), interactive=False, stdout=quiet)
    elif args.child == "pg_dump":
        command = [pg_tool("pg_dump"), "--format=custom", f"--file={path}"]
        subprocess.run(command, env=_pg_env("default"), check=True)
    elif args.child == "pg_restore":
        command = [pg_tool("pg_restore"), "--single-transaction", "--no-owner", str(path)]
        # pg_restore writes to the database named by --dbname only (PGDATABASE is ignored).
        env = _pg_env("default")
        subprocess.run([*command, f"--dbname={env['PGDATABASE']}"], env=env, check=True)
    seconds = time.perf_counter() - started
    programs.done.set()
    programs.join()
    print(
        "RESULT",
        json.dumps(
            {
                "seconds": seconds,
                # Linux reports kilobytes. The bare programs' Python is only their launcher.
                "python_mb": None
                if bare
                else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "tool_mb": programs.peak_kb / 1024,
                "bytes": path.stat().st_size if path.exists() else 0,
            }
        ),
    )


def _measure(operation: str, path: Path, database_url: str, media: Path, **extra) -> dict:
    command = [sys.executable, __file__, "--child", operation, "--path", str(path)]
    for key, value in extra.items():
        command += [f"--{key}", str(value)]
    env = os.environ | {"DATABASE_URL": database_url, "DJANGO_MEDIA_ROOT": str(media)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode or not lines:
        sys.exit(f"{operation} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return json.loads(lines[-1][7:])


def _manage(database_url: str, media: Path, *args: str) -> None:
    env = os.environ | {"DATABASE_URL": database_url, "DJANGO_MEDIA_ROOT": str(media)}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _row(label: str, figures: dict, floor: dict) -> str:
    ratio = figures["seconds"] / floor["seconds"]
    python = f"{figures['python_mb']:6.0f} MB" if figures["python_mb"] else "     -   "
    return (
        f"{label:<36} {figures['seconds']:7.1f} s {ratio:6.2f}x   python {python}  "
        f"largest program {figures['tool_mb']:4.0f} MB   {figures['bytes'] / 1024**2:6.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["district", "city", "province"], default="city")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    parser.add_argument("--no-restore", dest="restore", action="store_false")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--dump", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    name = f"bench_backup_{args.scale}"
    source = url = bench_database_url(name)
    created = ensure_database(url, name, fresh=args.fresh)
    work = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    media = work / "media"
    media.mkdir()
    _manage(source, media, "migrate", "--no-input", "-v", "0")
    os.environ["DATABASE_URL"] = source
    import django  # noqa: PLC0415

    django.setup()
    from django.db import connection  # noqa: PLC0415

    from enterprises.models import Enterprise  # noqa: PLC0415

    if created or not Enterprise.objects.exists():
        print(f"seeding {args.scale} scale (seed_demo --history) ...", flush=True)
        started = time.perf_counter()
        _manage(source, media, "seed_demo", "--scale", args.scale, "--history", "-v", "0")
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        cursor.execute(
            "SELECT sum(n_live_tup) FROM pg_stat_user_tables"
        )  # estimates, enough for a caption
        rows = cursor.fetchone()[0] or 0
    print(
        f"scale {args.scale}: {Enterprise.objects.count():,} enterprises, ~{rows:,} rows, "
        f"database {size / 1024**2:.0f} MB, PostgreSQL {connection.pg_version // 10000}, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    connection.close()

    archives = {
        "portal": work / "portal.tar.gz",
        "json": work / "json.tar.gz",
        "floor": work / "floor.pgdump",
    }
    results = {
        "portal": _measure("backup", archives["portal"], source, media),
        "json": _measure("backup", archives["json"], source, media, dump="json"),
        "floor": _measure("pg_dump", archives["floor"], source, media),
    }
    print("\nbackup                                   time   vs floor   peak resident memory, size")
    print(_row("portal: manage.py backup (pg_dump)", results["portal"], results["floor"]))
    print(_row("old path: backup --format json", results["json"], results["floor"]))
    print(_row("floor: bare pg_dump -Fc", results["floor"], results["floor"]))

    if args.restore:
        target_name = f"{name}_r"
        target = with_database(url, target_name)
        restored = {}
        ensure_database(url, target_name, fresh=True)
        restored["portal"] = _measure("restore", archives["portal"], target, media)
        ensure_database(url, target_name, fresh=True)
        _manage(target, media, "migrate", "--no-input", "-v", "0")  # the JSON path needs it
        restored["json"] = _measure("restore", archives["json"], target, media)
        ensure_database(url, target_name, fresh=True)
        restored["floor"] = _measure("pg_restore", archives["floor"], target, media)
        print("\nrestore                                  time   vs floor   peak resident memory")
        print(_row("portal: manage.py restore", restored["portal"], restored["floor"]))
        print(_row("old path: restore of the JSON", restored["json"], restored["floor"]))
        print(_row("floor: bare pg_restore -1", restored["floor"], restored["floor"]))
        admin = admin_connection(url)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        admin.close()
    for path in archives.values():
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
