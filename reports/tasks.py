"""Celery tasks of the annual report: exporting a version to PDF / Word, and failing the export
jobs no worker will finish.

The export task is safe to deliver twice: it acknowledges late (a worker killed mid-render
leaves the message to be delivered again), and ``export_job_run`` leaves finished jobs alone.
Jobs whose worker died for good are turned into failed ones by ``fail_stale_export_jobs``,
which beat runs every few minutes and the report page runs on load.
"""

import datetime
import logging

from celery import shared_task
from django.conf import settings

from reports.annual import services

# The warm-up runs every 45 s (``config.celery``): a late one is useless once the next is due.
DASHBOARD_WARM_EXPIRES = 45  # seconds

logger = logging.getLogger(__name__)


@shared_task(
    name="reports.export_report",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=services.EXPORT_SOFT_TIME_LIMIT,
    time_limit=services.EXPORT_TIME_LIMIT,
)
def export_report(job_id: int) -> str | None:
    job = services.export_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="reports.fail_stale_export_jobs")
def fail_stale_export_jobs() -> int:
    return services.export_jobs_fail_stale()


@shared_task(name="reports.warm_dashboard", expires=DASHBOARD_WARM_EXPIRES, ignore_result=True)
def warm_dashboard() -> None:
    from reports.selectors import dashboard_refresh, dashboard_townships_in_use

    year = datetime.date.today().year
    dashboard_refresh(year)
    for township in dashboard_townships_in_use():
        dashboard_refresh(year, township)


@shared_task(name="reports.rebuild_tallies", ignore_result=True)
def rebuild_tallies() -> int:
    """Every summary built again from the records, nightly: whatever changed the tables
    without telling them (SQL by hand) is caught within a day."""
    from reports import tallies

    return tallies.rebuild()


@shared_task(name="reports.refresh_tallies", ignore_result=True)
def refresh_tallies() -> None:
    """Every summary brought up to date, after a batch write committed (``refresh_tallies_queue``)."""
    from reports import tallies

    tallies.fresh(tallies.all_summaries().values())


def refresh_tallies_queue(models=()) -> None:
    """After a batch write committed (the write service's hook, ``ReportsConfig.ready``): one
    refresh for the transaction, however many models it wrote; inline, without a broker, the
    next read refreshes instead. A broker that is down costs the write nothing: the summaries
    are already marked, so the next read refreshes them (no retries, which would hold the
    writer, a bulk job's worker among them, for as long as the broker stays down)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    try:
        refresh_tallies.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - the broker's errors vary with the transport
        logger.warning("broker unavailable: the summaries refresh on their next read")


@shared_task(name="reports.build_pipeline_card", ignore_result=True)
def build_pipeline_card(year: int, township: int | None, key: str) -> None:
    """A large scope's 培育库 pipeline card, scored here rather than in a request."""
    from django.core.cache import cache

    from reports.selectors import PIPELINE_WORKER_CACHE_SECONDS, build_pipeline

    try:
        cache.set(key, build_pipeline(year, township), PIPELINE_WORKER_CACHE_SECONDS)
    finally:
        cache.delete(f"{key}:building")
