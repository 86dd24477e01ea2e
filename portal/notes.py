"""The 跟进记录 form on a record's page: add a note, delete one. The record is found as its
list finds it (scoped to the user: another township's record answers 404)."""

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bureau import follow_up
from bureau.models import FollowUpNote
from bureau.text import CleanInputMixin
from portal import registry


class NoteForm(CleanInputMixin, forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("方式"), choices=FollowUpNote.Kind.choices)
    text = forms.CharField(
        label=gettext_lazy("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


def _record(request, content_type_id: int, object_id: int):
    kind = get_object_or_404(ContentType, pk=content_type_id)
    model = kind.model_class()
    try:
        viewset = registry.viewset_for(model)
    except LookupError as error:
        raise Http404 from error
    if not viewset.declaration.follow_up:
        raise Http404
    return get_object_or_404(viewset.get_queryset(request.user), pk=object_id)


@require_POST
def note_add(request, content_type_id: int, object_id: int):
    record = _record(request, content_type_id, object_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, _("跟进记录未保存：%(e)s") % {"e": "；".join(errors)})
        return redirect(record.get_absolute_url())
    try:
        follow_up.note_add(user=request.user, record=record, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _("跟进记录未保存：%(e)s") % {"e": "；".join(error.messages)})
    else:
        messages.success(request, _("已添加跟进记录。"))
    return redirect(f"{record.get_absolute_url()}#follow-up")


@require_POST
def note_delete(request, pk: int):
    note = get_object_or_404(FollowUpNote, pk=pk)
    record = _record(request, note.content_type_id, note.object_id)
    try:
        follow_up.note_delete(user=request.user, note=note)
    except PermissionDenied:
        raise
    messages.success(request, _("已删除跟进记录。"))
    return redirect(f"{record.get_absolute_url()}#follow-up")
