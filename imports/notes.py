"""跟进记录 exported with their records: the notes of every record a list shows (the same query
string as the list's export, so the same filters and the same township scope), one row a note,
each naming its record, as .xlsx."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from bureau.models import FollowUpNote
from imports.engine.export import spooled, write_table
from imports.engine.registry import entity_or_404
from imports.views import XLSX, _check_can_view, download_from_url, export_queryset

COLUMNS = (
    (gettext_lazy("记录"), 36),
    (gettext_lazy("记录编号"), 10),
    (gettext_lazy("日期"), 12),
    (gettext_lazy("方式"), 10),
    (gettext_lazy("内容"), 60),
    (gettext_lazy("记录人"), 12),
)


def notes_rows(records, model):
    """``(record, pk, date, kind, text, author)`` for every note on ``records``, the records in
    the list's order and each one's notes newest first: one query for the notes (their authors
    joined) per 2,000 records."""
    kind = ContentType.objects.get_for_model(model)
    chunk = []
    for record in records.iterator(chunk_size=2000):
        chunk.append(record)
        if len(chunk) == 2000:
            yield from _chunk_rows(chunk, kind)
            chunk = []
    if chunk:
        yield from _chunk_rows(chunk, kind)


def _chunk_rows(records, kind):
    notes = FollowUpNote.objects.filter(
        content_type=kind, object_id__in=[record.pk for record in records]
    ).select_related("author")
    by_record = {}
    for note in notes:
        by_record.setdefault(note.object_id, []).append(note)
    for record in records:
        for note in by_record.get(record.pk, ()):
            author = note.author.get_full_name() or note.author.username if note.author else ""
            yield (str(record), record.pk, note.date, note.get_kind_display(), note.text, author)


@require_GET
def export_notes(request, entity):
    """The notes of the records the list shows with this query string, as .xlsx."""
    entity = entity_or_404(entity)
    _check_can_view(request.user, entity)
    if not entity.viewset.declaration.follow_up:
        raise Http404
    if request.headers.get("HX-Request"):
        return download_from_url(request)
    records = export_queryset(request, entity).order_by("pk")
    title = _("%(name)s跟进记录") % {"name": entity.model._meta.verbose_name_plural}
    stream = spooled(
        lambda handle: write_table(
            handle, str(_("跟进记录")), COLUMNS, notes_rows(records, entity.model)
        )
    )
    stamp = datetime.date.today().strftime("%Y%m%d")
    return FileResponse(
        stream, as_attachment=True, filename=f"{title}_{stamp}.xlsx", content_type=XLSX
    )
