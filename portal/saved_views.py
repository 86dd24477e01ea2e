"""我的筛选: a list page's filters and sort saved under a name, opened again with one click from
the list or the workbench.

A saved view is the list's querystring as it was (without the page). The list pages have no
column chooser (every list shows its declared columns), so a view records the filters and the
sort only. Shared views are seen by the users of the owner's role: users belong to no department
(``bureau.Department`` is a unit that 帮包 townships, not a team of people).

Opening a view checks its conditions again with the list's own filter form, as the user it is
opened by: a condition that no longer validates (a choice since removed, a field no longer
filtered on, a related record the user may not choose, a bad value) is dropped, with a note
naming it, and the list opens with the rest. Whatever the view says, the list is scoped to the
user (a liaison's to their township), as any list is.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db.models import IntegerField, Q, QuerySet, Subquery
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from bureau import permissions
from bureau.models import SavedView, User
from bureau.saved_views import MAX_PER_USER, saved_view_delete, saved_view_save
from bureau.text import CleanInputMixin
from portal import registry
from portal.crud import CrudViewSet

# Shared views shown on a list's strip and on the workbench, newest first; the rest are behind
# 更多 (the 我的筛选 page). Their record counts are asked ``COUNT_BATCH`` to a query.
SHARED_SHOWN = 20
COUNT_BATCH = 25

# Parameters of a list's address that are not part of what it shows.
NOT_SAVED = ("page", "print")


# ---- selectors ----------------------------------------------------------------------------


def saved_views_visible(user, entity: str | None = None) -> QuerySet:
    """The views ``user`` may open (their own, and those shared by users of their role), of the
    list ``entity`` or of every list; their owners joined."""
    if not permissions.has_role(user):
        return SavedView.objects.none()
    queryset = SavedView.objects.filter(
        Q(owner=user) | Q(shared=True, owner__role=user.role, owner__is_active=True)
    ).select_related("owner")
    if entity is not None:
        queryset = queryset.filter(entity=entity)
    return queryset


class ViewsShown(list):
    """The views a strip or the workbench shows, and ``more``: how many shared views are left
    out (behind 更多, the 我的筛选 page)."""

    more: int = 0


def saved_views_shown(user, entity: str | None = None) -> ViewsShown:
    """The user's own views (at most ``MAX_PER_USER``) and the newest ``SHARED_SHOWN`` shared
    with them: a bounded number, however many others share, in two queries (three when some
    shared views are left out, to count them)."""
    visible = saved_views_visible(user, entity)
    own = list(visible.filter(owner=user).order_by("entity", "name", "pk")[:MAX_PER_USER])
    others = visible.exclude(owner=user)
    shared = list(others.order_by("-created_at", "-pk")[: SHARED_SHOWN + 1])
    shown = ViewsShown(own + shared[:SHARED_SHOWN])
    if len(shared) > SHARED_SHOWN:
        shown.more = others.count() - SHARED_SHOWN
    return shown


def saved_view_for_user(user, pk: int) -> SavedView:
    """A view ``user`` may open, or 404."""
    try:
        return saved_views_visible(user).get(pk=pk)
    except SavedView.DoesNotExist as error:
        raise Http404 from error


def own_saved_view(user, pk: int) -> SavedView:
    """A view of ``user``'s own, or 404: a view shared with them is not theirs to change."""
    try:
        return SavedView.objects.get(pk=pk, owner=user)
    except SavedView.DoesNotExist as error:
        raise Http404 from error


def entity_label(viewset: CrudViewSet) -> str:
    return viewset.model._meta.label_lower


def viewset_of(user, label: str) -> CrudViewSet | None:
    """The list ``label`` names, if it is still declared and ``user`` may see it."""
    for viewset in registry.viewsets():
        if entity_label(viewset) == label:
            return viewset if permissions.can_view_model(user, viewset.model) else None
    return None


def saved_query(params: QueryDict) -> str:
    """A list's querystring as a view keeps it: everything but the page."""
    query = params.copy()
    for name in NOT_SAVED:
        query.pop(name, None)
    return query.urlencode()


def list_url(viewset: CrudViewSet, query: str = "") -> str:
    url = reverse(viewset.url_name("list"))
    return f"{url}?{query}" if query else url


@dataclass
class Checked:
    """A saved view's conditions checked as ``user`` would open them."""

    query: str  # what still validates, as a querystring
    dropped: list[str]  # what does not, as people read it ("状态：公示")
    queryset: QuerySet  # the list's records under what still validates


def check_views(request, views: list[tuple[SavedView, CrudViewSet]]) -> list[Checked]:
    """Check ``views`` for ``request.user`` through their lists' filter forms. The related
    records they name (a township, an enterprise) are looked up together, one query for each
    kind of related record, not one per view."""
    filtersets = []
    for view, viewset in views:
        data = QueryDict(view.query)
        filterset = viewset.filterset(
            data=data, queryset=viewset.get_queryset(request.user), request=request
        )
        filtersets.append(filterset)
    _related_in_bulk([filterset.form for filterset in filtersets])
    return [
        _checked(viewset, filterset)
        for (_view, viewset), filterset in zip(views, filtersets, strict=True)
    ]


def _checked(viewset: CrudViewSet, filterset) -> Checked:
    form = filterset.form
    data = form.data
    errors = form.errors  # validates
    sortable = {column.name for column in viewset.columns if column.orderable}
    kept, dropped = QueryDict(mutable=True), []
    for name, values in data.lists():
        if name in NOT_SAVED:
            continue
        if name == "sort":
            good = [value for value in values if value.removeprefix("-") in sortable]
            label = _("排序")
        elif name in form.fields:
            good = [] if name in errors else values
            label = form.fields[name].label or name
        else:  # a field the list no longer filters on
            good, label = [], name
        if good:
            kept.setlist(name, good)
        elif any(value.strip() for value in values):
            dropped.append(f"{label}：{'、'.join(values)}")
    # The filter set applies the conditions that validated (django-filter leaves out the others).
    return Checked(kept.urlencode(), dropped, filterset.qs)


def _related_in_bulk(filter_forms) -> None:
    """Check the related records named by the conditions of several filter forms in one query
    per kind of record (and scope): each such field becomes a choice among the records named
    that the user may choose, so validating the forms costs no query of its own. The filters
    take the records' keys as they take the records."""
    wanted: dict[tuple, tuple[QuerySet, set]] = {}
    fields = []
    for form in filter_forms:
        for name, field in form.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or name not in form.data:
                continue
            queryset = field.queryset
            key = (queryset.model, _sql(queryset))
            pks = wanted.setdefault(key, (queryset, set()))[1]
            for value in form.data.getlist(name):
                try:
                    pks.add(queryset.model._meta.pk.to_python(value))
                except ValidationError:
                    continue
            fields.append((form, name, field, key))
    found = {
        key: {str(pk) for pk in queryset.filter(pk__in=pks).values_list("pk", flat=True)}
        for key, (queryset, pks) in wanted.items()
        if pks
    }
    for form, name, field, key in fields:
        choices = [(pk, pk) for pk in sorted(found.get(key, ()))]
        coerce = field.queryset.model._meta.pk.to_python
        if isinstance(field, forms.ModelMultipleChoiceField):
            form.fields[name] = forms.TypedMultipleChoiceField(
                label=field.label, choices=choices, coerce=coerce, required=False
            )
        else:
            form.fields[name] = forms.TypedChoiceField(
                label=field.label,
                choices=[("", ""), *choices],
                coerce=coerce,
                required=False,
                empty_value=None,
            )


def _sql(queryset: QuerySet) -> str:
    """What tells two choices' querysets apart (the same records for the same user)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return ""
    return f"{sql} {params!r}"


class _Count(Subquery):
    """The number of rows of a queryset, as a scalar subquery (as ``QuerySet.count()`` counts
    them, duplicates and ``distinct()`` included)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) saved_view_rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet):
        super().__init__(queryset.order_by().values("pk"))


@dataclass
class WorkbenchView:
    view: SavedView
    list_name: str
    count: int
    url: str
    mine: bool


def workbench_views(request) -> ViewsShown:
    """The 我的筛选 card of the workbench: the views shown (``saved_views_shown``: the user's
    own and the newest shared), each with the number of records it opens (scoped to the user
    as the list is). The counts are asked ``COUNT_BATCH`` to a query, so neither a query's
    size nor the number of queries grows with the views others share."""
    user = request.user
    shown = saved_views_shown(user)
    views = []
    for view in shown:
        viewset = viewset_of(user, view.entity)
        if viewset is not None:
            views.append((view, viewset))
    result = ViewsShown()
    result.more = shown.more
    if not views:
        return result
    checked = check_views(request, views)
    counts = {}
    for start in range(0, len(checked), COUNT_BATCH):
        batch = checked[start : start + COUNT_BATCH]
        counts.update(
            User.objects.filter(pk=user.pk)
            .values(**{f"n{start + i}": _Count(c.queryset) for i, c in enumerate(batch)})
            .get()
        )
    result.extend(
        WorkbenchView(
            view,
            str(viewset.model._meta.verbose_name_plural),
            counts[f"n{i}"],
            reverse("saved-view-open", args=[view.pk]),
            view.owner_id == user.pk,
        )
        for i, ((view, viewset), _c) in enumerate(zip(views, checked, strict=True))
    )
    return result


# ---- pages -------------------------------------------------------------------------------


class SavedViewForm(CleanInputMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=SavedView.NAME_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("请填写筛选的名称。"),
            "max_length": gettext_lazy("名称最多%(limit_value)d个字（现有%(show_value)d个）。"),
        },
    )
    shared = forms.BooleanField(label=gettext_lazy("与同角色用户共享"), required=False)


def _errors(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return "；".join(message for messages_ in error.values() for message in messages_)


def _back(request, fallback: str) -> str:
    """Where a form came from (``next``), if it is this site's, else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
def save(request):
    """保存当前筛选: the list's querystring (``query``) saved under ``name``."""
    viewset = viewset_of(request.user, request.POST.get("entity", ""))
    if viewset is None:
        raise Http404
    query = saved_query(QueryDict(request.POST.get("query", "").lstrip("?")))
    back = list_url(viewset, query)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("筛选未保存：%(e)s") % {"e": _errors(form.errors)})
        return redirect(back)
    try:
        view = saved_view_save(
            user=request.user, entity=entity_label(viewset), query=query, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, _("筛选未保存：%(e)s") % {"e": _errors(error)})
        return redirect(back)
    messages.success(request, _("已保存筛选「%(name)s」。") % {"name": view.name})
    return redirect(back)


@require_GET
def open_view(request, pk: int):
    """The list with the view's conditions, those that no longer validate left out and named."""
    view = saved_view_for_user(request.user, pk)
    viewset = viewset_of(request.user, view.entity)
    if viewset is None:
        raise Http404
    (checked,) = check_views(request, [(view, viewset)])
    if checked.dropped:
        conditions = "、".join(f"“{condition}”" for condition in checked.dropped)
        messages.warning(
            request,
            _("已保存的筛选「%(name)s」中的条件%(conditions)s已失效，已忽略。")
            % {"name": view.name, "conditions": conditions},
        )
    return redirect(list_url(viewset, checked.query))


@require_GET
def manage(request):
    """我的筛选: the user's own views (rename, share, delete) and those shared with them."""
    if not permissions.has_role(request.user):
        raise PermissionDenied(_("您的账号还没有分配角色，请联系系统管理员。"))
    rows = []
    for view in saved_views_visible(request.user).order_by("entity", "name", "pk"):
        viewset = viewset_of(request.user, view.entity)
        if viewset is None:
            continue
        rows.append(
            {
                "view": view,
                "list_name": viewset.model._meta.verbose_name_plural,
                "url": reverse("saved-view-open", args=[view.pk]),
                "mine": view.owner_id == request.user.pk,
            }
        )
    return render(
        request,
        "portal/saved_views.html",
        {
            "own": [row for row in rows if row["mine"]],
            "shared": [row for row in rows if not row["mine"]],
            "name_max_length": SavedView.NAME_MAX_LENGTH,
        },
    )


@require_POST
def update(request, pk: int):
    """Rename a view of one's own, or share it or stop sharing it."""
    view = own_saved_view(request.user, pk)
    form = SavedViewForm(request.POST)
    if form.is_valid():
        try:
            saved_view_save(user=request.user, view=view, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, _("筛选未修改：%(e)s") % {"e": _errors(error)})
        else:
            messages.success(request, _("已修改筛选「%(name)s」。") % {"name": view.name})
    else:
        messages.error(request, _("筛选未修改：%(e)s") % {"e": _errors(form.errors)})
    return redirect(_back(request, reverse("saved-views")))


@require_POST
def delete(request, pk: int):
    view = own_saved_view(request.user, pk)
    saved_view_delete(user=request.user, view=view)
    messages.success(request, _("已删除筛选「%(name)s」。") % {"name": view.name})
    return redirect(_back(request, reverse("saved-views")))
