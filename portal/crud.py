"""Staff pages for a domain record, declared as configuration.

A ``CrudViewSet`` serves one entity declared in its app's ``entities.py``
(``portal.entities.Entity``: the model, the form fields, the list columns, filters and search
fields); it yields list / detail / create / update / delete views and their URLs
(``<app>:<entity>-list`` ...). The views apply the role and township rules of
``bureau.permissions`` and save through ``bureau.services``.
"""

from collections.abc import Mapping
from functools import cached_property

import django_filters
from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.forms.models import modelform_factory
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django_filters.utils import verbose_lookup_expr
from django_filters.views import FilterView

from bureau import permissions
from bureau.models import Township
from bureau.services import RecordChanged, record_delete, record_save, record_version
from bureau.text import TEXT_MAX_LENGTH, CleanInputMixin, clean_data
from bureau.validators import validate_date_range
from portal.entities import Entity
from portal.history import history_entries
from portal.listing import Column, Table, columns_for, joined, labelled, plain_text
from portal.lookup import use_lookup_widgets

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


PLEASE_CHOOSE = gettext_lazy("请选择")


def _ask_to_choose(field) -> None:
    """An empty choice reads 请选择, not Django's "---------"."""
    if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
        field.empty_label = PLEASE_CHOOSE
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] in ("", None):
            field.choices = [("", PLEASE_CHOOSE), *choices[1:]]


class ScopedFormMixin(CleanInputMixin):
    """Limits every choice of a related record to what the user may see, without ever dropping
    what they could not see; cleans what it receives; Bootstrap layout.

    A liaison editing a record whose relations reach other townships (an innovation community
    with member enterprises elsewhere) is offered their own township's records only. Members they
    were not shown are kept on save (``record_save``) and counted under the field; a single
    choice whose current value they may not see is shown but cannot be changed.
    """

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and user is not None:
                self._scope_choice(name, field, user)
            _ask_to_choose(field)
            if isinstance(field, forms.DateField):
                field.widget = DATE_WIDGET
                field.validators.append(validate_date_range)
            elif type(field) is forms.CharField and field.max_length is None:
                # A text field with no length of its own (notes): bounded all the same.
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
                field.widget.attrs["maxlength"] = str(TEXT_MAX_LENGTH)
        use_lookup_widgets(self.fields)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def _scope_choice(self, name, field, user):
        related = field.queryset.model
        if not permissions.is_scoped_choice(user, related):
            return
        everything = field.queryset
        field.queryset = permissions.choosable(user, everything)
        if related is Township:
            self.initial.setdefault("township", user.township_id)
        current = self._current_pks(name, field)
        hidden = permissions.hidden_pks(user, everything.filter(pk__in=current)) if current else ()
        if not hidden:
            return
        if isinstance(field, forms.ModelMultipleChoiceField):
            note = _("另有%(n)d项不属于本乡镇（街道），您无法查看，保存时保留不变。") % {
                "n": len(hidden)
            }
        else:
            # Shown (its name is on the record's page anyway) and kept: the field is read-only.
            field.queryset = field.queryset | everything.filter(pk__in=hidden)
            field.disabled = True
            note = _("当前值不属于本乡镇（街道），您不能修改。")
        field.help_text = f"{field.help_text} {note}".strip()

    def _current_pks(self, name, field) -> set:
        instance = getattr(self, "instance", None)
        if instance is None or instance.pk is None:
            return set()
        model_field = instance._meta.get_field(name)
        if model_field.many_to_many:
            return set(getattr(instance, name).values_list("pk", flat=True))
        value = getattr(instance, model_field.attname, None)
        return {value} if value is not None else set()


# Values a transform of a date can take; anything else is an error of the filter form rather
# than a date the database driver cannot build (``?date__year=99999999999``).
TRANSFORM_RANGES = {"year": (1, 9999), "iso_year": (1, 9999), "month": (1, 12), "day": (1, 31)}


def bound_number_filter(filter_, field) -> None:
    """Give a number filter the range of what it filters on, checked on the form before any
    conversion: a year or month transform its calendar range, an integer field its database
    range, a decimal field its digits. ``1e1000000`` is then a form error, not a 36-second
    ``int()`` in the query."""
    if not isinstance(filter_, django_filters.NumberFilter):
        return
    extra = filter_.extra
    if filter_.lookup_expr in TRANSFORM_RANGES:
        extra["min_value"], extra["max_value"] = TRANSFORM_RANGES[filter_.lookup_expr]
        extra["decimal_places"] = 0
    elif isinstance(field, models.IntegerField):
        for validator in field.validators:  # the database's range of the column
            if isinstance(validator, MinValueValidator):
                extra.setdefault("min_value", validator.limit_value)
            elif isinstance(validator, MaxValueValidator):
                extra.setdefault("max_value", validator.limit_value)
        extra["decimal_places"] = 0
    elif isinstance(field, models.DecimalField):
        extra["max_digits"] = field.max_digits
        extra["decimal_places"] = field.decimal_places
    else:
        extra.setdefault("max_digits", 20)


class ScopedFilterSetMixin:
    """A filter set whose related-record choices are those the requesting user may choose and
    whose number filters are bounded (``bound_number_filter``). The list pages, their exports
    and the API (whose browsable form lists the same choices) all use it."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        for filter_ in self.filters.values():
            queryset = getattr(filter_, "queryset", None)
            if isinstance(queryset, models.QuerySet) and user is not None:
                filter_.queryset = permissions.choosable(user, queryset)
        if self.data:
            self.data = clean_data(self.data)

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        filter_ = super().filter_for_field(field, field_name, lookup_expr)
        bound_number_filter(filter_, field)
        return filter_


class CommaSeparatedSelect(forms.SelectMultiple):
    """A multiple select that also reads one comma-separated value, and shows it ticked."""

    def value_from_datadict(self, data, files, name):
        values = super().value_from_datadict(data, files, name) or []
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]


class CommaSeparatedChoices(forms.MultipleChoiceField):
    """Several choices from a multiple select, or from one comma-separated value."""

    widget = CommaSeparatedSelect(attrs={"size": 4})

    def to_python(self, value):
        values = super().to_python(value)
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]


class ChoiceInFilter(django_filters.MultipleChoiceFilter):
    field_class = CommaSeparatedChoices


class EntityFilterSet(ScopedFilterSetMixin, django_filters.FilterSet):
    """Filters declared per entity plus a free-text search over ``search_fields``."""

    q = django_filters.CharFilter(method="search", label=gettext_lazy("搜索"))
    search_fields: tuple[str, ...] = ()

    class Meta:
        # yes / no filters read 全部 / 是 / 否 rather than django-filter's 未知 / 是 / 否
        filter_overrides = {
            models.BooleanField: {
                "filter_class": django_filters.BooleanFilter,
                "extra": lambda field: {
                    "widget": forms.Select(
                        choices=[
                            ("", gettext_lazy("全部")),
                            ("true", gettext_lazy("是")),
                            ("false", gettext_lazy("否")),
                        ]
                    )
                },
            },
        }

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        """Headed in Chinese by the field the path ends on, the lookup in brackets ("乡镇（街道）",
        "登记日期（年份）"), where django-filter strings every hop of the path together with
        spaces ("重点村 村 乡镇（街道）")."""
        if lookup_expr == "in" and field.choices:
            # Several of a field's choices: ticked by their Chinese labels, never typed as
            # comma-separated codes; a link may still name them "a,b" (the dashboard's).
            filter_ = ChoiceInFilter(
                field_name=field_name,
                choices=[c for c in field.choices if c[0] not in ("", None)],
            )
        else:
            filter_ = super().filter_for_field(field, field_name, lookup_expr)
        lookup = verbose_lookup_expr(lookup_expr or filter_.lookup_expr)
        filter_.label = f"{field.verbose_name}（{lookup}）" if lookup else field.verbose_name
        return filter_

    def search(self, queryset, name, value):
        return search_records(queryset, self.search_fields, value)


def search_records(queryset, fields, value: str):
    """The list's free-text search: records with ``value`` in any of ``fields``. The page's
    ``q`` and the API's ``search`` are this one search, so a bulk action's ``search`` selects
    exactly the rows the list shows."""
    value = (value or "").strip()
    if not value or not fields:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


class CrudViewSet:
    """The pages of one declared entity: ``CrudViewSet(entity)`` (``portal.registry`` builds
    one per declaration). Its attributes are the declaration's, as the views read them."""

    list_prefetch_related: list[str] = []
    paginate_by = 25

    def __init__(self, declaration: Entity):
        self.declaration = declaration
        self.model = declaration.model
        self.fields = list(declaration.fields)
        self.choices = dict(declaration.choices)  # text field -> callable choices
        self.list_columns = list(declaration.list_columns)
        filters = declaration.filter_fields
        self.filter_fields = (
            {name: list(lookups) for name, lookups in filters.items()}
            if isinstance(filters, Mapping)
            else list(filters)
        )
        self.search_fields = list(declaration.search_fields)
        self.list_select_related = list(declaration.list_select_related)
        self.detail_related = list(declaration.detail_related)  # (related manager, title)
        self.admin_only = declaration.admin_only  # reference data: administrators change it

    # ---- derived configuration ------------------------------------------------------------

    @cached_property
    def entity(self) -> str:
        return self.model._meta.model_name

    @cached_property
    def namespace(self) -> str:
        return self.model.url_namespace

    def url_name(self, action: str) -> str:
        return f"{self.namespace}:{self.entity}-{action}"

    @cached_property
    def form(self) -> type[forms.ModelForm]:
        # A text field whose values are keys of a registry (an annual target's indicator).
        declared = {
            name: forms.ChoiceField(
                label=self.model._meta.get_field(name).verbose_name, choices=choices
            )
            for name, choices in self.choices.items()
        }
        return modelform_factory(
            self.model,
            form=type(f"{self.model.__name__}Form", (ScopedFormMixin, forms.ModelForm), declared),
            fields=self.fields,
        )

    @cached_property
    def filterset(self) -> type[django_filters.FilterSet]:
        meta = type(
            "Meta", (EntityFilterSet.Meta,), {"model": self.model, "fields": self.filter_fields}
        )
        # The declaration's named selections (``portal.entities.Query``): a filter each.
        named = {
            name: django_filters.ChoiceFilter(
                label=query.label,
                choices=query.choices if callable(query.choices) else list(query.choices),
                method=lambda queryset, _name, value, query=query: (
                    query.apply(queryset, value) if value else queryset
                ),
            )
            for name, query in self.declaration.queries.items()
        }
        return type(
            f"{self.model.__name__}FilterSet",
            (EntityFilterSet,),
            {"Meta": meta, "search_fields": tuple(self.search_fields), **named},
        )

    @cached_property
    def columns(self) -> list[Column]:
        return columns_for(self.model, self.list_columns or self.fields[:6], self.choices)

    @cached_property
    def select_related(self) -> list[str]:
        """Foreign keys shown in the list and the path to the township: one query per page."""
        related = list(self.list_select_related)
        for name in self.list_columns:
            field = self.model._meta.get_field(name.split("__")[0])
            if field.many_to_one or field.one_to_one:
                related.append(name.split("__")[0])
        return sorted(set(related))

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self, user):
        queryset = self.base_queryset()
        return permissions.scope_queryset(user, queryset)

    def can_change(self, user) -> bool:
        return permissions.can_change_model(user, self.model, admin_only=self.admin_only)

    # ---- views and URLs ---------------------------------------------------------------------

    def get_urls(self):
        views = [
            ("", EntityListView, "list"),
            ("new/", EntityCreateView, "create"),
            ("<int:pk>/", EntityDetailView, "detail"),
            ("<int:pk>/edit/", EntityUpdateView, "update"),
            ("<int:pk>/delete/", EntityDeleteView, "delete"),
        ]
        from portal.bulk import bulk_action  # noqa: PLC0415 - it builds on this module

        return [
            *(
                path(
                    f"{self.entity}/{route}",
                    view.as_view(viewset=self),
                    name=f"{self.entity}-{action}",
                )
                for route, view, action in views
            ),
            path(
                f"{self.entity}/bulk/", bulk_action, {"viewset": self}, name=f"{self.entity}-bulk"
            ),
        ]


class EntityViewMixin(LoginRequiredMixin):
    viewset: CrudViewSet = None
    action = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.can_view_model(request.user, self.viewset.model):
            raise PermissionDenied(_("您没有查看此类记录的权限。"))
        if self.action in ("create", "update", "delete") and not self.viewset.can_change(
            request.user
        ):
            raise PermissionDenied(_("您没有修改此类记录的权限。"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def model(self):
        return self.viewset.model

    def get_queryset(self):
        return self.viewset.get_queryset(self.request.user)

    def get_template_names(self):
        meta = self.model._meta
        return [
            f"{meta.app_label}/{meta.model_name}_{self.template_suffix}.html",
            f"crud/{self.template_suffix}.html",
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            viewset=self.viewset,
            verbose_name=self.model._meta.verbose_name,
            verbose_name_plural=self.model._meta.verbose_name_plural,
            can_change=self.viewset.can_change(self.request.user),
            list_url=reverse(self.viewset.url_name("list")),
            create_url=reverse(self.viewset.url_name("create")),
        )
        return context


class EntityListView(EntityViewMixin, FilterView):
    action = "list"
    template_suffix = "list"

    def get_filterset_class(self):
        return self.viewset.filterset

    def get_queryset(self):
        queryset = super().get_queryset().select_related(*self.viewset.select_related)
        if self.viewset.list_prefetch_related:
            queryset = queryset.prefetch_related(*self.viewset.list_prefetch_related)
        return queryset

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)  # scoped by the request's user
        use_lookup_widgets(filterset.form.fields)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # ?print=1: every filtered row on one page (up to LIST_PRINT_MAX_ROWS), to print.
        printing = self.request.GET.get("print") == "1"
        context["table"] = Table(
            self.viewset.columns,
            self.object_list,
            self.request.GET,
            per_page=settings.LIST_PRINT_MAX_ROWS if printing else self.viewset.paginate_by,
        )
        context["printing"] = printing
        if context["can_change"] and not printing:
            # The list's own query, without its page and sort: what "select all matching" acts on.
            query = self.request.GET.copy()
            for key in ("page", "sort", "print"):
                query.pop(key, None)
            context["bulk"] = {
                "url": reverse(self.viewset.url_name("bulk")),
                "query": query.urlencode(),
                "can_edit": bool(self.viewset.declaration.bulk_fields),
            }
        context["print_max_rows"] = settings.LIST_PRINT_MAX_ROWS
        context["filter_cache_seconds"] = settings.LIST_FILTER_CACHE_SECONDS
        # The cached filter form lists the records this user may choose: keyed on their scope.
        context["filter_scope"] = permissions.scope_key(self.request.user)
        return context

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["crud/_results.html"]
        return super().get_template_names()


class EntityDetailView(EntityViewMixin, generic.DetailView):
    action = "detail"
    template_suffix = "detail"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context["fields"] = [
            (field.verbose_name, _display_value(obj, field, self.viewset.choices.get(field.name)))
            for field in self.model._meta.get_fields()
            if field.concrete
            and not field.auto_created
            and field.name not in ("created_at", "updated_at")
        ]
        context["related"] = [
            self._related_block(obj, name, title) for name, title in self.viewset.detail_related
        ]
        context["history"] = history_entries(obj)
        if self.viewset.declaration.follow_up:
            from django.contrib.contenttypes.models import ContentType

            from bureau.follow_up import notes_for
            from portal.notes import NoteForm

            context["follow_up"] = {
                "notes": notes_for(obj),
                "form": NoteForm(),
                "content_type_id": ContentType.objects.get_for_model(self.model).pk,
            }
        return context

    def _related_block(self, obj, name, title):
        manager = getattr(obj, name)
        queryset = manager.all()
        # a record whose line in the block reads related records (``related_text``) names them
        if prefetch := getattr(manager.model, "related_prefetch", ()):
            queryset = queryset.prefetch_related(*prefetch)
        rows = list(permissions.scope_queryset(self.request.user, queryset)[:50])
        add_url = None
        related = manager.model
        fk = getattr(manager, "field", None)
        if fk is not None and hasattr(related, "url_namespace"):
            try:
                add_url = reverse(f"{related.url_namespace}:{related._meta.model_name}-create")
                add_url += f"?{fk.name}={obj.pk}"
            except NoReverseMatch:
                add_url = None
        return {"title": title, "rows": rows, "add_url": add_url}


class EntityFormMixin(EntityViewMixin):
    template_suffix = "form"

    def get_initial(self):
        """Prefill from the query string (``?enterprise=5`` from a detail page's add link)."""
        initial = super().get_initial()
        for name in self.viewset.fields:
            if name in self.request.GET:
                initial[name] = self.request.GET[name]
        return initial

    def get_form_class(self):
        return self.viewset.form

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def based_on(self) -> str | None:
        """The version of the record the form was opened on (its hidden ``based_on``): a save
        is refused if the record changed since. A new record has none."""
        if self.object is None or self.object.pk is None:
            return None
        # The page always sends it; a POST made by hand without it sets values regardless.
        return self.request.POST.get("based_on")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is not None and self.object.pk is not None:
            context.setdefault("based_on", record_version(self.object))
        return context

    def form_stale(self, form, error: RecordChanged):
        """记录已被他人修改: the form again with the user's values, the other person's change
        beside them, and the version now stored, so that saving again is a deliberate choice."""
        current = self.model._default_manager.get(pk=self.object.pk)
        form.add_error(None, error)
        context = self.get_context_data(form=form)
        context["based_on"] = error.current
        context["conflict"] = stale_changes(form, current, self.request.POST.get("based_on", ""))
        return self.render_to_response(context)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                instance = form.save(commit=False)
                # Many-to-many members go through the service too, which keeps the ones the
                # user was not offered.
                m2m = {
                    f.name: form.cleaned_data[f.name]
                    for f in instance._meta.many_to_many
                    if f.name in form.cleaned_data
                }
                record_save(
                    instance=instance,
                    user=self.request.user,
                    m2m=m2m,
                    admin_only=self.viewset.admin_only,
                    based_on=self.based_on(),
                )
        except RecordChanged as error:
            return self.form_stale(form, error)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        self.object = instance
        messages.success(self.request, _("已保存：%(obj)s") % {"obj": instance})
        return redirect(instance.get_absolute_url())


class EntityCreateView(EntityFormMixin, generic.CreateView):
    action = "create"


class EntityUpdateView(EntityFormMixin, generic.UpdateView):
    action = "update"


class EntityDeleteView(EntityViewMixin, generic.DeleteView):
    action = "delete"
    template_suffix = "confirm_delete"

    def form_valid(self, form):
        instance = self.get_object()
        try:
            record_delete(
                instance=instance, user=self.request.user, admin_only=self.viewset.admin_only
            )
        except models.ProtectedError as error:
            names = "、".join(str(obj) for obj in list(error.protected_objects)[:5])
            messages.error(
                self.request, _("无法删除：仍有相关记录引用它（%(names)s）。") % {"names": names}
            )
            return redirect(instance.get_absolute_url())
        messages.success(
            self.request, _("已删除：%(obj)s（管理员可在回收站恢复）") % {"obj": instance}
        )
        return redirect(self.viewset.url_name("list"))


def stale_changes(form, current, based_on: str) -> list[dict]:
    """What another person changed since ``based_on`` (the record's history row at that
    version against the record now), field by field, beside what this user entered."""
    model = type(current)
    base = None
    history = getattr(model, "history", None)
    if history is not None and based_on:
        try:
            base = (
                history.filter(id=current.pk, updated_at=based_on).order_by("-history_id").first()
            )
        except ValidationError:
            base = None
    rows = []
    for name in form.fields:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            continue
        now = getattr(current, field.attname)
        before = getattr(base, field.attname) if base is not None else None
        theirs = base is not None and before != now
        mine = form.cleaned_data.get(name)
        mine_value = mine.pk if isinstance(mine, models.Model) else mine
        if not theirs and (base is not None or mine_value == now):
            continue
        rows.append(
            {
                "label": field.verbose_name,
                "before": _display_value(base, field) if base is not None else "",
                "theirs": _display_value(current, field),
                "mine": dict(field.flatchoices).get(mine, mine)
                if field.choices
                else plain_text(mine),
                "changed_by_them": theirs,
            }
        )
    return rows


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _display_value(obj, field, choices=None):
    if choices is not None:
        return labelled(choices)(getattr(obj, field.name))
    if field.many_to_many:
        return joined(getattr(obj, field.name).all())
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    value = getattr(obj, field.name)
    if isinstance(value, models.Model) and hasattr(value, "get_absolute_url"):
        try:
            return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value)
        except NoReverseMatch:  # a model without portal pages
            pass
    return plain_text(value)


def get_object_for_user(user, queryset, pk):
    """A record the user may see, or 404 (never 403, so ids of others' records leak nothing)."""
    try:
        return permissions.scope_queryset(user, queryset).get(pk=pk)
    except queryset.model.DoesNotExist as error:
        raise Http404 from error
