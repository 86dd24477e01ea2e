"""The notifications page: what waits for the user, newest first; opening one marks it read and
follows its link. The header shows the number still unread on every page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bureau import notifications


@login_required
def notification_list(request):
    return render(
        request,
        "bureau/notifications.html",
        {"notifications": notifications.notifications_for(request.user)},
    )


@login_required
@require_POST
def notification_open(request, pk: int):
    try:
        notification = notifications.notification_open(user=request.user, pk=pk)
    except ObjectDoesNotExist as error:
        raise Http404 from error
    # Only the portal's own paths: a stored link never sends a user elsewhere.
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request):
    notifications.notifications_read_all(user=request.user)
    return redirect("notifications")


def unread(request):
    """Context processor: ``unread_notifications``, counted only when a page shows it."""
    user = getattr(request, "user", None)
    return {"unread_notifications": SimpleLazyObject(lambda: notifications.unread_count(user))}
