"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine): these tests read
them and check that every service, command and module they name exists in the project."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_healthchecks(compose):
    services = compose["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_app_services_start_after_their_dependencies_are_healthy(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_commands_name_modules_that_exist(compose):
    services = compose["services"]
    web = services["web"]["command"]
    assert web[0] == "gunicorn"
    module, attribute = web[1].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "config"]
        assert command[3] == name
    assert importlib.import_module("config").celery_app.main == "bureau"
    assert services["migrate"]["command"][:2] == ["python", "manage.py"]


def test_healthcheck_path_is_served_and_healthy_when_its_checks_pass(compose, client, db):
    """The web container's probe names checks that exist, and passes on a healthy portal: the
    test database is migrated, and Redis is up (CI) or not configured (then not checked)."""
    from ops.health import CHECKS

    test = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\S*)", test).group(1)
    named = set(re.search(r"only=([\w,]+)", path).group(1).split(","))
    assert named <= set(CHECKS)
    response = client.get(path)
    assert response.status_code == 200, response.json()
    assert set(response.json()["checks"]) == named


def test_dockerfile_installs_what_weasyprint_needs_and_runs_gunicorn():
    text = (ROOT / "Dockerfile").read_text()
    for package in ("libpango-1.0-0", "fonts-noto-cjk", "fonts-arphic-ukai", "libharfbuzz-subset0"):
        assert package in text
    assert "requirements.txt" in text and "collectstatic" in text
    assert 'CMD ["gunicorn", "config.wsgi:application"' in text


def test_dockerfile_installs_the_postgresql_client_of_the_database_server(compose):
    """Backups run pg_dump / pg_restore, which must be of the server's major version."""
    image = compose["services"]["db"]["image"]
    major = re.fullmatch(r"postgres:(\d+)(?:[.-].*)?", image).group(1)
    # Debian 12 (the python image's bookworm) has PostgreSQL 15's; another needs PGDG's apt.
    assert re.search(rf"\bpostgresql-client-{major}\b", (ROOT / "Dockerfile").read_text())


def test_dockerfile_collectstatic_command_runs(tmp_path):
    """The image's collectstatic step, run here the same way: production settings, hashed and
    compressed files, every file a stylesheet or script points at present."""
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "build-only-not-secret",
        "PATH": "/usr/bin:/bin",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/echarts-5.6.0/echarts.min.js" in manifest


def test_env_example_lists_every_variable_the_settings_read():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', settings_text))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read and read <= listed, f"missing from .env.example: {sorted(read - listed)}"


def test_the_app_user_writes_uploads_and_backups_to_volumes_it_owns(compose):
    from django.conf import settings

    from ops.backup import default_path

    dockerfile = (ROOT / "Dockerfile").read_text()
    mounts = dict(volume.split(":")[::-1] for volume in compose["x-app"]["volumes"])
    backups = f"/app/{default_path().parent.relative_to(settings.BASE_DIR)}"
    for folder in ("/app/media", backups):
        assert folder in mounts and mounts[folder] in compose["volumes"], folder
        assert re.search(rf"chown bureau [^\n]*{folder}\b", dockerfile), folder
    assert "USER bureau" in dockerfile
    assert compose["x-app"]["environment"]["DJANGO_MEDIA_ROOT"] == "/app/media"
