"""``/healthz``: is this instance able to serve? For load balancers, compose and monitoring.

Checks the database, Redis (when configured), a Celery worker (when a real broker is
configured) and that every migration is applied. Answers JSON, 200 when all pass and 503 when
one fails, without login and without revealing more than each check's state.

``?only=database,redis`` runs a subset: a web container's own probe should not fail (and get
its replicas taken out of service) because the workers are down; monitoring asks for all.
"""

import logging
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

WORKER_PING_TIMEOUT = 1.0  # seconds; the probe must answer well within the balancer's timeout
REDIS_TIMEOUT = 1.0

# Once every migration is applied it stays so for the life of the process (new migrations come
# with new code, hence a new process), so the costly migration graph is loaded until then only.
_migrations_applied = False


def check_database() -> dict:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_migrations() -> dict:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return {"ok": False, "pending": len(pending)}
        _migrations_applied = True
    return {"ok": True}


def check_redis() -> dict | None:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def broker_configured() -> bool:
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    return bool(broker) and not broker.startswith("memory://") and not eager


def check_worker() -> dict | None:
    if not broker_configured():
        return None
    from celery import current_app as app

    # The broker named by the settings now, not the one the app cached at start; one quick
    # connection attempt, since kombu would otherwise retry for seconds when it is down.
    with app.connection_for_write(
        settings.CELERY_BROKER_URL, connect_timeout=REDIS_TIMEOUT
    ) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=REDIS_TIMEOUT)
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT, connection=connection)
    workers = sorted(name for reply in replies for name in reply)
    return {"ok": bool(workers), "workers": len(workers)}


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "worker": check_worker,
}


def run_checks(names=None) -> dict[str, dict]:
    """Every configured check's result (or those ``names``); one that raises has failed."""
    results = {}
    for name, check in CHECKS.items():
        if names is not None and name not in names:
            continue
        started = time.monotonic()
        try:
            result = check()
        except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
            logger.warning("health check %s failed: %s", name, error)
            result = {"ok": False, "error": type(error).__name__}
        if result is None:
            continue  # not configured here
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
    return results


@login_not_required
@never_cache
@require_GET
def healthz(request):
    only = request.GET.get("only")
    names = None
    if only is not None:
        names = {name.strip() for name in only.split(",") if name.strip()}
        unknown = sorted(names - set(CHECKS))
        if unknown or not names:
            # A probe with a typo must not pass having checked nothing.
            return JsonResponse(
                {
                    "status": "error",
                    "error": _("未知的检查项：%(names)s。可用：%(valid)s")
                    % {"names": "、".join(unknown) or "-", "valid": "、".join(CHECKS)},
                    "unknown": unknown,
                    "valid": list(CHECKS),
                },
                status=400,
            )
    checks = run_checks(names)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
