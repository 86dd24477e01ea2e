"""Writes shared by every domain record.

Forms, the importer, the API and Celery tasks all save through ``record_save`` and delete through
``record_delete``, so every entry point validates, checks the role and township rules, and
leaves a history row naming the user.
"""

import datetime
import functools
from collections.abc import Callable, Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, UniqueConstraint
from django.utils.translation import gettext as _

from bureau.permissions import check_can_change, hidden_pks
from bureau.validators import check_dates


def _stamp_history_user(instance: Model, user) -> None:
    # simple_history takes the user from the request middleware; outside a request
    # (imports in Celery, commands) it reads this attribute instead.
    if user is not None:
        instance._history_user = user


def record_prepare(
    *,
    instance: Model,
    user=None,
    admin_only: bool = False,
    validate: bool = True,
    exclude: Iterable[str] = (),
    found: Iterable[str] = (),
    unique: bool = True,
    clean: bool = True,
    screen: Callable[[Model, set[str]], bool] | None = None,
) -> Model:
    """Everything a write checks before the database sees ``instance``, in this order: ``user``
    may change the record as it now stands (role, township; ``None`` is the system itself),
    its dates lie within bounds, the model's validation passes (``full_clean``), and its
    history row will name ``user``. ``PermissionDenied`` or ``ValidationError`` otherwise.

    ``record_save`` (forms, API, row-by-row imports, the district demo) calls it before
    ``save()``; the bulk importer and the demo's bulk seeding call it on every row and then
    write in batches. A rule added here applies to all of them. What a batch may leave out is
    what it checks for the whole batch at once instead:

    - ``exclude``: fields whose input already failed (a cell that could not be read), left
      out of every check as a form leaves out its invalid fields;
    - ``found``: foreign keys whose records the caller has just looked up in bulk, so their
      existence is not looked up again one query per row (every other rule still applies);
    - ``unique=False``: uniqueness (unique fields and unique constraints), checked by the
      caller over the whole batch; check constraints are still validated here;
    - ``clean=False``: the model's ``clean()``, when the caller has applied its rules to the
      whole batch (a new talent project's stage log, which ``clean()`` reads from the
      database, written together with its project);
    - ``screen``: a cheaper proof, made for a whole batch at once, that the fields would pass
      ``clean_fields`` unchanged (``imports.engine.screen``); called with the instance and the
      fields left out, it answers True only then, and ``clean_fields`` is skipped. When it
      answers False, ``clean_fields`` runs as usual and words every error itself.

    ``validate=False`` checks the permission only (an import row that changes nothing).
    """
    check_can_change(user, instance, admin_only=admin_only)
    if validate:
        record_validate(
            instance, exclude=exclude, found=found, unique=unique, clean=clean, screen=screen
        )
    _stamp_history_user(instance, user)
    return instance


def record_validate(
    instance: Model,
    *,
    exclude: Iterable[str] = (),
    found: Iterable[str] = (),
    unique: bool = True,
    clean: bool = True,
    screen: Callable[[Model, set[str]], bool] | None = None,
) -> None:
    """The validation part of ``record_prepare``: the date bounds, then Django's
    ``full_clean`` in its own order (fields, ``clean()``, uniqueness, constraints; the last
    two only for the fields that passed), every error at once.

    It answers as a form does, so that a form and an import refuse the same value alike. A
    form checks a value with its field first (a date's bounds, the column's range, digits or
    length) and asks the model only if that passed: such a field is answered with the form
    field's messages alone (a year of -1 is "确保该值大于或等于0。", not also "年度应在2000至
    2031之间。"), and ``clean()`` sees it unset, as the form's instance has it, so it never
    derives anything from a value already refused (a certificate's expiry from year 9999)."""
    exclude = set(exclude)
    errors: dict = {}
    try:
        check_dates(instance)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    refused = set(errors)  # what a form's fields refuse before the model is asked
    exclude.update(errors)
    try:
        unchecked = exclude | set(found)
        if screen is None or not screen(instance, unchecked):
            instance.clean_fields(exclude=unchecked)
    except ValidationError as error:
        refused.update(_as_a_form_field(instance, error.error_dict))
        errors = error.update_error_dict(errors)
    if clean:
        kept = _unset(instance, refused)
        try:
            instance.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        finally:
            for attname, value in kept:
                setattr(instance, attname, value)
    exclude.update(name for name in errors if name != NON_FIELD_ERRORS)
    if unique:
        try:
            instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        exclude.update(name for name in errors if name != NON_FIELD_ERRORS)
        try:
            instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    else:
        for model, constraints in instance.get_constraints():
            for constraint in constraints:
                if isinstance(constraint, UniqueConstraint):
                    continue
                try:
                    constraint.validate(model, instance, exclude=exclude)
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _unset(instance: Model, names: Iterable[str]) -> list[tuple[str, object]]:
    """Set the fields ``names`` to their defaults, as a form's instance has a field whose input
    it refused; what they held, to put back."""
    kept = []
    for name in names:
        field = instance._meta.get_field(name)
        kept.append((field.attname, getattr(instance, field.attname)))
        setattr(instance, field.attname, field.get_default())
    return kept


def _as_a_form_field(instance: Model, errors: dict) -> list[str]:
    """Keep only the form field's own messages for a field whose value fails them; the names
    of those fields."""
    refused = []
    for name, messages in errors.items():
        if name == NON_FIELD_ERRORS:
            continue
        field = instance._meta.get_field(name)
        checks = _form_field_checks(field)
        if not checks:
            continue
        try:
            value = field.to_python(getattr(instance, field.attname))
        except ValidationError:
            continue  # not even of the field's type: the model's message stands
        if value in field.empty_values:
            continue  # a form field runs no validators on nothing (a blank is the model's)
        own = []
        for check in checks:
            try:
                check(value)
            except ValidationError as error:
                own.extend(error.error_list)
        if own:
            messages[:] = own
            refused.append(name)
    return refused


@functools.cache
def _form_field_checks(field) -> tuple:
    """The validators a model field's form field applies before the model is asked: the
    column's range, digits and length (what ``Field.formfield()`` derives from the field)."""
    if field.is_relation or field.choices:
        return ()
    formfield = field.formfield()
    return tuple(formfield.validators) if formfield is not None else ()


# ---- optimistic concurrency: every edit names the version it was based on -------------------

VERSION_FIELD = "updated_at"  # every DomainModel and ReferenceModel keeps it (auto_now)


class RecordChanged(ValidationError):
    """The record was saved by someone else since the version the edit was based on: nothing
    is written. ``current`` is the version it is at now. A ValidationError, so an entry point
    that does not word it itself still refuses the write."""

    def __init__(self, current: str):
        super().__init__(_("记录已被他人修改，请核对后再保存。"), code="stale")
        self.current = current


def record_version(instance: Model) -> str:
    """The version an edit of ``instance`` is based on, as the form and the API carry it."""
    value = getattr(instance, VERSION_FIELD, None)
    return value.isoformat() if value is not None else ""


def record_check_version(*, instance: Model, based_on: str | None) -> None:
    """Refuse (``RecordChanged``) an edit of a stored record based on an older version than
    the stored one. The row stays locked to the end of the caller's transaction, so two saves
    based on one version cannot both pass. ``None``: the caller names no version (a write that
    sets values regardless, such as a bulk edit or an import); nothing is checked."""
    if based_on is None or instance.pk is None or instance._state.adding:
        return
    try:
        based = datetime.datetime.fromisoformat(based_on)
    except (TypeError, ValueError) as error:
        raise ValidationError(_("记录版本无效，请重新打开后再修改。"), code="version") from error
    current = (
        type(instance)
        ._base_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list(VERSION_FIELD, flat=True)
        .first()
    )
    if current is not None and current != based:
        raise RecordChanged(current.isoformat())


def save_unique(instance: Model, **kwargs) -> Model:
    """``instance.save()``, where a concurrent creation of the same unique thing (the row
    another transaction committed between our ``full_clean`` and our insert) is answered
    with the model's own message (``ValidationError``) rather than an IntegrityError: the
    insert waited for that transaction, so the check sees its row now."""
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError:
        instance.validate_unique()
        instance.validate_constraints()
        raise
    return instance


@transaction.atomic
def record_save(
    *,
    instance: Model,
    user=None,
    m2m: dict[str, Iterable] | None = None,
    admin_only: bool = False,
    validate: bool = True,
    based_on: str | None = None,
) -> Model:
    """Check (``record_prepare``) and save ``instance`` on behalf of ``user`` (``None``: the
    system itself).

    ``m2m`` sets many-to-many fields to the records the user chose; members the user may not
    choose (another township's enterprises, for a liaison) were never offered to them, so they
    are kept rather than dropped. ``based_on``: the version the edit started from
    (``record_version``); a stale one is refused (``record_check_version``)."""
    record_check_version(instance=instance, based_on=based_on)
    record_prepare(instance=instance, user=user, admin_only=admin_only, validate=validate)
    adding = instance._state.adding
    save_unique(instance)
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
