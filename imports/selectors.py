"""Reads of the imports app: which jobs a user may see."""

from django.http import Http404

from bureau.permissions import has_role
from imports.models import ImportJob


def job_list_for_user(user, *, entity: str | None = None):
    """Administrators and staff see every import; anyone else only their own."""
    jobs = ImportJob.objects.select_related("user")
    if not has_role(user):
        return jobs.none()
    if not (user.is_admin or user.role == "staff"):
        jobs = jobs.filter(user=user)
    if entity:
        jobs = jobs.filter(entity=entity)
    return jobs


def job_get_for_user(user, pk: int) -> ImportJob:
    try:
        return job_list_for_user(user).get(pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404 from None
