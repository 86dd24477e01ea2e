"""Writes shared by every domain record.

Forms, the importer, the API and Celery tasks all save through ``record_save`` and delete through
``record_delete``, so every entry point validates, checks the role and township rules, and
leaves a history row naming the user.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model

from bureau.permissions import check_can_change, hidden_pks
from bureau.validators import check_dates


def _stamp_history_user(instance: Model, user) -> None:
    # simple_history takes the user from the request middleware; outside a request
    # (imports in Celery, commands) it reads this attribute instead.
    if user is not None:
        instance._history_user = user


@transaction.atomic
def record_save(
    *,
    instance: Model,
    user=None,
    m2m: dict[str, Iterable] | None = None,
    admin_only: bool = False,
    validate: bool = True,
) -> Model:
    """Validate and save ``instance`` on behalf of ``user`` (``None``: the system itself).

    ``m2m`` sets many-to-many fields to the records the user chose; members the user may not
    choose (another township's enterprises, for a liaison) were never offered to them, so they
    are kept rather than dropped."""
    check_can_change(user, instance, admin_only=admin_only)
    if validate:
        check_dates(instance)
        instance.full_clean()
    _stamp_history_user(instance, user)
    adding = instance._state.adding
    instance.save()
    for name, values in (m2m or {}).items():
        manager = getattr(instance, name)
        keep = set() if adding else hidden_pks(user, manager.all())
        manager.set([*values, *keep])
    return instance


@transaction.atomic
def record_delete(*, instance: Model, user=None, admin_only: bool = False) -> None:
    check_can_change(user, instance, admin_only=admin_only)
    _stamp_history_user(instance, user)
    instance.delete()


@transaction.atomic
def record_restore(*, historical, user) -> Model:
    """Bring back a deleted record from its last history row (administrators only)."""
    instance = historical.instance
    _stamp_history_user(instance, user)
    instance.save()
    return instance


PROFILE_CACHE_KEY = "bureau:profile:v1"


@transaction.atomic
def bureau_profile_update(*, user, data: dict):
    """Save the bureau's identity (administrators only), with a history row."""
    from django.core.cache import cache
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from bureau.models import BureauProfile

    if user is not None and not user.is_admin:
        raise PermissionDenied(_("只有系统管理员可以修改单位信息。"))
    profile = BureauProfile.current()
    for name, value in data.items():
        setattr(profile, name, value)
    profile.full_clean()
    _stamp_history_user(profile, user)
    profile.save()
    # Now for this transaction's own reads, and again at commit for a request that cached the
    # old profile in between.
    cache.delete(PROFILE_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(PROFILE_CACHE_KEY))
    return profile
