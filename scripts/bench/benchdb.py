"""The benchmarks' own PostgreSQL databases, beside the one ``DATABASE_URL`` names on the same
server: created once, kept for the next run, rebuilt on ``--fresh``. Imported by the scripts
next to it (they run as ``python scripts/bench/<name>.py``, so this folder is on the path)."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def with_database(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def bench_database_url(name: str) -> str:
    """The URL of the benchmark database ``name`` on ``DATABASE_URL``'s server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL (the benchmark creates its own database).")
    return with_database(url, name)


def admin_connection(url: str):
    import psycopg2  # noqa: PLC0415

    admin = psycopg2.connect(with_database(url, "postgres"))
    admin.autocommit = True
    return admin


def ensure_database(url: str, name: str | None = None, *, fresh: bool = False) -> bool:
    """Create the database of ``url`` (or ``name`` on its server) if needed, dropped first when
    ``fresh``; True when it was created (and must be filled)."""
    name = name or urlsplit(url).path.lstrip("/")
    admin = admin_connection(url)
    with admin.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        created = cursor.fetchone() is None
        if created:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return created
