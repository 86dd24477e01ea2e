"""Celery tasks of the generic pages: a bulk action on more records than a request should
write (``portal.bulk``). The task takes the job's id and calls the same code as the page."""

from celery import shared_task

from portal.bulk import bulk_job_execute


@shared_task(name="portal.run_bulk_job")
def bulk_job_run(job_id: int) -> None:
    # A job delivered again after it finished (its worker died before acknowledging) is left
    # as it ended: bulk_job_execute only runs a queued or running job.
    bulk_job_execute(job_id)
