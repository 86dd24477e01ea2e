"""批量修改 and 批量删除 from any list page: select records (ticked, or every one matching the
list's filters), choose what to change, see the changes per record, confirm.

The steps are one view, ``<entity>/bulk/``, posted to by the list's form:

1. ``action=edit`` (or ``delete``) with the selection: the fields the entity declares
   bulk-editable (``Entity.bulk_fields``), each with a tick to change it, or the records to
   delete;
2. ``bulk_step=preview``: the first ``PREVIEW_ROWS`` records with each changed field before and
   after, and the number selected;
3. ``bulk_step=confirm``: the write (``bureau.bulk``), in one transaction, every record checked as a
   form's save is. Refused records are listed with their reasons and nothing is written, unless
   the user chooses to skip them. More than ``BULK_JOB_THRESHOLD`` records run as a Celery job
   with a progress page.

The selection is resolved again at every step from the user's own records
(``permissions.scope_queryset``): a ticked id outside them (another township's record, however
the request was made) refuses the whole request and writes nothing.
"""

import secrets
from dataclasses import dataclass
from functools import cache

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache as django_cache
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau import permissions
from bureau.bulk import (
    BulkOutcome,
    BulkRefused,
    batch_reason,
    records_bulk_delete,
    records_bulk_update,
)
from portal.crud import ScopedFormMixin
from portal.listing import EMPTY, labelled, plain_text
from portal.models import BulkJob

PREVIEW_ROWS = 50  # records shown on the preview and delete pages
# Parameters of a list's address that are not filters: they never change which rows match.
LIST_PARAMETERS = frozenset({"page", "sort", "print", "export"})
MAX_TICKED = 5000  # ids one request may name; beyond that, select every matching record


class SelectionError(Exception):
    """The request's selection cannot be acted on; the message says why, in Chinese."""


@dataclass(frozen=True)
class Selection:
    """Which records a bulk action acts on: the ticked ``ids``, or (``ids`` None) every
    record matching the list's filter query string ``query``."""

    ids: tuple[int, ...] | None
    query: str = ""

    @classmethod
    def from_data(cls, data) -> "Selection":
        """From the list's form (``pk`` ticked, or ``all=1`` with ``query``)."""
        query = data.get("query", "")
        if data.get("all") == "1":
            return cls(None, query)
        try:
            ids = tuple(dict.fromkeys(int(value) for value in data.getlist("pk")))
        except (TypeError, ValueError) as error:
            raise SelectionError(_("所选记录的编号无效。")) from error
        if not ids:
            raise SelectionError(_("请先勾选要处理的记录。"))
        if len(ids) > MAX_TICKED:
            raise SelectionError(
                _("一次最多勾选%(n)d条记录；更多时请选择“全部符合条件的记录”。") % {"n": MAX_TICKED}
            )
        return cls(ids, query)

    def as_json(self) -> dict:
        return {"query": self.query} if self.ids is None else {"ids": list(self.ids)}

    @classmethod
    def from_json(cls, value: dict) -> "Selection":
        ids = value.get("ids")
        return cls(None if ids is None else tuple(ids), value.get("query", ""))

    def resolve(self, viewset, user) -> tuple[models.QuerySet, int]:
        """The selected records, from those ``user`` may see, and how many they are (one
        count); ``SelectionError`` when a ticked id is not among them or the filters do not
        validate."""
        records = viewset.get_queryset(user)
        if self.ids is not None:
            records = records.filter(pk__in=self.ids)
            found = records.count()
            if found != len(self.ids):
                raise SelectionError(
                    _("所选记录中有%(n)d条不存在或不在您的权限范围内，未作任何修改。")
                    % {"n": len(self.ids) - found}
                )
            return records.order_by("pk"), found
        filterset = viewset.filterset(QueryDict(self.query), queryset=records, request=_As(user))
        problems = filter_problems(filterset, ignored=LIST_PARAMETERS)
        if problems:
            # A key the list does not know would select every record: refuse, naming it.
            raise SelectionError(
                _("筛选条件无效（%(problems)s），未作任何修改，请回到列表重新筛选。")
                % {"problems": "；".join(f"{k}：{v}" for k, v in problems.items())}
            )
        records = filterset.qs.order_by("pk")
        return records, records.count()


def filter_problems(filterset, *, ignored=frozenset()) -> dict[str, str]:
    """``{parameter: why}`` for every parameter of a bound filter set's data that is not one
    of its filters (and not ``ignored``), or whose value does not validate; empty when the
    filters select exactly what the list shows. A bulk action refuses a selection with any."""
    problems = {
        key: _("未知的筛选参数")
        for key in filterset.data
        if key not in filterset.filters and key not in ignored
    }
    if not filterset.is_valid():
        for key, errors in filterset.errors.items():
            problems[key] = "".join(errors)
    return problems


@dataclass(frozen=True)
class _As:
    """What a filter set reads of a request: its user (a job has no request)."""

    user: object


# ---- the edit form ---------------------------------------------------------------------------

YES_NO = [("", gettext_lazy("请选择")), ("true", gettext_lazy("是")), ("false", gettext_lazy("否"))]


class BulkEditForm(ScopedFormMixin, forms.Form):
    """One tick (``set_<field>``) and one value per bulk-editable field; a value is required
    only where its tick is set."""

    bulk_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.bulk_fields:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        chosen = [name for name in self.bulk_fields if cleaned.get(f"set_{name}")]
        if not chosen:
            raise forms.ValidationError(_("请至少勾选一个要修改的字段。"))
        for name in chosen:
            field = self.model._meta.get_field(name)
            if name in self.errors:
                continue
            if cleaned.get(name) in (None, "") and not (field.null or field.blank):
                self.add_error(name, _("请填写要改成的值。"))
        return cleaned

    @property
    def changes(self) -> dict:
        """``{field: value}`` for the ticked fields, as the model stores them."""
        changes = {}
        for name in self.bulk_fields:
            if not self.cleaned_data.get(f"set_{name}"):
                continue
            value = self.cleaned_data.get(name)
            field = self.model._meta.get_field(name)
            if value in (None, "") and not field.null and not field.is_relation:
                value = ""  # a blank text or choice
            changes[name] = value
        return changes

    def chosen_fields(self) -> list[tuple]:
        """``(bound tick, bound value)`` pairs, in the declaration's order, for the template."""
        return [(self[f"set_{name}"], self[name]) for name in self.bulk_fields]


@cache
def bulk_form_class(viewset) -> type[BulkEditForm]:
    model = viewset.model
    attrs = {"model": model, "bulk_fields": tuple(viewset.declaration.bulk_fields)}
    for name in attrs["bulk_fields"]:
        model_field = model._meta.get_field(name)
        label = model_field.verbose_name
        if name in viewset.choices:
            field = forms.ChoiceField(label=label, choices=viewset.choices[name])
        elif isinstance(model_field, models.BooleanField):
            field = forms.TypedChoiceField(
                label=label, choices=YES_NO, coerce=lambda value: value == "true"
            )
        else:
            field = model_field.formfield()
        attrs[name] = field
        attrs[f"set_{name}"] = forms.BooleanField(
            label=format_lazy("{}{}", gettext_lazy("修改"), label), required=False
        )
    return type(f"{model.__name__}BulkEditForm", (BulkEditForm,), attrs)


def bulk_form(viewset, user, data=None) -> BulkEditForm:
    return bulk_form_class(viewset)(data, user=user)


# ---- running a bulk action -----------------------------------------------------------------


def reason_for(viewset, action: str, changes: dict | None = None, batch: str = "") -> str:
    """The history rows' change reason: which bulk action, which fields. A deletion names its
    batch, so the trash (回收站) restores the whole of it in one action."""
    if action == BulkJob.Action.DELETE:
        return batch_reason(batch) if batch else _("批量删除")
    labels = "、".join(str(viewset.model._meta.get_field(name).verbose_name) for name in changes)
    return (_("批量修改：%(fields)s") % {"fields": labels})[:100]


def bulk_run(
    *,
    viewset,
    user,
    action: str,
    records: models.QuerySet,
    changes: dict | None = None,
    skip_invalid: bool = False,
    progress=None,
) -> BulkOutcome:
    """Write the bulk action (``BulkRefused`` when records fail and are not to be skipped)."""
    if not viewset.can_change(user):
        raise PermissionDenied(_("您没有修改此类记录的权限。"))
    batch = secrets.token_hex(4) if action == BulkJob.Action.DELETE else ""
    reason = reason_for(viewset, action, changes, batch)
    common = {
        "user": user,
        "reason": reason,
        "admin_only": viewset.admin_only,
        "skip_invalid": skip_invalid,
        "progress": progress,
    }
    # Records are read in chunks as they are written, not all held at once.
    rows = records.iterator(chunk_size=500)
    if action == BulkJob.Action.DELETE:
        return records_bulk_delete(records=rows, **common)
    return records_bulk_update(records=rows, changes=changes, **common)


def bulk_submit(
    *,
    viewset,
    user,
    action: str,
    selection: "Selection",
    records: models.QuerySet,
    total: int,
    form_data: dict,
    changes: dict | None,
    skip_invalid: bool,
) -> tuple[BulkOutcome | None, BulkJob | None]:
    """Write now, or above ``BULK_JOB_THRESHOLD`` records queue a job: ``(outcome, None)`` or
    ``(None, job)``; ``BulkRefused`` as ``bulk_run``. The page and the API both submit here."""
    if total > settings.BULK_JOB_THRESHOLD:
        job = bulk_job_start(
            viewset=viewset,
            user=user,
            action=action,
            selection=selection,
            data=form_data,
            skip_invalid=skip_invalid,
            total=total,
        )
        return None, job
    outcome = bulk_run(
        viewset=viewset,
        user=user,
        action=action,
        records=records,
        changes=changes,
        skip_invalid=skip_invalid,
    )
    return outcome, None


def bulk_job_start(
    *, viewset, user, action: str, selection: Selection, data: dict, skip_invalid: bool, total
):
    """Record the job and queue it once the transaction commits."""
    from portal.tasks import bulk_job_run  # noqa: PLC0415 - the Celery app sits above

    job = BulkJob.objects.create(
        user=user,
        entity=viewset.model._meta.label_lower,
        action=action,
        selection=selection.as_json(),
        data=data,
        skip_invalid=skip_invalid,
        reason=reason_for(viewset, action, _changes_of(viewset, user, data, action)),
        total=total,
    )
    django_cache.set(job.progress_key, 0, 6 * 3600)

    def queue():
        task = bulk_job_run.delay(job.pk)
        BulkJob.objects.filter(pk=job.pk, task_id="").update(task_id=task.id or "")

    transaction.on_commit(queue)
    return job


def bulk_job_execute(job_id: int) -> None:
    """What the Celery task does: resolve the selection and the form again, as the job's user,
    and write. The outcome, or why it failed, is kept on the job."""
    from portal.registry import viewset_for  # noqa: PLC0415

    job = BulkJob.objects.select_related("user").get(pk=job_id)
    if not job.is_running:
        return
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)
    job.status = BulkJob.Status.RUNNING
    try:
        from django.apps import apps  # noqa: PLC0415

        viewset = viewset_for(apps.get_model(job.entity))
        records, _total = Selection.from_json(job.selection).resolve(viewset, job.user)
        changes = _changes_of(viewset, job.user, job.data, job.action)
        outcome = bulk_run(
            viewset=viewset,
            user=job.user,
            action=job.action,
            records=records,
            changes=changes,
            skip_invalid=job.skip_invalid,
            progress=lambda done: django_cache.set(job.progress_key, done, 6 * 3600),
        )
    except BulkRefused as refused:
        _finish(job, refused.outcome, BulkJob.Status.REFUSED, written=0)
    except (SelectionError, PermissionDenied, forms.ValidationError) as error:
        job.status = BulkJob.Status.FAILED
        job.message = _message(error)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
    else:
        _finish(job, outcome, BulkJob.Status.DONE, written=outcome.written)
    finally:
        django_cache.delete(job.progress_key)


def _finish(job, outcome: BulkOutcome, status, *, written: int) -> None:
    job.status = status
    job.total = outcome.total
    job.written = written
    job.unchanged = outcome.unchanged if status == BulkJob.Status.DONE else 0
    job.refused = [
        {"pk": r.pk, "record": r.record, "messages": r.messages} for r in outcome.refused[:1000]
    ]
    job.finished_at = timezone.now()
    job.save()


def _message(error) -> str:
    if isinstance(error, forms.ValidationError):
        return "；".join(error.messages)
    return str(error)


def _changes_of(viewset, user, data: dict, action: str) -> dict | None:
    if action == BulkJob.Action.DELETE:
        return None
    form = bulk_form(viewset, user, data)
    if not form.is_valid():
        raise forms.ValidationError(
            [message for errors in form.errors.values() for message in errors]
        )
    return form.changes


# ---- the pages ---------------------------------------------------------------------------------


@login_required
def bulk_action(request, viewset):
    """The three steps of a bulk action; see the module's docstring."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not permissions.can_view_model(request.user, viewset.model) or not viewset.can_change(
        request.user
    ):
        raise PermissionDenied(_("您没有修改此类记录的权限。"))
    action = {"edit": BulkJob.Action.UPDATE, "delete": BulkJob.Action.DELETE}.get(
        request.POST.get("action", "")
    )
    list_url = reverse(viewset.url_name("list"))
    try:
        selection = Selection.from_data(request.POST)
        if action is None:
            raise SelectionError(_("请选择要执行的批量操作。"))
        if action == BulkJob.Action.UPDATE and not viewset.declaration.bulk_fields:
            raise SelectionError(_("这类记录没有可以批量修改的字段。"))
        records, total = selection.resolve(viewset, request.user)
    except SelectionError as error:
        messages.error(request, str(error))
        return redirect(f"{list_url}?{request.POST.get('query', '')}")
    step = request.POST.get("bulk_step", "")
    context = {
        "viewset": viewset,
        "verbose_name": viewset.model._meta.verbose_name,
        "verbose_name_plural": viewset.model._meta.verbose_name_plural,
        "list_url": f"{list_url}?{selection.query}" if selection.query else list_url,
        "selection": selection,
        "action": "edit" if action == BulkJob.Action.UPDATE else "delete",
        "threshold": settings.BULK_JOB_THRESHOLD,
        "count": total,
    }
    form, carried = None, []
    if action == BulkJob.Action.UPDATE:
        form = bulk_form(viewset, request.user, request.POST if step else None)
        context["form"] = form
        fields = set(viewset.declaration.bulk_fields)
        # The form's own fields, carried from the preview to the confirmation (and the job).
        carried = context["carried"] = [
            (key, request.POST[key])
            for key in request.POST
            if key.startswith("set_") or key in fields
        ]
        if not step or not form.is_valid():
            return render(request, "crud/bulk_edit.html", context)
    if step != "confirm":
        changes = form.changes if form is not None else None
        context["preview"] = _preview(viewset, records, changes)
        return render(request, "crud/bulk_preview.html", context)
    try:
        outcome, job = bulk_submit(
            viewset=viewset,
            user=request.user,
            action=action,
            selection=selection,
            records=records,
            total=total,
            form_data=dict(carried),
            changes=form.changes if form is not None else None,
            skip_invalid=request.POST.get("skip_invalid") == "1",
        )
    except BulkRefused as refused:
        context["outcome"] = refused.outcome
        context["preview"] = _preview(viewset, records, form.changes if form else None)
        return render(request, "crud/bulk_preview.html", context, status=400)
    if job is not None:
        return redirect(job.get_absolute_url())
    _report_outcome(request, action, outcome)
    return redirect(context["list_url"])


def _report_outcome(request, action, outcome: BulkOutcome) -> None:
    verb = _("删除") if action == BulkJob.Action.DELETE else _("修改")
    text = _("已批量%(verb)s%(n)d条记录") % {"verb": verb, "n": outcome.written}
    if outcome.unchanged:
        text += _("，%(n)d条原本就是所选的值，未改动") % {"n": outcome.unchanged}
    if outcome.refused:
        text += _("，跳过%(n)d条未通过校验的记录") % {"n": len(outcome.refused)}
    if action == BulkJob.Action.DELETE and outcome.written:
        text += _("（管理员可在回收站恢复）")
    messages.success(request, text + "。")


def _preview(viewset, records, changes: dict | None) -> list[dict]:
    """The first ``PREVIEW_ROWS`` records, each changed field before and after: one query for
    the records (with the relations their names and the changed fields read)."""
    related = set(viewset.select_related)
    for name in changes or {}:
        if viewset.model._meta.get_field(name).many_to_one:
            related.add(name)
    rows = []
    for record in records.select_related(*sorted(related))[:PREVIEW_ROWS]:
        fields = []
        for name, value in (changes or {}).items():
            field = viewset.model._meta.get_field(name)
            before = _shown(viewset, field, getattr(record, name))
            after = _shown(viewset, field, value)
            fields.append((field.verbose_name, before, after, before != after))
        rows.append({"record": record, "url": record.get_absolute_url(), "fields": fields})
    return rows


def _shown(viewset, field, value) -> str:
    if field.name in viewset.choices:
        return str(labelled(viewset.choices[field.name])(value))
    if field.many_to_one:
        return str(value) if value is not None else EMPTY
    if field.choices:
        if value in (None, ""):
            return EMPTY
        return str(dict(field.flatchoices).get(value, value))
    return plain_text(value)


@login_required
def bulk_job(request, pk):
    """A bulk job's page: its progress while it runs, then what was written and refused."""
    job = BulkJob.objects.filter(pk=pk).first()
    if job is None or (job.user_id != request.user.pk and not request.user.is_admin):
        raise Http404
    context = {"job": job, "progress": job.progress()}
    if request.headers.get("HX-Request"):
        return render(request, "crud/_bulk_job_status.html", context)
    return render(request, "crud/bulk_job.html", context)
