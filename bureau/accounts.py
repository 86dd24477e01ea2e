"""Accounts: a user's own password and sessions, and the administrators' management of users
(create with a role and township, deactivate, one-time passwords, unlocking after too many failed
logins). Every change is checked here, whatever page or command asks for it."""

import secrets
import string

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.models import Role, User
from bureau.services import save_unique

# One-time passwords avoid characters that read alike (0/O, 1/l/I).
OTP_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def _check_admin(user, target: User | None = None) -> None:
    """``user`` may manage accounts, and ``target`` (when given) among them: only a superuser
    changes a superuser, or a portal administrator could take over the one account that
    reaches Django's admin (reset its password, re-role or deactivate it)."""
    if user is None or not user.is_admin:
        raise PermissionDenied(_("只有系统管理员可以管理用户。"))
    if target is not None and target.is_superuser and not user.is_superuser:
        raise PermissionDenied(_("只有超级管理员可以修改超级管理员的账号。"))


def may_manage(actor, target: User) -> bool:
    """Whether ``actor`` may change ``target`` (the pages hide what they would refuse)."""
    try:
        _check_admin(actor, target)
    except PermissionDenied:
        return False
    return True


def one_time_password(length: int = 12) -> str:
    while True:
        candidate = "".join(secrets.choice(OTP_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


@transaction.atomic
def user_create(*, actor, username: str, full_name: str, role: str, township=None) -> tuple:
    """A new account with a one-time password the user must change at first login. Returns
    (user, password): the password is shown once and never stored in clear."""
    _check_admin(actor)
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        township=township if role == Role.LIAISON else None,
        must_change_password=True,
    )
    password = one_time_password()
    user.set_password(password)
    user.full_clean()
    # The same user name created at the same moment: the form's message, not a 500.
    save_unique(user)
    return user, password


@transaction.atomic
def user_update(*, actor, user: User, full_name: str, role: str, township, is_active: bool) -> User:
    _check_admin(actor, user)
    if user.pk == actor.pk and (not is_active or role != Role.ADMIN) and not actor.is_superuser:
        raise ValidationError(_("不能停用自己的账号或取消自己的管理员角色。"))
    user.full_name, user.role, user.is_active = full_name, role, is_active
    user.township = township if role == Role.LIAISON else None
    user.full_clean()
    user.save()
    if not is_active:
        sessions_end(user=user)
    return user


@transaction.atomic
def user_password_reset(*, actor, user: User) -> str:
    """A new one-time password (shown once); the user's sessions end and the next login asks
    for a password of their own, and the user's API tokens stop answering."""
    _check_admin(actor, user)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    sessions_end(user=user)
    return password


def user_unlock(*, actor, user: User) -> int:
    """Clear the failed logins that locked ``user`` out (django-axes)."""
    _check_admin(actor, user)
    from axes.utils import reset

    return reset(username=user.username)


def locked_usernames() -> set[str]:
    """Usernames locked out now by too many failed logins."""
    from axes.helpers import get_failure_limit
    from axes.models import AccessAttempt
    from django.conf import settings

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    limit = get_failure_limit(None, None)
    return set(
        AccessAttempt.objects.filter(failures_since_start__gte=limit, attempt_time__gte=since)
        .values_list("username", flat=True)
        .distinct()
    )


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("原密码不正确。")})
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    # A token taken with the old password must not outlive it.
    tokens_revoke(user=user)
    return user


def tokens_revoke(*, user: User) -> int:
    """Delete ``user``'s API tokens: the next request with one answers 401. Whatever ends a
    user's sessions (a password change or reset, 退出其他登录, deactivation) calls this."""
    from rest_framework.authtoken.models import Token

    deleted, _counts = Token.objects.filter(user=user).delete()
    return deleted


def tokens_count(user: User) -> int:
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).count()


def _sessions_of(user: User):
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            yield session


def sessions_end(*, user: User, keep: str | None = None) -> int:
    """End ``user``'s sessions (but ``keep``) and their API tokens: other browsers are logged
    out at their next page, API clients at their next call. Sessions are few on an intranet
    portal; each is decoded once."""
    keys = [s.session_key for s in _sessions_of(user) if s.session_key != keep]
    Session.objects.filter(session_key__in=keys).delete()
    tokens_revoke(user=user)
    return len(keys)


def sessions_count(user: User) -> int:
    return sum(1 for _ in _sessions_of(user))


def recent_logins(user: User, *, limit: int = 10):
    """The user's last logins (django-axes keeps them), newest first."""
    from axes.models import AccessLog

    return list(AccessLog.objects.filter(username=user.username).order_by("-attempt_time")[:limit])
