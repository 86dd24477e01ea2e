"""Messages to users about what waits for them: a report submitted for 审定 reaches the leaders,
a report approved or returned reaches the staff who submitted it. Shown in the header and on the
notifications page until opened."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from bureau.models import Notification, Role, User


def leaders() -> list[User]:
    """Active leaders (局领导): who approves the annual report."""
    return list(User.objects.filter(role=Role.LEADER, is_active=True))


def notify(*, recipients: Iterable[User], text: str, url: str = "") -> int:
    """One notification per recipient (each once, inactive accounts skipped)."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    Notification.objects.bulk_create(
        Notification(recipient=user, text=text[:200], url=url[:200]) for user in unique.values()
    )
    return len(unique)


def notifications_resolve(*, urls: Iterable[str]) -> int:
    """Mark read every unread notification pointing at one of ``urls``: what it asked for is
    settled (a version decided on, superseded or withdrawn), so it no longer waits for anyone."""
    urls = [url[:200] for url in urls]
    if not urls:
        return 0
    return Notification.objects.filter(url__in=urls, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user, *, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user)[:limit])


@transaction.atomic
def notification_open(*, user, pk: int) -> Notification:
    """Mark one of ``user``'s notifications read (another user's answers DoesNotExist)."""
    notification = Notification.objects.select_for_update().get(pk=pk, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
