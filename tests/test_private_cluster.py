"""The private cluster of the README's two commands (scripts/_postgres.sh), for real: started in a
folder of its own with no DATABASE_URL, it keeps its data and socket there and listens on no TCP
port, orders Chinese names by pinyin, migrates nothing itself, stops when told, and a second run
reuses it; with DATABASE_URL set it does nothing. serve.sh serves through gunicorn with DEBUG off,
as compose does."""

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.portal_process import ROOT

pytestmark = pytest.mark.worker  # starts a PostgreSQL server: with the slow tests

BASH_PREAMBLE = """
set -euo pipefail
ROOT="$1"
_sudo() { [ "$(id -u)" -eq 0 ] || echo sudo; }
source "$2/scripts/_postgres.sh"
"""


def run(root: Path, script: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
    return subprocess.run(
        ["bash", "-c", BASH_PREAMBLE + script, "cluster-test", str(root), str(ROOT)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def project(tmp_path_factory):
    """A project folder other accounts may enter (the cluster belongs to ``postgres`` when the
    suite runs as root)."""
    folder = tmp_path_factory.mktemp("project")
    for parent in (folder, *folder.parents):
        if parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o011)
    yield folder
    run(folder, "PG_STARTED_HERE=1; stop_private_postgres")
    shutil.rmtree(folder, ignore_errors=True)


def test_the_private_cluster_lives_in_the_project_and_is_reused(project):
    if not any(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("needs Debian's PostgreSQL server binaries")
    first = run(
        project,
        'ensure_private_postgres; echo "URL=$DATABASE_URL STARTED=$PG_STARTED_HERE"; '
        'psql "$DATABASE_URL" -tAc "SELECT string_agg(n, \' \' ORDER BY n COLLATE \\"zh-x-icu\\")'
        " FROM unnest(ARRAY['东','中','云','佳','光']) n\"; "
        'echo "LISTEN=[$(psql "$DATABASE_URL" -tAc "SHOW listen_addresses")]"; '
        "stop_private_postgres",
    )
    assert first.returncode == 0, first.stderr
    out = first.stdout
    url = next(line for line in out.splitlines() if line.startswith("URL="))
    database_url = url.split()[0][4:]
    # The host of the URL is the percent-encoded socket folder, inside the project.
    assert unquote(database_url.split("@")[1].split("/")[0]) == str(project / "var/postgres/run")
    assert "STARTED=1" in url and "创建项目内的 PostgreSQL 集群" in out
    assert "东 光 佳 云 中" in out  # pinyin: Debian's server has ICU
    assert "LISTEN=[]" in out  # no TCP port: the socket only
    assert (project / "var/postgres/data/PG_VERSION").exists()
    assert "停止项目内的 PostgreSQL 集群" in out
    assert not (project / "var/postgres/data/postmaster.pid").exists()

    second = run(project, 'ensure_private_postgres; echo "STARTED=$PG_STARTED_HERE"')
    assert second.returncode == 0, second.stderr
    assert "创建项目内的 PostgreSQL 集群" not in second.stdout  # the same cluster, not a new one
    assert "STARTED=1" in second.stdout
    # still running (this run did not stop it): a third run finds it up and leaves it so
    third = run(project, 'ensure_private_postgres; echo "STARTED=$PG_STARTED_HERE"')
    assert "STARTED=0" in third.stdout, third.stderr


def test_with_database_url_no_cluster_is_made(tmp_path):
    result = run(
        tmp_path,
        'ensure_private_postgres; echo "URL=$DATABASE_URL"',
        DATABASE_URL="postgres://someone@db.example:5432/bureau",
    )
    assert result.returncode == 0, result.stderr
    assert "URL=postgres://someone@db.example:5432/bureau" in result.stdout
    assert not (tmp_path / "var").exists()


def test_serve_sh_serves_like_compose_with_debug_off():
    script = (ROOT / "scripts/serve.sh").read_text()
    assert "gunicorn config.wsgi:application" in script
    assert "DJANGO_DEBUG=0" in script and "collectstatic" in script
    assert "PORT_BIND:-127.0.0.1:8000" in script and "--dev" in script
