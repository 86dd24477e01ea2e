"""Celery tasks of the imports app: take the job's id, load it, call the service."""

from bureau.celery import app
from imports.models import ImportJob
from imports.services import import_job_run


@app.task(name="imports.run_import_job")
def run_import_job(job_id: int, dry_run: bool) -> str:
    job = ImportJob.objects.get(pk=job_id)
    if not job.is_running:
        # Delivered again after it finished (its worker died before acknowledging), or failed
        # meanwhile by the stale check: leave the recorded outcome alone.
        return job.status
    job = import_job_run(job=job, dry_run=dry_run)
    return job.status
