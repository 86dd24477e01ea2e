"""The portal as its own gunicorn process in production mode, and a browser-like session for it.

Shared by the PostgreSQL restart test (tests/faults/test_postgres_restart.py) and the load test
(scripts/bench/load.py): loopback only, a throw-away secret key, plain static storage so no
collectstatic is needed, and the headers a TLS-terminating proxy adds."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict, name: str | None = None) -> str:
    """A URL another process reads ``settings_dict``'s server with (database ``name``, or the
    same one); a socket folder (the private cluster of scripts/_postgres.sh) is written
    percent-encoded as the URL's host, as the settings read it."""
    auth = settings_dict["USER"]
    if settings_dict.get("PASSWORD"):
        auth += f":{quote(settings_dict['PASSWORD'], safe='')}"
    host = quote(settings_dict["HOST"] or "127.0.0.1", safe="")
    if settings_dict["PORT"]:
        port = f":{settings_dict['PORT']}"
    else:
        port = "" if host.startswith("%2F") else ":5432"
    return f"postgres://{auth}@{host}{port}/{name or settings_dict['NAME']}"


def production_env(database_url: str, *, without: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment, minus ``without``, in production mode on ``database_url``."""
    env = {key: value for key, value in os.environ.items() if key not in without}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_STATIC_MANIFEST="false",  # production settings, plain static storage
    )
    return env


def start_gunicorn(env: dict[str, str], *, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    """Start gunicorn on a free loopback port; return it and its address once it listens, or
    raise ``RuntimeError`` with the end of its log."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(gunicorn), "config.wsgi:application", "--workers", str(workers)]
            + ["--bind", f"127.0.0.1:{port}", "--timeout", "60"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not listen within 60 s:\n{log.read_text()[-3000:]}")


def browser_session(base: str):
    """A ``requests`` session that behaves like a browser behind the production TLS proxy."""
    import requests

    session = requests.Session()
    # what the proxy adds; with it Django checks the Referer of a POST as over HTTPS
    session.headers.update({"X-Forwarded-Proto": "https", "Referer": f"https://{base[7:]}/"})

    def keep_cookies(response, *args, **kwargs):
        # secure cookies over plain loopback HTTP: keep them as ordinary ones
        for cookie in response.cookies:
            session.cookies.set(cookie.name, cookie.value)

    session.hooks["response"].append(keep_cookies)
    return session


def login_data(login_page: str, username: str, password: str) -> dict[str, str]:
    """The login form's fields, with the CSRF token of ``login_page``."""
    token = CSRF_FIELD.search(login_page)
    return {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": token.group(1) if token else "",
    }
