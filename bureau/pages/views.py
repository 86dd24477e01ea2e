from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import OuterRef, Subquery, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau import permissions
from bureau.bulk import deleted_in_batch, is_batch_reason, records_bulk_restore
from bureau.forms import BureauProfileForm
from bureau.selectors import bureau_profile
from bureau.services import bureau_profile_update, record_restore


def home(request):
    """Staff, liaisons and administrators start on their workbench (工作台); leaders on the
    dashboard, where their own to-do card sits."""
    user = request.user
    if getattr(user, "is_leader", False):
        return redirect("reports:dashboard")
    return redirect("reports:workbench")


def profile(request):
    """单位信息: everyone with a role reads it; administrators change it."""
    if not permissions.has_role(request.user):
        raise Http404
    current = bureau_profile()
    editable = request.user.is_admin
    form = BureauProfileForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("只有系统管理员可以修改单位信息。"))
        if form.is_valid():
            bureau_profile_update(
                user=request.user,
                data={name: form.cleaned_data[name] for name in form.Meta.fields},
            )
            messages.success(request, _("单位信息已保存。"))
            return redirect("bureau:profile")
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "bureau/profile.html",
        {"form": form, "editable": editable, "profile": current},
    )


def _history_models():
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is not None and hasattr(model, "url_namespace") and hasattr(history, "model"):
            yield model


def _require_admin(user):
    if not (user.is_authenticated and user.is_admin):
        raise PermissionDenied(_("只有系统管理员可以使用回收站。"))


def trash(request):
    """Deleted records, newest first, each with the user who deleted it and a restore button."""
    _require_admin(request.user)
    entries = []
    for model in _history_models():
        history_model = model.history.model
        alive = model._default_manager.filter(pk=OuterRef("id"))
        latest = history_model.objects.filter(id=OuterRef("id")).order_by(
            "-history_date", "-history_id"
        )
        deleted = (
            history_model.objects.filter(history_type="-")
            .exclude(id__in=Subquery(alive.values("pk")))
            .filter(history_id=Subquery(latest.values("history_id")[:1]))
            .select_related("history_user")
            .order_by("-history_date")[:100]
        )
        records = list(deleted)
        instances = [record.instance for record in records]
        # What each record's name reads (``SelectRelatedManager`` lists it), fetched once per
        # relation and model rather than once per deleted record.
        related = getattr(model._default_manager, "related", ())
        if related:
            prefetch_related_objects(instances, *related)
        for record, instance in zip(records, instances, strict=True):
            entries.append(
                {
                    "record": record,
                    "instance": instance,
                    "label": model._meta.verbose_name,
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                }
            )
    entries.sort(key=lambda entry: entry["record"].history_date, reverse=True)
    # Each 批量删除 once, with every record it deleted (not only those listed), to restore whole.
    batches = {}
    for entry in entries:
        reason = entry["record"].history_change_reason
        key = (entry["app_label"], entry["model_name"], reason)
        if is_batch_reason(reason) and key not in batches:
            model = apps.get_model(entry["app_label"], entry["model_name"])
            batches[key] = {
                "app_label": entry["app_label"],
                "model_name": entry["model_name"],
                "label": entry["label"],
                "reason": reason,
                "record": entry["record"],
                "count": deleted_in_batch(model, reason).count(),
            }
    return render(
        request, "bureau/trash.html", {"entries": entries, "batches": list(batches.values())}
    )


@require_POST
def trash_restore(request, app_label, model_name, history_id):
    _require_admin(request.user)
    try:
        model = apps.get_model(app_label, model_name)
        record = model.history.model.objects.get(history_id=history_id, history_type="-")
    except (LookupError, AttributeError, ObjectDoesNotExist) as error:
        raise Http404 from error
    if model._default_manager.filter(pk=record.id).exists():
        messages.warning(request, _("该记录已存在，无需恢复。"))
        return redirect("bureau:trash")
    instance = record_restore(historical=record, user=request.user)
    messages.success(request, _("已恢复：%(obj)s") % {"obj": instance})
    return redirect(instance.get_absolute_url())


@require_POST
def trash_restore_batch(request, app_label, model_name):
    """恢复整批: every record one 批量删除 sent to the trash, in one action."""
    _require_admin(request.user)
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as error:
        raise Http404 from error
    if model not in set(_history_models()):
        raise Http404
    reason = request.POST.get("reason", "")
    if not is_batch_reason(reason):
        raise Http404
    restored = records_bulk_restore(model=model, reason=reason, user=request.user)
    messages.success(
        request,
        _("已恢复整批删除的%(n)d条%(label)s。")
        % {"n": restored, "label": model._meta.verbose_name},
    )
    return redirect("bureau:trash")
