"""Writes shared by every domain record.

Forms, the importer, the API and Celery tasks all save through ``record_save`` and delete through
``record_delete``, so every entry point validates, checks the role and township rules, and
leaves a history row naming the user. Batches (the Excel import, the demo's seeding, 批量修改 and
批量删除, the API's bulk endpoints) go through ``records_bulk_write``: the same checks row by
row, one uniqueness check for the whole batch, one writer of records and history rows, and the
hook (``records_written_hooks``) that tells the layers above what a batch wrote.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError, UniqueConstraint
from django.utils.translation import gettext as _

from bureau import batch
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


# ---- batches -------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    """What ``records_bulk_write`` did: the records written (added, changed or deleted), and
    those refused with the error ``record_save`` / ``record_delete`` would have raised."""

    written: list[Model] = field(default_factory=list)
    refused: list[tuple[Model, Exception]] = field(default_factory=list)


@dataclass(frozen=True)
class RecordsWrittenHook:
    """What a layer above must do when a batch wrote a model's table around the model's
    signals: ``written(model)`` in the writing transaction, the first time it writes the model
    (so a rollback undoes it with the rows); ``committed(models)`` once the transaction
    committed, with every model it wrote."""

    written: Callable[[type[Model]], None]
    committed: Callable[[set[type[Model]]], None] | None = None


# The hooks of batch writes, filled at start-up by the layers above (``reports`` keeps its
# summaries through it: ``ReportsConfig.ready``). Listed in the README's layer map.
records_written_hooks: list[RecordsWrittenHook] = []


def records_written_register(hook: RecordsWrittenHook) -> None:
    """Register ``hook`` (once, however often ``ready`` runs)."""
    if hook not in records_written_hooks:
        records_written_hooks.append(hook)


class _Written:
    """The ``on_commit`` callback of one transaction's batch writes: the models written."""

    def __init__(self):
        self.models: set[type[Model]] = set()
        self.done = False

    def __call__(self):
        self.done = True
        for hook in records_written_hooks:
            if hook.committed is not None:
                hook.committed(set(self.models))


def records_written_tell(model: type[Model]) -> None:
    """Fire the hooks for ``model`` (``records_bulk_write`` does; so does the demo's county
    loader, which still copies through its own engine, ``demo.pgcopy``): ``written`` once per model and transaction, ``committed``
    once per transaction (a rolled-back savepoint forgets both, as it forgets the rows)."""
    pending = next(
        (
            entry[1]
            for entry in transaction.get_connection().run_on_commit
            if isinstance(entry[1], _Written) and not entry[1].done
        ),
        None,
    )
    if pending is None:
        pending = _Written()
        transaction.on_commit(pending)
    if model in pending.models:
        return
    pending.models.add(model)
    for hook in records_written_hooks:
        hook.written(model)


@transaction.atomic
def records_bulk_write(
    *,
    model: type[Model],
    new: Sequence[Model] = (),
    changed: Sequence[Model] = (),
    deleted: Sequence[Model] = (),
    links: Sequence[dict[str, Iterable] | None] | None = None,
    user=None,
    reason: str = "",
    admin_only: bool = False,
    skip_invalid: bool = False,
    prepared: bool = False,
    in_order: bool = False,
    stream: int | None = None,
    per_read: int = 2000,
    now: str | None = None,
) -> BatchOutcome:
    """Add ``new``, save ``changed`` and delete ``deleted`` (records of ``model``) on behalf of
    ``user``, with the guarantees of ``record_save`` / ``record_delete`` row by row and the
    same answers word for word, in one transaction:

    - every record gets the full ``record_prepare`` (role, township, dates, ``full_clean``,
      check constraints); uniqueness is checked once for the batch, against the database and
      between its own records, the first one winning as it would row by row;
    - refused records are in ``BatchOutcome.refused``; unless ``skip_invalid``, one refusal
      writes nothing (as an import with errors writes nothing unless told to skip them);
    - the rest are written by ``bureau.batch`` (COPY) with the history rows ``record_save``
      leaves, their many-to-many ``links`` too (``{field: target ids}`` per new record, in
      ``new``'s order), all named by ``user`` and ``reason``;
    - the hooks of ``records_written_hooks`` hear of ``model`` (once per transaction).

    ``in_order``: each record is checked once the ones before it are written, and written
    alone (through ``record_save``, in a savepoint), for a model whose ``clean()`` reads
    other records (a talent project's stages) or links of changed records (``links`` then per
    record of ``new`` and ``changed``, in that order).

    ``prepared``: the caller has just run ``record_prepare`` on every record itself (the
    import, which validates while the COPY streams, ``Importer._stream_write``) and checked
    the batch's uniqueness with ``records_unique_errors``. With ``stream`` (at most that many
    records), ``new`` is an iterable the COPY consumes as it goes, each record sent as soon as
    it is yielded (``batch.insert_streaming``: the caller validates while the server writes,
    ``per_read`` records per read of the COPY); it may not query the database.
    """
    outcome = BatchOutcome()
    if stream is not None:
        if not prepared or changed or deleted or links:
            raise ValueError("A streamed batch holds new records the caller prepared, only.")
        now = now or batch.stamp()
        outcome.written = batch.insert_streaming(
            model, new, reserve=stream, user=user, reason=reason, now=now, per_read=per_read
        )
        if outcome.written:
            records_written_tell(model)
        return outcome
    rows = [*new, *changed]
    if in_order:
        return _write_in_order(
            model,
            rows,
            deleted,
            links,
            user=user,
            reason=reason,
            admin_only=admin_only,
            skip_invalid=skip_invalid,
            adding=len(new),
        )
    if not prepared:
        errors = records_prepare(
            rows,
            user=user,
            admin_only=admin_only,
            adding=[True] * len(new) + [False] * len(changed),
        )
        outcome.refused = [(rows[i], error) for i, error in sorted(errors.items())]
    refused = {id(instance) for instance, _error in outcome.refused}
    deleting = []
    for instance in deleted:
        try:
            check_can_change(user, instance, admin_only=admin_only)
        except PermissionDenied as error:
            outcome.refused.append((instance, error))
        else:
            deleting.append(instance)
    if outcome.refused and not skip_invalid:
        return outcome
    links = list(links or [{}] * len(new))
    adding = [(r, ln) for r, ln in zip(new, links, strict=True) if id(r) not in refused]
    saving = [r for r in changed if id(r) not in refused]
    now = now or batch.stamp()
    if adding or saving:
        for instance in (*saving, *(r for r, _ln in adding)):
            instance._change_reason = reason
        batch.write(
            model,
            new=[r for r, _ln in adding],
            changed=saving,
            changed_fields=_saved_fields(model),
            user=user,
            reason=reason,
            now=now,
        )
        by_field: dict[str, dict[int, list[int]]] = defaultdict(dict)
        for instance, chosen in adding:
            for name, targets in (chosen or {}).items():
                by_field[name][instance.pk] = [getattr(t, "pk", t) for t in targets]
        if by_field:
            batch.link(model, dict(by_field), user=user, reason=reason, now=now)
        outcome.written += [*(r for r, _ln in adding), *saving]
    for instance in deleting:
        instance._change_reason = reason
        # Django collects what the delete reaches, and raises ProtectedError, before it writes
        # anything: a refused record leaves nothing half-deleted.
        try:
            record_delete(instance=instance, user=user, admin_only=admin_only)
        except ProtectedError as error:
            names = "、".join(str(obj) for obj in list(error.protected_objects)[:5])
            message = _("仍有相关记录引用它（%(names)s），不能删除。") % {"names": names}
            outcome.refused.append((instance, ValidationError(message)))
        else:
            outcome.written.append(instance)
    if outcome.refused and not skip_invalid:
        transaction.set_rollback(True)
        outcome.written = []
        return outcome
    if adding or saving or deleting:
        records_written_tell(model)
    return outcome


def _write_in_order(
    model, rows, deleted, links, *, user, reason, admin_only, skip_invalid, adding
) -> BatchOutcome:
    outcome = BatchOutcome()
    links = list(links or [])
    for position, instance in enumerate(rows):
        chosen = links[position] if position < len(links) else None
        instance._change_reason = reason
        try:
            with transaction.atomic():
                record_save(instance=instance, user=user, m2m=chosen, admin_only=admin_only)
        except (ValidationError, PermissionDenied, IntegrityError) as error:
            if isinstance(error, IntegrityError):
                error = ValidationError(_("数据库拒绝写入：%(e)s") % {"e": error})  # noqa: PLW2901
            if position < adding:
                instance.pk = None
                instance._state.adding = True
            outcome.refused.append((instance, error))
        else:
            outcome.written.append(instance)
    if deleted:
        rest = records_bulk_write(
            model=model,
            deleted=deleted,
            user=user,
            reason=reason,
            admin_only=admin_only,
            skip_invalid=True,
        )
        outcome.written += rest.written
        outcome.refused += rest.refused
    if outcome.refused and not skip_invalid:
        transaction.set_rollback(True)
        outcome.written = []
        return outcome
    if outcome.written:
        records_written_tell(model)
    return outcome


def _saved_fields(model: type[Model]) -> set[str]:
    """What saving a changed record writes: every concrete field but the id and the creation
    time (``clean()`` may derive fields the caller did not set)."""
    return {
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now_add", False)
    }


def records_prepare(
    instances: Sequence[Model],
    *,
    user=None,
    admin_only: bool = False,
    adding: Sequence[bool] | None = None,
) -> dict[int, Exception]:
    """``record_prepare`` on every record of a batch, uniqueness checked once for the batch
    (``records_unique_errors``): ``{position: the error record_save would raise}``."""
    errors: dict[int, Exception] = {}
    excluded: dict[int, set[str]] = {}
    for i, instance in enumerate(instances):
        try:
            record_prepare(instance=instance, user=user, admin_only=admin_only, unique=False)
        except PermissionDenied as error:
            errors[i] = error
        except ValidationError as error:
            errors[i] = error
            excluded[i] = set(error.error_dict) - {NON_FIELD_ERRORS}
    for i, clash in records_unique_errors(
        instances, excluded=excluded, refused=set(errors), adding=adding
    ).items():
        if isinstance(errors.get(i), PermissionDenied):
            continue
        merged = clash.update_error_dict(dict(getattr(errors.get(i), "error_dict", {})))
        errors[i] = ValidationError(merged)
    return errors


def records_unique_errors(
    instances: Sequence[Model],
    *,
    excluded: dict[int, set[str]] | None = None,
    refused: set[int] = frozenset(),
    adding: Sequence[bool] | None = None,
) -> dict[int, ValidationError]:
    """The batch's one uniqueness check: every unique field, ``unique_together`` and unique
    constraint of the records, against the database (one query per set of fields, per
    ``IMPORT_QUERY_CHUNK`` values) and between the records (the first one wins, as when they
    are saved one by one). Worded as ``validate_unique`` / ``validate_constraints`` word it.

    ``excluded``: per position, the fields whose value was already refused (not checked, as a
    form leaves them out); ``refused``: positions that will not be written (checked, but no
    later record clashes with them); ``adding``: per position, whether the record is new
    (default: as its state says)."""
    excluded = excluded or {}
    if not instances:
        return {}
    model = type(instances[0])
    adding = list(adding) if adding is not None else [r._state.adding for r in instances]
    errors: dict[int, dict] = defaultdict(dict)
    for check in _unique_sets(instances[0]):
        kept: dict[tuple, int] = {}
        asked: dict[tuple, list[int]] = defaultdict(list)
        for i, instance in enumerate(instances):
            if excluded.get(i, set()) & set(check.names):
                continue
            values = tuple(getattr(instance, a) for a in check.attnames)
            if any(v is None for v in values) or not check.applies(instance):
                continue
            if values in kept:
                errors[i] = check.error(instance).update_error_dict(errors[i])
                continue
            asked[values].append(i)
            if i not in refused:
                kept.setdefault(values, i)
        for i in _clashing_in_database(model, check, asked, instances, adding):
            errors[i] = check.error(instances[i]).update_error_dict(errors[i])
    return {i: ValidationError(e) for i, e in sorted(errors.items())}


@dataclass
class _UniqueSet:
    model: type[Model]  # the model (or parent) that declares it
    names: tuple[str, ...]
    attnames: tuple[str, ...]
    constraint: UniqueConstraint | None = None

    @property
    def conditional(self) -> bool:
        return self.constraint is not None and self.constraint.condition is not None

    def applies(self, instance: Model) -> bool:
        """Whether the set binds ``instance`` (a conditional constraint's condition holds)."""
        if not self.conditional:
            return True
        against = instance._get_field_expression_map(meta=self.model._meta)
        return self.constraint.condition.check(against)

    def error(self, instance: Model) -> ValidationError:
        """The error Django raises for this set, keyed where Django keys it."""
        constraint = self.constraint
        if constraint is not None and (
            constraint.violation_error_message != constraint.default_violation_error_message
            or constraint.condition is not None
        ):
            error = ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code
            )
        else:
            error = instance.unique_error_message(self.model, self.names)
        if len(self.names) == 1 and getattr(error, "code", None) == "unique":
            return ValidationError({self.names[0]: [error]})
        return ValidationError({NON_FIELD_ERRORS: [error]})


def _unique_sets(instance: Model) -> list[_UniqueSet]:
    meta = instance._meta
    checks, _dates = instance._get_unique_checks(include_meta_constraints=False)
    sets = []
    for model, names in checks:
        if names == (meta.pk.name,):
            continue
        attnames = tuple(meta.get_field(n).attname for n in names)
        sets.append(_UniqueSet(model, tuple(names), attnames))
    for model, constraints in instance.get_constraints():
        for constraint in constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.fields:
                names = tuple(constraint.fields)
                attnames = tuple(meta.get_field(n).attname for n in names)
                sets.append(_UniqueSet(model, names, attnames, constraint))
    return sets


def _clashing_in_database(model, check: _UniqueSet, asked: dict, instances, adding) -> list[int]:
    """Positions of ``asked`` whose values another record in the database already holds."""
    clashing = []
    if check.conditional:
        for positions in asked.values():
            for i in positions:
                try:
                    check.constraint.validate(check.model, instances[i])
                except ValidationError:
                    clashing.append(i)
        return clashing
    firsts = sorted({values[0] for values in asked}, key=str)
    chunk = settings.IMPORT_QUERY_CHUNK
    for start in range(0, len(firsts), chunk):
        found = check.model._default_manager.filter(
            **{f"{check.attnames[0]}__in": firsts[start : start + chunk]}
        ).values_list(*check.attnames, "pk")
        for *values, pk in found:
            for i in asked.get(tuple(values), ()):
                if adding[i] or instances[i].pk != pk:
                    clashing.append(i)
    return sorted(clashing)


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
