"""Benchmark: render time and size of the annual report's PDF (and Word file) with the district
demo data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/report_bench.py [--runs 15] [--year 2025] [--fresh]

Uses its own database ``bench_report`` on the same server, filled once with
``manage.py seed_demo`` (the district) and kept for the next run (``--fresh`` rebuilds it).
Drafts the report of the year (the latest demo year by default) from the records, renders the
PDF once to warm the font cache (the first render of a process extracts the CJK faces and
loads them), then ``--runs`` more times, and prints the median, fastest and slowest wall time,
the median CPU time of this process, the file size and page count; the same for the .docx.
PostgreSQL only.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")


def _bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL (the benchmark creates its own database).")
    return urlunsplit(urlsplit(url)._replace(path="/bench_report"))


def _ensure_database(url: str, fresh: bool) -> bool:
    """Create the benchmark database if needed; True when it must be seeded."""
    import psycopg2  # noqa: PLC0415

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        created = cursor.fetchone() is None
        if created:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return created


def _timed(render, version, runs: int) -> tuple[list[float], list[float], bytes]:
    walls, cpus, data = [], [], b""
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        data = render(version)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, data


def _line(label: str, walls: list[float], cpus: list[float], size: int, extra: str = "") -> str:
    return (
        f"{label:<6} median {statistics.median(walls):.3f} s (fastest {min(walls):.3f}, "
        f"slowest {max(walls):.3f}), CPU median {statistics.median(cpus):.3f} s, "
        f"{size / 1024:.0f} KB{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()

    url = _bench_database_url()
    must_seed = _ensure_database(url, args.fresh)
    os.environ["DATABASE_URL"] = url

    import django  # noqa: PLC0415

    django.setup()
    import logging  # noqa: PLC0415

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from django.core.management import call_command  # noqa: PLC0415
    from pypdf import PdfReader  # noqa: PLC0415

    from bureau.models import ExternalFigure  # noqa: PLC0415
    from reports.annual import services  # noqa: PLC0415
    from reports.annual.rendering import render_docx, render_pdf  # noqa: PLC0415
    from reports.models import AnnualReport  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    if must_seed:
        print("seeding the district demo data (once)…", flush=True)
        call_command("seed_demo", verbosity=0)
    year = args.year or max(ExternalFigure.objects.values_list("year", flat=True))

    AnnualReport.objects.filter(year=year).delete()
    start = time.perf_counter()
    report = services.report_create(year=year, user=None)
    drafted = time.perf_counter() - start
    version = report.versions.get()
    missing = sum(1 for p in version.paragraphs.all() if p.has_missing)

    start = time.perf_counter()
    render_pdf(version)
    cold = time.perf_counter() - start
    walls, cpus, pdf = _timed(render_pdf, version, args.runs)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    docx_walls, docx_cpus, docx = _timed(render_docx, version, args.runs)

    print(f"{year}年度工作报告 ({version.paragraphs.count()} paragraphs, {missing} with a gap)")
    print(f"draft  {drafted:.3f} s (indicators and paragraphs, saved as v1)")
    print(f"first  {cold:.3f} s (PDF, fonts loaded in this process)")
    print(_line("PDF", walls, cpus, len(pdf), f", {pages} pages, {args.runs} runs"))
    print(_line("Word", docx_walls, docx_cpus, len(docx)))


if __name__ == "__main__":
    main()
