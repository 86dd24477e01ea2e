"""Load test: concurrent users against gunicorn on PostgreSQL with the city demo data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \\
        scripts/bench/load.py [--users 50] [--seconds 60] [--think 2] [--ramp 20] [--workers 3]

Uses its own database ``bureau_load`` on the same server (created, migrated and seeded with
``seed_demo --scale city`` when empty, then kept for the next run). Starts
``gunicorn config.wsgi:application`` on a free loopback port in production mode (DEBUG off,
a throw-away secret key; the client sends ``X-Forwarded-Proto: https`` as a TLS proxy would),
then each simulated user arrives within ``--ramp`` seconds, logs in through the login page with
its CSRF token and loops over list pages (a random page of 1-5), detail pages of random records
and the leaders' dashboard until ``--seconds`` have passed or ``--max-requests`` have been sent.
Users alternate between the demo staff and leader accounts (both see the whole district, so no
detail page is a 404).

A user reads each page for ``--think`` seconds on average (0.5x to 1.5x) before the next click,
as people do; 2 s is a brisk reader. ``--think 0`` is a stress test instead: every user fires
its next request the moment the last one returns, so once the server is saturated the latency is
queueing (users / throughput), not service time.

Prints requests per second, p50 / p95 / p99 latency, errors, and the p95 of every kind of page,
slowest first. Loopback only, bounded in requests and time; no timed assertions.
"""

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.portal_process import (  # noqa: E402 - after the path
    browser_session,
    login_data,
    production_env,
    start_gunicorn,
)

DATABASE = "bureau_load"
PASSWORD = "Bureau-2026"  # the demo accounts' password (demo.services.DEMO_PASSWORD)
ACCOUNTS = ["staff", "leader"]
DETAILS_PER_MODEL = 50


def load_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL (the load test creates its own database).")
    return urlunsplit(urlsplit(url)._replace(path=f"/{DATABASE}"))


def ensure_database(url: str) -> None:
    """Create the database if missing; migrate; seed the city demo data if it has none."""
    import psycopg2  # noqa: PLC0415

    parts = urlsplit(url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cursor.fetchone() is None:
            print(f"creating database {DATABASE}")
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    admin.close()
    manage = [sys.executable, str(ROOT / "manage.py")]
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django  # noqa: PLC0415

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from enterprises.models import Enterprise  # noqa: PLC0415

    if Enterprise.objects.count() < 10_000:
        print("seeding the city demo data (about two minutes)")
        subprocess.run([*manage, "seed_demo", "--scale", "city"], cwd=ROOT, env=env, check=True)


def build_pages() -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, path) of every list page, of sampled detail pages, and of the dashboard."""
    from django.urls import reverse  # noqa: PLC0415

    from portal import registry  # noqa: PLC0415

    domain = ("enterprises", "talents", "platforms", "poverty")
    lists, details = [], []
    for viewset in [v for label in domain for v in registry.viewsets_of(label)]:
        lists.append((viewset.url_name("list"), reverse(viewset.url_name("list"))))
        ids = viewset.model.objects.order_by("?").values_list("pk", flat=True)[:DETAILS_PER_MODEL]
        details += [
            (viewset.url_name("detail"), reverse(viewset.url_name("detail"), args=[pk]))
            for pk in ids
        ]
    dashboards = [("reports:dashboard", reverse("reports:dashboard"))]
    return lists, details, dashboards


class Recorder:
    """Latencies and errors of every request, from every user thread."""

    def __init__(self, max_requests: int):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.steady: list[float] = []  # requests sent once every user had logged in
        self.steady_from = float("inf")
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.sent = 0
        self.max_requests = max_requests

    def take(self) -> bool:
        """Reserve one request of the budget; False once it is spent."""
        with self.lock:
            if self.sent >= self.max_requests:
                return False
            self.sent += 1
            return True

    def record(self, label: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[label].append(seconds)
            if time.monotonic() - seconds >= self.steady_from:
                self.steady.append(seconds)
            if error:
                self.errors[label] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{label}: {error}")


def user(index, base, pages, recorder, deadline, think=0.0, delay=0.0):
    import requests  # noqa: PLC0415

    time.sleep(delay)  # users arrive over the ramp-up, not all in the same second

    lists, details, dashboards = pages
    rng = random.Random(index)
    session = browser_session(base)

    def get(label, path, expect=200, **kwargs):
        if not recorder.take():
            return None
        started = time.perf_counter()
        error = None
        try:
            response = session.request(
                kwargs.pop("method", "GET"),
                base + path,
                allow_redirects=False,
                timeout=30,
                **kwargs,
            )
            if response.status_code != expect:
                error = f"HTTP {response.status_code} {path} {response.headers.get('Location', '')}"
        except requests.RequestException as exc:
            response, error = None, f"{type(exc).__name__} {path}"
        recorder.record(label, time.perf_counter() - started, error)
        return response

    login = get("login (GET)", "/accounts/login/")
    if login is None or login.status_code != 200:
        return
    data = login_data(login.text, ACCOUNTS[index % len(ACCOUNTS)], PASSWORD)
    if get("login (POST)", "/accounts/login/", expect=302, method="POST", data=data) is None:
        return
    while time.monotonic() < deadline:
        roll = rng.random()
        if roll < 0.4:
            label, path = rng.choice(lists)
            path += f"?page={rng.randint(1, 5)}"
        elif roll < 0.85:
            label, path = rng.choice(details)
        else:
            label, path = rng.choice(dashboards)
        if get(label, path) is None:
            return
        if think:
            # a person reads the page before the next click: 0.5x to 1.5x the mean think time
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def warm_up(base: str, workers: int) -> None:
    """A few untimed requests so every worker has loaded the code before the clock starts."""
    import requests  # noqa: PLC0415

    for _ in range(workers * 3):
        requests.get(base + "/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=60)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(recorder: Recorder, elapsed: float, users: int) -> None:
    every = [v for values in recorder.latencies.values() for v in values]
    errors = sum(recorder.errors.values())
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    print(f"\n{users} users, {elapsed:.1f} s, {len(every)} requests, {errors} errors")
    print(f"throughput  {len(every) / elapsed:.1f} requests/s")
    print(
        f"latency     p50 {ms(percentile(every, 50))}   p95 {ms(percentile(every, 95))}   p99 {ms(percentile(every, 99))}   max {ms(max(every))}"
    )
    if recorder.steady:
        steady = recorder.steady
        print(
            f"steady      p50 {ms(percentile(steady, 50))}   p95 {ms(percentile(steady, 95))}"
            f"   p99 {ms(percentile(steady, 99))}   ({len(steady)} requests after the ramp-up)"
        )
    print("\nper page (slowest p95 first):")
    print(f"  {'page':42} {'n':>6} {'p50':>8} {'p95':>8} {'errors':>7}")
    rows = sorted(recorder.latencies.items(), key=lambda item: -percentile(item[1], 95))
    for label, values in rows:
        print(
            f"  {label:42} {len(values):>6} {ms(statistics.median(values)):>8} {ms(percentile(values, 95)):>8} {recorder.errors.get(label, 0):>7}"
        )
    for sample in recorder.samples:
        print(f"  error: {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=200_000, help="budget over all users")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a user reads a page (0: stress)"
    )
    parser.add_argument(
        "--ramp", type=float, default=20.0, help="seconds over which the users arrive and log in"
    )
    args = parser.parse_args()
    if not (1 <= args.users <= 200 and 0 < args.seconds <= 600):
        sys.exit("--users must be 1-200 and --seconds at most 600")

    url = load_database_url()
    ensure_database(url)
    pages = build_pages()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"load-gunicorn-{os.getpid()}.log"
    try:
        server, base = start_gunicorn(production_env(url), workers=args.workers, log=log)
    except RuntimeError as error:
        sys.exit(str(error))
    try:
        print(
            f"gunicorn ({args.workers} workers) on {base}; {args.users} users for {args.seconds:g} s,"
            f" think time {args.think:g} s"
        )
        warm_up(base, args.workers)
        recorder = Recorder(args.max_requests)
        started = time.monotonic()
        deadline = started + args.seconds
        recorder.steady_from = started + args.ramp + 2  # the last user's login has returned
        threads = [
            threading.Thread(
                target=user,
                args=(i, base, pages, recorder, deadline, args.think, i * args.ramp / args.users),
                daemon=True,
            )
            for i in range(args.users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        report(recorder, time.monotonic() - started, args.users)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        print(f"\ngunicorn log: {log}")


if __name__ == "__main__":
    main()
