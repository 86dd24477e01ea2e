"""A real PostgreSQL restart under traffic: gunicorn serves again once the server is back,
without being restarted itself, and nobody sees a server error meanwhile.

The test runs its own PostgreSQL cluster (initdb into a temporary folder, on a free port; as the
``postgres`` account when the suite runs as root, since PostgreSQL refuses root), migrates it,
starts gunicorn on it in production mode, and restarts that cluster with ``pg_ctl restart`` while
users keep clicking. The shared server is never touched."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.portal_process import (
    ROOT,
    browser_session,
    free_port,
    login_data,
    production_env,
    start_gunicorn,
)

pytestmark = pytest.mark.worker  # slow, starts processes: with the worker tests

PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
PASSWORD = "Restart-2026"
USERS = 4


@pytest.fixture(scope="module")
def cluster():
    """A PostgreSQL cluster of the test's own: ``{"url", "restart"}``."""
    if not PG_BINS:
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl)")
    bin_dir = Path(PG_BINS[-1])
    folder = Path(tempfile.mkdtemp(prefix="bureau-pg-"))
    as_postgres = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, log, port = folder / "data", folder / "server.log", free_port()

    def pg_ctl(*args):
        command = [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
        + ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl("-o", options, "-w", "start")
    try:
        subprocess.run(
            [*as_postgres, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port)]
            + ["-U", "postgres", "bureau"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield {
            "url": f"postgres://postgres@127.0.0.1:{port}/bureau",
            "restart": lambda: pg_ctl("-o", options, "-m", "fast", "-w", "restart"),
        }
    finally:
        try:
            pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def portal(cluster, tmp_path_factory):
    """gunicorn in production mode on the cluster, with a staff account; yields its address."""
    # tasks inline, no shared queue
    env = production_env(cluster["url"], without=("REDIS_URL", "DJANGO_SETTINGS_MODULE"))
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run(
        [*manage, "shell", "-c", "from bureau.models import User; "
         f"User.objects.create_user('staff', password='{PASSWORD}', role='staff')"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    try:
        process, base = start_gunicorn(env, workers=2, log=log)
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def logged_in_session(base: str):
    session = browser_session(base)
    login = session.get(f"{base}/accounts/login/", timeout=30)
    response = session.post(
        f"{base}/accounts/login/",
        data=login_data(login.text, "staff", PASSWORD),
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def test_a_postgresql_restart_under_traffic_heals_by_itself(cluster, portal):
    import requests

    pages = ["/enterprises/enterprise/", "/reports/", "/poverty/servicevisit/"]
    window: dict[str, float] = {}
    results: list[list[tuple[float, float, int | str]]] = [[] for _ in range(USERS)]

    def user(index: int) -> None:
        session = logged_in_session(portal)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                page = pages[len(results[index]) % len(pages)]
                response = session.get(portal + page, allow_redirects=False, timeout=30)
                outcome: int | str = response.status_code
                if outcome == 503:
                    assert "系统暂时不可用" in response.text
            except requests.RequestException as error:
                outcome = type(error).__name__
            results[index].append((started, time.monotonic(), outcome))
            if "end" in window and sum(s > window["end"] for s, _, _ in results[index]) >= 6:
                return
            time.sleep(0.05)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(USERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while min(len(r) for r in results) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # every user is logged in and clicking
    window["start"] = time.monotonic()
    cluster["restart"]()  # stops (fast: connections are cut) and starts the server
    window["end"] = time.monotonic()
    for thread in threads:
        thread.join(timeout=120)

    for outcome in results:
        before = [status for _, ended, status in outcome if ended < window["start"]]
        during = [status for started, ended, status in outcome if ended >= window["start"]]
        after = [status for started, _, status in outcome if started > window["end"]]
        assert before and set(before) == {200}, before
        # while the server is down a page says "try again" (503), never a server error
        assert set(during) <= {200, 503}, during
        # once it is back every page serves, with no restart of gunicorn and nobody acting
        assert len(after) >= 6 and set(after) == {200}, after
