"""Reads of the poverty-aid records the lists and the workbench share."""

import datetime

from django.utils import timezone


def villages_unvisited(queryset, value: str):
    """``N``: key villages still aided with no service visit in the last N days."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return queryset.none()
    if not 1 <= days <= 3650:
        return queryset.none()
    since = timezone.localdate() - datetime.timedelta(days=days)
    return queryset.filter(is_active=True).exclude(visits__date__gte=since)
