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

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from bureau.services import records_bulk_write

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
