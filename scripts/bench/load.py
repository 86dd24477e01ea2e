"""Load test: concurrent users against gunicorn on PostgreSQL with city or province demo data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \\
        scripts/bench/load.py [--scale city|province] [--users N] [--seconds 60] [--think 2] \\
        [--ramp 20] [--workers 5] [--redis redis://127.0.0.1:6379/9 | --no-redis]

Uses its own database on the same server, ``bureau_load`` for the city (20,000 enterprises,
50 users by default) and ``bureau_load_province`` for the province (200,000 enterprises, 2.6
million records, 100 users): created, migrated, seeded with ``seed_demo --scale <scale>`` and
vacuumed when empty, then kept for the next run. Starts ``gunicorn config.wsgi:application`` on
a free loopback port in production mode (DEBUG off, a throw-away secret key; the client sends
``X-Forwarded-Proto: https`` as a TLS proxy would), then each simulated user arrives within
``--ramp`` seconds (20, or 60 for the province), logs in through the login page with its CSRF token, opens the page it lands
on (staff the 工作台, leaders the dashboard) and then clicks until ``--seconds`` have passed or
``--max-requests`` have been sent: a list page (a random page of 1-5) 25% of the time, the
detail page of a random record 28%, the header search for a name, a code or a fragment of one
10%, the dashboard 5%, a 培育库 list (后备科小, 后备高企, 待重新认定; a page of 1-3, sorted by
score, township or name) 12%, an enterprise's 培育评价 6%, an Excel export of a list filtered to
one township (the enterprises, or the 后备科小) 3%, the annual report's preview 2% (generated
once before the run when the year has none), a bulk edit (批量修改) of three enterprises'
规上 flag 2%, and the 工作台 the rest. A third of the users are township liaisons, each with
an account of their own in a township of their own (created before the run, named
``load-liaison-<n>``): they open their township's lists, details and 培育评价, export their
township and bulk-edit its enterprises, and have no report. The others alternate between the
demo staff and leader accounts (both see the whole district, so no detail page is a 404); a
leader changes nothing, so reads a list where staff would bulk-edit.

A user reads each page for ``--think`` seconds on average (0.5x to 1.5x) before the next click,
as people do; 2 s is a brisk reader. ``--think 0`` is a stress test instead: every user fires
its next request the moment the last one returns, so once the server is saturated the latency is
queueing (users / throughput), not service time.

It runs what ``docker-compose.yml`` runs: beside gunicorn a Celery worker (two processes) and
beat, all on Redis (``--redis``, a database of its own, emptied first) as cache and broker, so
the workers share one cache and beat keeps the dashboard warm as in production. ``--no-redis``
runs gunicorn alone, each worker with its own cache in memory and no beat (the README's first
command without REDIS_URL, not a deployment).

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
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.portal_process import (  # noqa: E402 - after the path
    CSRF_FIELD,
    browser_session,
    login_data,
    production_env,
    start_gunicorn,
)

# scale: (database, enterprises that mean it is seeded, default users, ramp-up and seconds)
SCALES = {
    "city": ("bureau_load", 10_000, 50, 20, 60),
    # a hundred logins (PBKDF2, most of a second of CPU each) spread over a minute, not 20 s
    "province": ("bureau_load_province", 100_000, 100, 60, 150),
}
PASSWORD = "Bureau-2026"  # the demo accounts' password (demo.services.DEMO_PASSWORD)
ACCOUNTS = ["staff", "leader"]
LANDING = {"staff": "/reports/workbench/", "leader": "/reports/", "liaison": "/reports/workbench/"}
LIAISON_DETAILS = 20  # sampled enterprises per liaison's township
DETAILS_PER_MODEL = 50
SEARCHES = 40  # distinct search texts


def load_database_url(scale: str) -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL (the load test creates its own database).")
    return urlunsplit(urlsplit(url)._replace(path=f"/{SCALES[scale][0]}"))


def ensure_database(url: str, scale: str) -> None:
    """Create the database if missing; migrate; seed the scale's demo data if it has less."""
    import psycopg2  # noqa: PLC0415

    database, seeded, *_ = SCALES[scale]
    parts = urlsplit(url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone() is None:
            print(f"creating database {database}")
            cursor.execute(f'CREATE DATABASE "{database}"')
    admin.close()
    manage = [sys.executable, str(ROOT / "manage.py")]
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django  # noqa: PLC0415

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from enterprises.models import Enterprise  # noqa: PLC0415

    if Enterprise.objects.count() < seeded:
        print(f"seeding the {scale} demo data")
        subprocess.run([*manage, "seed_demo", "--scale", scale], cwd=ROOT, env=env, check=True)
        # as a database that has been in use would be: visibility map and hint bits set
        connection = psycopg2.connect(url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        connection.close()


def build_pages() -> dict[str, list[tuple[str, str]]]:
    """(label, path) of every list page, of sampled detail pages, of searches, and of the
    dashboard and the 工作台."""
    from django.urls import reverse  # noqa: PLC0415

    from enterprises.models import Enterprise  # noqa: PLC0415
    from portal import registry  # noqa: PLC0415
    from talents.models import TalentProject  # noqa: PLC0415

    domain = ("enterprises", "talents", "platforms", "poverty")
    lists, details = [], []
    for viewset in [v for label in domain for v in registry.viewsets_of(label)]:
        lists.append((viewset.url_name("list"), reverse(viewset.url_name("list"))))
        ids = viewset.model.objects.order_by("?").values_list("pk", flat=True)[:DETAILS_PER_MODEL]
        details += [
            (viewset.url_name("detail"), reverse(viewset.url_name("detail"), args=[pk]))
            for pk in ids
        ]
    # what people type: part of an enterprise's name, a whole credit code, a candidate's name
    sample = list(Enterprise.objects.order_by("?").values_list("name", "credit_code")[:SEARCHES])
    texts = [name[2:5] for name, _ in sample[: SEARCHES // 2]]
    texts += [code for _, code in sample[SEARCHES // 2 : SEARCHES * 3 // 4]]
    texts += list(
        TalentProject.objects.order_by("?").values_list("candidate", flat=True)[: SEARCHES // 4]
    )
    searches = [("search", f"{reverse('search')}?{urlencode({'q': t})}") for t in texts]
    enterprises = list(Enterprise.objects.order_by("?").values_list("pk", "township_id")[:200])
    return {
        "list": lists,
        "detail": details,
        "search": searches,
        "dashboard": [("reports:dashboard", reverse("reports:dashboard"))],
        "workbench": [("reports:workbench", reverse("reports:workbench"))],
        **cultivation_pages([pk for pk, _t in enterprises]),
        "export": [
            (f"export {label}", f"{path}?{urlencode({'township': township, **extra})}")
            for _pk, township in enterprises[:20]
            for label, path, extra in _exports()
        ],
        "report": [
            ("reports:annual-preview", reverse("reports:annual-preview", args=[report_year()]))
        ],
        "bulk": [
            (reverse("enterprises:enterprise-bulk"), [pk for pk, _t in enterprises[i : i + 3]])
            for i in range(0, 60, 3)
        ],
    }


def _exports():
    from django.urls import reverse  # noqa: PLC0415

    return [
        ("enterprises", reverse("imports:export", args=["enterprise"]), {}),
        ("后备科小", reverse("cultivation:sme"), {"export": "xlsx"}),
    ]


def cultivation_pages(enterprise_ids) -> dict:
    """The 培育库 lists (a random page and sort is added per click) and 培育评价 pages."""
    from django.urls import reverse  # noqa: PLC0415

    return {
        "cultivation": [
            (f"cultivation:{name}", reverse(f"cultivation:{name}"))
            for name in ("sme", "hitech", "renewal")
        ],
        "evaluation": [
            ("cultivation:enterprise", reverse("cultivation:enterprise", args=[pk]))
            for pk in enterprise_ids
        ],
    }


def report_year() -> int:
    """The year the annual report's preview is read for: last year, generated if missing."""
    import datetime  # noqa: PLC0415

    from bureau.models import Role, User  # noqa: PLC0415
    from reports.annual import services  # noqa: PLC0415
    from reports.models import AnnualReport  # noqa: PLC0415

    year = datetime.date.today().year - 1
    if not AnnualReport.objects.filter(year=year).exists():
        print(f"generating the {year} annual report for its preview")
        services.report_create(year=year, user=User.objects.filter(role=Role.STAFF).first())
    return year


def liaison_accounts(count: int) -> list[tuple[str, dict]]:
    """``count`` liaison accounts, each in a township of its own with enterprises (created once,
    with the demo password), and the pages each of them clicks."""
    from django.urls import reverse  # noqa: PLC0415

    from bureau import permissions  # noqa: PLC0415
    from bureau.models import Role, User  # noqa: PLC0415
    from enterprises.models import Enterprise  # noqa: PLC0415
    from portal import registry  # noqa: PLC0415

    townships = list(
        Enterprise.objects.order_by("township_id")
        .values_list("township_id", flat=True)
        .distinct()[: count * 7 : 7]
    )
    password = User.objects.get(username="staff").password  # the demo password's hash
    out = []
    for index, township in enumerate(townships):
        name = f"load-liaison-{index}"
        User.objects.update_or_create(
            username=name,
            defaults={"role": Role.LIAISON, "township_id": township, "password": password},
        )
        ids = list(
            Enterprise.objects.filter(township=township)
            .order_by("?")
            .values_list("pk", flat=True)[:LIAISON_DETAILS]
        )
        user = User.objects.get(username=name)
        own = {
            # the lists a liaison may open (district-wide records are not theirs)
            "list": [
                (viewset.url_name("list"), reverse(viewset.url_name("list")))
                for label in ("enterprises", "talents", "platforms", "poverty")
                for viewset in registry.viewsets_of(label)
                if permissions.can_view_model(user, viewset.model)
            ],
            "detail": [
                (
                    "enterprises:enterprise-detail",
                    reverse("enterprises:enterprise-detail", args=[pk]),
                )
                for pk in ids
            ],
            **cultivation_pages(ids),
            "export": [
                (f"export {label}", f"{path}?{urlencode({'township': township, **extra})}")
                for label, path, extra in _exports()
            ],
            "bulk": [
                (reverse("enterprises:enterprise-bulk"), ids[i : i + 3])
                for i in range(0, len(ids) - 2, 3)
            ],
        }
        out.append((name, own))
    return out


# share of the clicks after the landing page (the 工作台 takes the rest)
MIX = [
    ("list", 0.25),
    ("detail", 0.28),
    ("search", 0.10),
    ("dashboard", 0.05),
    ("cultivation", 0.12),
    ("evaluation", 0.06),
    ("export", 0.03),
    ("report", 0.02),
    ("bulk", 0.02),
]
SORTS = ["", "score", "township", "name"]


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


def user(index, base, pages, recorder, deadline, think=0.0, delay=0.0, liaisons=()):
    import requests  # noqa: PLC0415

    time.sleep(delay)  # users arrive over the ramp-up, not all in the same second

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
            else:
                response.content  # noqa: B018 - a download is read to its end, as a browser does
        except requests.RequestException as exc:
            response, error = None, f"{type(exc).__name__} {path}"
        recorder.record(label, time.perf_counter() - started, error)
        return response

    login = get("login (GET)", "/accounts/login/")
    if login is None or login.status_code != 200:
        return
    # A third of the users are liaisons, each with a township of their own.
    if index % 3 == 2 and liaisons:
        account, own = liaisons[(index // 3) % len(liaisons)]
        role = "liaison"
        pages = {**pages, **own, "report": own["detail"]}  # no report for a liaison
    else:
        account = role = ACCOUNTS[(index - index // 3) % len(ACCOUNTS)]
    data = login_data(login.text, account, PASSWORD)
    if get("login (POST)", "/accounts/login/", expect=302, method="POST", data=data) is None:
        return
    path = LANDING[role]  # where the login leads
    label = "reports:workbench" if "workbench" in path else "reports:dashboard"
    while time.monotonic() < deadline:
        if get(label, path) is None:
            return
        if think:
            # a person reads the page before the next click: 0.5x to 1.5x the mean think time
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        roll, kind = rng.random(), "workbench"
        for name, share in MIX:
            if roll < share:
                kind = name
                break
            roll -= share
        if kind == "bulk" and role == "leader":
            kind = "list"  # a leader changes nothing
        label, path = rng.choice(pages[kind])
        if kind == "list":
            path += f"?page={rng.randint(1, 5)}"
        elif kind == "cultivation":
            path += f"?{urlencode({'page': rng.randint(1, 3), 'sort': rng.choice(SORTS)})}"
        elif kind == "bulk":
            bulk_edit(get, session, label, path, rng)
            label, path = "enterprises:enterprise-list", "/enterprises/enterprise/"  # redirected


def bulk_edit(get, session, url, ids, rng) -> None:
    """批量修改 of a few enterprises (their 规上 flag), confirmed, as the list's form posts it
    (its CSRF token read from the list page, as the browser's form carries it)."""
    page = get("enterprises:enterprise-list", "/enterprises/enterprise/")
    token = CSRF_FIELD.search(page.text) if page is not None else None
    if token is None:
        return
    data = {
        "action": "edit",
        "pk": ids,
        "bulk_step": "confirm",
        "set_is_above_scale": "on",
        "is_above_scale": rng.choice(["true", "false"]),
        "csrfmiddlewaretoken": token.group(1),
    }
    get("bulk edit (POST)", url, expect=302, method="POST", data=data)


def start_celery(env: dict, redis_url: str, logdir: Path) -> list[subprocess.Popen]:
    """Empty the Redis database, then start a Celery worker (concurrency 2, as compose) and
    beat; return them once the worker answers a ping."""
    import redis  # noqa: PLC0415

    redis.Redis.from_url(redis_url).flushdb()
    celery = Path(sys.executable).with_name("celery")
    processes = []
    for role, extra in (
        ("worker", ["--concurrency", "2"]),
        ("beat", ["--schedule", str(logdir / f"load-beat-{os.getpid()}")]),
    ):
        log = (logdir / f"load-{role}-{os.getpid()}.log").open("w")
        processes.append(
            subprocess.Popen(
                [str(celery), "-A", "config", role, "--loglevel", "WARNING", *extra],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ping = subprocess.run(
            [str(celery), "-A", "config", "inspect", "ping", "--timeout", "2"],
            cwd=ROOT,
            env=env,
            capture_output=True,
        )
        if ping.returncode == 0:
            return processes
        time.sleep(1)
    stop(processes)
    sys.exit("the Celery worker did not answer within 60 s")


def stop(processes) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def warm_up(base: str, workers: int) -> None:
    """A few untimed requests so every worker has loaded the code before the clock starts."""
    import requests  # noqa: PLC0415

    for _ in range(workers * 3):
        requests.get(base + "/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=60)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by gunicorn's workers and by the PostgreSQL backends serving ``database``
    between ``start()`` and ``stop()``, read from /proc (the server runs on this machine)."""

    def __init__(self, server_pid: int, url: str, database: str, others=()):
        self.server_pid, self.url, self.database = server_pid, url, database
        self.others = [process.pid for process in others]  # Celery worker and beat

    def _pids(self) -> dict[str, list[int]]:
        import psycopg2  # noqa: PLC0415

        workers, celery = [], list(self.others)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == self.server_pid:
                workers.append(int(stat.parent.name))
            elif parent in self.others:
                celery.append(int(stat.parent.name))
        admin = psycopg2.connect(urlunsplit(urlsplit(self.url)._replace(path="/postgres")))
        with admin.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])
            backends = [pid for (pid,) in cursor.fetchall()]
        admin.close()
        return {"app": workers, "celery": celery, "database": backends}

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            kind: {pid: cpu_seconds(pid) for pid in pids} for kind, pids in self._pids().items()
        }

    def start(self) -> None:
        self.before = self._read()
        self.client_before = sum(os.times()[:2])

    def stop(self) -> dict[str, float]:
        after = self._read()
        used = {
            kind: sum(seconds - self.before[kind].get(pid, 0.0) for pid, seconds in pids.items())
            for kind, pids in after.items()
        }
        used["client"] = sum(os.times()[:2]) - self.client_before
        return used


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(recorder: Recorder, elapsed: float, users: int, cpu: dict[str, float]) -> None:
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
    served = max(len(every), 1)
    print(
        f"CPU         {cpu['app'] * 1000 / served:.0f} ms gunicorn + "
        f"{cpu['database'] * 1000 / served:.0f} ms PostgreSQL a request "
        f"({cpu['app']:.0f} s + {cpu['database']:.0f} s; Celery worker and beat "
        f"{cpu['celery']:.0f} s; the client {cpu['client']:.0f} s)"
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
    parser.add_argument("--scale", choices=list(SCALES), default="city")
    parser.add_argument("--users", type=int, default=None, help="default: 50 city, 100 province")
    parser.add_argument(
        "--seconds", type=float, default=None, help="default: 60 city, 150 province"
    )
    parser.add_argument("--max-requests", type=int, default=200_000, help="budget over all users")
    parser.add_argument(
        "--workers", type=int, default=5, help="gunicorn workers (the Dockerfile's five)"
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help="Redis database for the cache and the broker (emptied first)",
    )
    parser.add_argument(
        "--no-redis",
        action="store_true",
        help="gunicorn alone: a cache in each worker's memory, no Celery worker, no beat",
    )
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a user reads a page (0: stress)"
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="seconds over which the users arrive and log in (default: 20 city, 60 province)",
    )
    parser.add_argument("--database", default=None, help="the database to use (default per scale)")
    args = parser.parse_args()
    _, _, users, ramp, seconds = SCALES[args.scale]
    args.users = args.users or users
    args.ramp = ramp if args.ramp is None else args.ramp
    args.seconds = args.seconds or seconds
    if not (1 <= args.users <= 200 and 0 < args.seconds <= 600):
        sys.exit("--users must be 1-200 and --seconds at most 600")

    if args.database:
        database, *rest = SCALES[args.scale]
        SCALES[args.scale] = (args.database, *rest)
    url = load_database_url(args.scale)
    ensure_database(url, args.scale)
    pages = build_pages()
    liaisons = liaison_accounts(max(args.users // 3, 1))
    logdir = Path(os.environ.get("TMPDIR", "/tmp"))
    log = logdir / f"load-gunicorn-{os.getpid()}.log"
    env = production_env(url)
    celery = []
    if not args.no_redis:
        env.update(REDIS_URL=args.redis)
        celery = start_celery(env, args.redis, logdir)
    try:
        server, base = start_gunicorn(env, workers=args.workers, log=log)
    except RuntimeError as error:
        stop(celery)
        sys.exit(str(error))
    try:
        stack = "gunicorn alone" if args.no_redis else "Celery worker and beat on Redis"
        print(
            f"gunicorn ({args.workers} workers; {stack}) on {base}, {args.scale} demo data;"
            f" {args.users} users for {args.seconds:g} s, think time {args.think:g} s;"
            f" load average before {loadavg()}"
        )
        warm_up(base, args.workers)
        meter = CpuMeter(server.pid, url, SCALES[args.scale][0], celery)
        meter.start()
        recorder = Recorder(args.max_requests)
        started = time.monotonic()
        deadline = started + args.seconds
        recorder.steady_from = started + args.ramp + 2  # the last user's login has returned
        threads = [
            threading.Thread(
                target=user,
                args=(
                    i,
                    base,
                    pages,
                    recorder,
                    deadline,
                    args.think,
                    i * args.ramp / args.users,
                    liaisons,
                ),
                daemon=True,
            )
            for i in range(args.users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        report(recorder, time.monotonic() - started, args.users, meter.stop())
        print(f"load average after {loadavg()}")
    finally:
        stop([server, *celery])
        print(f"\ngunicorn log: {log}")


if __name__ == "__main__":
    main()
