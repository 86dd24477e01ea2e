"""Writes on many records at once: 批量修改 (one value set on several fields of every record) and
批量删除 (to the trash, restorable as a single delete is).

Both go through the write service's batch write (``bureau.services.records_bulk_write``): each
record gets the checks of the single save or delete (``record_prepare``: the role and township
rules as the record will stand, the date bounds, the model's validation, uniqueness checked
over the batch; for a delete the role and township rules and the records that still refer to
it), all in one transaction, and its history row names the user and gives ``reason``
(simple_history's change reason), so the record's page says which bulk action changed it. Every refusal is collected, record by record:
with ``skip_invalid`` the valid records are written and the others listed; without it nothing is
written (``BulkRefused``), as an import with errors writes nothing unless told to skip them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, OuterRef, Subquery
from django.utils.translation import gettext as _

from bureau.services import record_restore, records_bulk_write

# How often the progress callback hears of a long run.
PROGRESS_EVERY = 100


@dataclass(frozen=True)
class Refusal:
    """A record the bulk action could not write, with the reasons in Chinese."""

    pk: int
    record: str
    messages: list[str]


@dataclass
class BulkOutcome:
    written: int = 0  # records changed (or deleted)
    unchanged: int = 0  # records that already held every value
    refused: list[Refusal] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.written + self.unchanged + len(self.refused)


class BulkRefused(Exception):
    """Some records failed and the user did not choose to skip them: nothing was written."""

    def __init__(self, outcome: BulkOutcome):
        super().__init__(f"{len(outcome.refused)} records refused")
        self.outcome = outcome


def records_bulk_update(
    *,
    records: Iterable[Model],
    changes: dict,
    user,
    reason: str,
    admin_only: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BulkOutcome:
    """Set ``changes`` (``{field name: value}``) on every record of ``records`` on behalf of
    ``user``. A record that already holds every value is left alone (no history row)."""
    outcome = BulkOutcome()
    changed = []
    for done, instance in enumerate(records, start=1):
        if all(_holds(instance, name, value) for name, value in changes.items()):
            outcome.unchanged += 1
        else:
            for name, value in changes.items():
                setattr(instance, name, value)
            changed.append(instance)
        _report(progress, done)
    return _written(
        outcome,
        changed=changed,
        user=user,
        reason=reason,
        admin_only=admin_only,
        skip_invalid=skip_invalid,
    )


def records_bulk_delete(
    *,
    records: Iterable[Model],
    user,
    reason: str,
    admin_only: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BulkOutcome:
    """Delete every record of ``records`` on behalf of ``user``: each leaves a history row the
    trash (回收站) restores it from. A record others still refer to is refused, naming them."""
    deleted = []
    for done, instance in enumerate(records, start=1):
        deleted.append(instance)
        _report(progress, done)
    return _written(
        BulkOutcome(),
        deleted=deleted,
        user=user,
        reason=reason,
        admin_only=admin_only,
        skip_invalid=skip_invalid,
    )


def _written(outcome: BulkOutcome, *, changed=(), deleted=(), skip_invalid, **common):
    """The batch through the write service (``records_bulk_write``); ``BulkRefused`` when some
    record was refused and the user did not choose to skip them (nothing is then written)."""
    if changed or deleted:
        done = records_bulk_write(
            model=type((changed or deleted)[0]),
            changed=changed,
            deleted=deleted,
            skip_invalid=skip_invalid,
            **common,
        )
        outcome.written = len(done.written)
        outcome.refused = [_refusal(instance, error) for instance, error in done.refused]
    if outcome.refused and not skip_invalid:
        raise BulkRefused(outcome)
    return outcome


def batch_reason(batch: str) -> str:
    """The change reason of every history row one 批量删除 writes: the batch names it, so the
    trash restores the whole deletion in one action (``records_bulk_restore``)."""
    return _("批量删除（批次 %(batch)s）") % {"batch": batch}


def is_batch_reason(reason: str | None) -> bool:
    prefix = batch_reason("").split("%")[0].rstrip(" ）)")
    return bool(reason) and reason.startswith(prefix) and reason != prefix


def deleted_in_batch(model: type[Model], reason: str):
    """The history rows of ``model``'s records deleted by the batch ``reason`` and still
    deleted (the deletion is each record's latest history row, the record is not back)."""
    history = model.history.model
    latest = history.objects.filter(id=OuterRef("id")).order_by("-history_date", "-history_id")
    return (
        history.objects.filter(history_type="-", history_change_reason=reason)
        .exclude(id__in=Subquery(model._default_manager.filter(pk=OuterRef("id")).values("pk")))
        .filter(history_id=Subquery(latest.values("history_id")[:1]))
        .order_by("history_id")
    )


def records_bulk_restore(*, model: type[Model], reason: str, user) -> int:
    """Bring back every record the bulk deletion ``reason`` sent to the trash, in one
    transaction (administrators only, as a single restore). Returns how many."""
    if user is None or not user.is_admin:
        raise PermissionDenied(_("只有系统管理员可以使用回收站。"))
    if not is_batch_reason(reason):
        raise ValidationError(_("这不是一次批量删除。"))
    restored = 0
    with transaction.atomic():
        for historical in deleted_in_batch(model, reason).iterator(chunk_size=500):
            record_restore(historical=historical, user=user)
            restored += 1
    return restored


def _holds(instance: Model, name: str, value) -> bool:
    """Whether the record already holds ``value`` (a related record compared by its key, so
    nothing is fetched)."""
    field = instance._meta.get_field(name)
    if field.many_to_one:
        value = value.pk if value is not None else None
    return getattr(instance, field.attname) == value


def _report(progress, done: int) -> None:
    if progress is not None and done % PROGRESS_EVERY == 0:
        progress(done)


def _refusal(instance: Model, error: Exception) -> Refusal:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        messages = []
        for name, errors in error.message_dict.items():
            if name == NON_FIELD_ERRORS:
                messages.extend(errors)
                continue
            label = instance._meta.get_field(name).verbose_name
            messages.extend(f"{label}：{message}" for message in errors)
    elif isinstance(error, ValidationError):
        messages = list(error.messages)
    else:
        messages = [str(error) or _("您没有修改这条记录的权限。")]
    return Refusal(instance.pk, str(instance), messages)
