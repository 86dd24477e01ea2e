"""Reads of talent projects the lists and the workbench share (``portal.entities.Query``)."""

from django.db.models import OuterRef, Q, Subquery

from talents.models import TalentStage

Result = TalentStage.Result


def projects_waiting(queryset, value: str):
    """``1``: projects of the given year or any, whose latest recorded stage is still 进行中
    (recommended, under review, a defence or visit scheduled), or that have no stage yet: they
    wait for the bureau to act or to follow up."""
    if value not in ("1",):
        return queryset.none()
    latest = TalentStage.objects.filter(project=OuterRef("pk")).order_by("-step")
    return queryset.annotate(_last_result=Subquery(latest.values("result")[:1])).filter(
        Q(_last_result=Result.PENDING) | Q(_last_result__isnull=True)
    )
