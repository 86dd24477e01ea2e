"""Celery tasks of the imports app: take the job's id, load it, call the service; and the daily
purge of import files past their retention period (scheduled in ``config.celery``)."""

from celery import shared_task

from imports.models import ImportJob
from imports.services import import_files_purge, import_job_run


@shared_task(name="imports.run_import_job")
def run_import_job(job_id: int, dry_run: bool) -> str:
    job = ImportJob.objects.get(pk=job_id)
    if not job.is_running:
        # Delivered again after it finished (its worker died before acknowledging), or failed
        # meanwhile by the stale check: leave the recorded outcome alone.
        return job.status
    job = import_job_run(job=job, dry_run=dry_run)
    return job.status


@shared_task(name="imports.purge_import_files", ignore_result=True)
def purge_import_files() -> int:
    """Files deleted; the retention period is ``IMPORT_FILE_RETENTION_DAYS``."""
    return len(import_files_purge().files)
