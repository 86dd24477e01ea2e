"""Benchmark: render time and size of the annual report's PDF (and Word file) with the district
demo data, against a bare WeasyPrint render of the same HTML.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bureau .venv/bin/python \\
        scripts/bench/report_bench.py [--runs 15] [--year 2025] [--fresh]

Uses its own database ``bench_report`` on the same server, filled once with
``manage.py seed_demo`` (the district) and kept for the next run (``--fresh`` rebuilds it).
Drafts the report of the year (the last full demo year by default) from the records and saves
it, then in this process renders the PDF once to warm up (fonts loaded) and ``--runs`` more
times: the median, fastest and slowest wall time, the median CPU time, the size and page count.
Then the same HTML and stylesheets rendered by WeasyPrint alone, the way a bare render does
(a new font configuration each time), and with the portal's font configuration reused (the
floor: WeasyPrint's own layout and PDF writing); the ratios of the portal's median to both.
Then, each as a fresh process (median of three): ``manage.py build_report`` against a script that
only imports WeasyPrint and renders the same HTML. Last the .docx. PostgreSQL only.
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchdb import bench_database_url, ensure_database  # noqa: E402 - beside this script


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


BARE_SCRIPT = """
import sys
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
html, css, out = sys.argv[1:4]
fonts = FontConfiguration()
HTML(filename=html).write_pdf(out, stylesheets=[CSS(filename=css, font_config=fonts)],
                              font_config=fonts)
"""


def _bare_inputs(version) -> tuple[str, str]:
    """The HTML the portal renders and all its stylesheets as one text."""
    from reports.annual import rendering  # noqa: PLC0415

    fonts = rendering.font_files()
    families = rendering.font_families(fonts)
    html = rendering.render_document_html(version, fonts)
    faces = "\n".join(
        f'@font-face {{ font-family: "{families[role]}"; src: url("{path.as_uri()}"); '
        "font-weight: normal; font-style: normal; }"
        for role, path in fonts.items()
    )
    return html, "\n".join((faces, rendering._print_css(), rendering._layout_css(families)))


def _bare_in_process(html: str, css: str, runs: int, *, reuse: bool) -> list[float]:
    from weasyprint import CSS, HTML  # noqa: PLC0415
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

    walls, shared = [], FontConfiguration()
    sheet = CSS(string=css, font_config=shared)
    for _ in range(runs):
        start = time.perf_counter()
        fonts = shared if reuse else FontConfiguration()
        stylesheet = sheet if reuse else CSS(string=css, font_config=fonts)
        HTML(string=html).write_pdf(stylesheets=[stylesheet], font_config=fonts)
        walls.append(time.perf_counter() - start)
    return walls


def _fresh_processes(year: int, html: str, css: str) -> tuple[float, float]:
    """Median wall time of three fresh ``build_report`` processes and of three bare ones."""
    with tempfile.TemporaryDirectory() as folder:
        html_path, css_path = Path(folder) / "report.html", Path(folder) / "report.css"
        html_path.write_text(html, encoding="utf-8")
        css_path.write_text(css, encoding="utf-8")
        commands = {
            "portal": [
                sys.executable,
                str(ROOT / "manage.py"),
                "build_report",
                "--year",
                str(year),
                "--out",
                str(Path(folder) / "portal.pdf"),
            ],
            "bare": [
                sys.executable,
                "-c",
                BARE_SCRIPT,
                str(html_path),
                str(css_path),
                str(Path(folder) / "bare.pdf"),
            ],
        }
        walls = {name: [] for name in commands}
        for _ in range(3):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
                walls[name].append(time.perf_counter() - start)
    return statistics.median(walls["portal"]), statistics.median(walls["bare"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()

    url = bench_database_url("bench_report")
    must_seed = ensure_database(url, fresh=args.fresh)
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
    # the last full year of the demo data (its latest year is the current one, in progress)
    year = args.year or max(ExternalFigure.objects.values_list("year", flat=True)) - 1

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
    html, css = _bare_inputs(version)
    bare = _bare_in_process(html, css, args.runs, reuse=False)
    floor = _bare_in_process(html, css, args.runs, reuse=True)
    portal_fresh, bare_fresh = _fresh_processes(year, html, css)
    docx_walls, docx_cpus, docx = _timed(render_docx, version, args.runs)

    median = statistics.median(walls)
    print(f"{year}年度工作报告 ({version.paragraphs.count()} paragraphs, {missing} with a gap)")
    print(f"draft  {drafted:.3f} s (indicators and paragraphs, saved as v1)")
    print(f"first  {cold:.3f} s (PDF, fonts loaded in this process)")
    print(_line("PDF", walls, cpus, len(pdf), f", {pages} pages, {args.runs} runs"))
    print(
        f"bare   median {statistics.median(bare):.3f} s: WeasyPrint alone, same HTML, a new "
        f"font configuration each time; portal/bare {median / statistics.median(bare):.2f}x"
    )
    print(
        f"floor  median {statistics.median(floor):.3f} s: WeasyPrint alone, font configuration "
        f"reused; portal/floor {median / statistics.median(floor):.2f}x"
    )
    print(
        f"fresh  build_report {portal_fresh:.2f} s, bare WeasyPrint process {bare_fresh:.2f} s: "
        f"{portal_fresh / bare_fresh:.2f}x (median of 3 processes each)"
    )
    print(_line("Word", docx_walls, docx_cpus, len(docx)))
    print(f"load   {os.getloadavg()[0]:.1f} (1-minute average, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
