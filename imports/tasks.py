"""Celery tasks of the imports app: take the job's id, load it, call the service; and the daily
purge of import files past their retention period."""

from celery.schedules import crontab

from bureau.celery import app
from imports.models import ImportJob
from imports.services import import_files_purge, import_job_run

app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    # At night (CELERY_TIMEZONE), away from office-hour imports; a missed night is caught up by
    # the next, since the purge takes everything older than the retention period.
    "imports-purge-files": {
        "task": "imports.purge_import_files",
        "schedule": crontab(hour=3, minute=30),
    },
}


@app.task(name="imports.run_import_job")
def run_import_job(job_id: int, dry_run: bool) -> str:
    job = ImportJob.objects.get(pk=job_id)
    if not job.is_running:
        # Delivered again after it finished (its worker died before acknowledging), or failed
        # meanwhile by the stale check: leave the recorded outcome alone.
        return job.status
    job = import_job_run(job=job, dry_run=dry_run)
    return job.status


@app.task(name="imports.purge_import_files", ignore_result=True)
def purge_import_files() -> int:
    """Files deleted; the retention period is ``IMPORT_FILE_RETENTION_DAYS``."""
    return len(import_files_purge().files)
