"""跟进记录 on records: adding and deleting notes, and reading a record's notes. Adding needs
the right to change the record (a liaison: their township's); the author or an administrator
deletes. Whether an entity takes notes is declared with it (``Entity.follow_up``)."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from bureau.models import FollowUpNote
from bureau.permissions import check_can_change
from bureau.text import clean_text
from bureau.validators import validate_date_range


def notes_for(record) -> list[FollowUpNote]:
    """The record's notes, newest first (one query, their authors joined)."""
    kind = ContentType.objects.get_for_model(type(record))
    return list(
        FollowUpNote.objects.filter(content_type=kind, object_id=record.pk).select_related("author")
    )


@transaction.atomic
def note_add(*, user, record, date, kind: str, text: str) -> FollowUpNote:
    check_can_change(user, record)
    validate_date_range(date)
    note = FollowUpNote(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        date=date,
        kind=kind,
        text=clean_text(text or "").strip(),
        author=user,
    )
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def note_delete(*, user, note: FollowUpNote) -> None:
    if not (user.is_admin or (note.author_id == user.pk and user.can_edit)):
        raise PermissionDenied(_("只有记录人或系统管理员可以删除跟进记录。"))
    note.delete()
