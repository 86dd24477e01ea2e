from celery import shared_task


@shared_task(name="cultivation.refresh_evaluations", ignore_result=True)
def refresh_evaluations() -> None:
    """Recompute the kept years of the evaluation table after a bulk write (an import), so that
    no request pays for it (``cultivation.evaluations.records_committed``)."""
    from cultivation import evaluations  # noqa: PLC0415
    from cultivation.models import EvaluationYear  # noqa: PLC0415

    years = list(EvaluationYear.objects.values_list("year", flat=True))
    if years:
        evaluations.fresh(years)
