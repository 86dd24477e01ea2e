"""Who may see and change what.

Every entry point (pages, imports, API, dashboards, report) asks these functions, so the role and
township rules live in one place:

- administrators and staff see everything; staff change every domain record;
- a township liaison sees and changes only records whose ``township_lookup`` leads to their
  township (district-wide records are not theirs);
- leaders read everything and change nothing;
- reference data (``admin_only``) is changed by administrators only;
- a user without a role sees nothing.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from bureau.models import Role, Township


def has_role(user) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_admin or user.role != Role.NONE)
    )


def scope_queryset(user, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may see."""
    if not has_role(user):
        return queryset.none()
    if not user.is_liaison:
        return queryset
    model = queryset.model
    if model is Township:
        return queryset.filter(pk=user.township_id)
    lookup = getattr(model, "township_lookup", None)
    if not lookup:
        return queryset.none()
    return queryset.filter(**{lookup: user.township_id})


def scope_key(user) -> str:
    """Everything ``scope_queryset`` reads of ``user``, as text: what a cached fragment showing
    the user's records (a filter form's choices) must be keyed on. Administrators and staff see
    the same; a liaison sees their township; an account without a role sees nothing."""
    if not has_role(user):
        return "none"
    if user.is_liaison:
        return f"township-{user.township_id}"
    return "all"


def is_scoped_choice(user, model) -> bool:
    """Whether ``user`` picks a related ``model`` among fewer records than exist: a liaison
    picks townships and township records of their own township only. District-wide records
    without a township (industries, technology commissioners) are picked by everyone."""
    return bool(
        user is not None
        and getattr(user, "is_liaison", False)
        and (model is Township or getattr(model, "township_lookup", None))
    )


def choosable(user, queryset: QuerySet) -> QuerySet:
    """The records of ``queryset`` that ``user`` may choose as a related record in a form, a
    filter, the API or an import (``None``: the system, which chooses anything)."""
    if user is not None and not has_role(user):
        return queryset.none()
    if is_scoped_choice(user, queryset.model):
        return scope_queryset(user, queryset)
    return queryset


def hidden_pks(user, queryset: QuerySet) -> set:
    """Primary keys of the records of ``queryset`` that ``user`` may not choose: related records
    a form or an API call of theirs must leave as they are, since they never saw them."""
    if not is_scoped_choice(user, queryset.model):
        return set()
    visible = scope_queryset(user, queryset).values("pk")
    return set(queryset.exclude(pk__in=visible).values_list("pk", flat=True))


def can_view_model(user, model) -> bool:
    if not has_role(user):
        return False
    if user.is_liaison:
        return bool(getattr(model, "township_lookup", None))
    return True


def can_change_model(user, model, *, admin_only: bool = False) -> bool:
    if not has_role(user) or not user.can_edit:
        return False
    if admin_only:
        return user.is_admin
    if user.is_liaison:
        return bool(getattr(model, "township_lookup", None))
    return True


def check_can_change(user, instance: Model, *, admin_only: bool = False) -> None:
    """Raise PermissionDenied unless ``user`` may write ``instance`` as it now stands."""
    if user is None:
        return  # system writes: seed data, management commands run by an operator
    if not can_change_model(user, type(instance), admin_only=admin_only):
        raise PermissionDenied(_("您没有修改此类记录的权限。"))
    if user.is_liaison:
        township = instance.get_township()
        if township is None or township.pk != user.township_id:
            raise PermissionDenied(_("联络员只能录入本乡镇（街道）的记录。"))
