"""API serializers and viewsets built from a page's ``CrudViewSet``.

The entity's declaration (``<app>/entities.py``) is its single description, read here through
the ``CrudViewSet`` built from it: its form fields are the writable fields of the API, its
filters are the query parameters. Each built viewset saves and deletes
through ``bureau.services``, scopes its queryset with ``bureau.permissions.scope_queryset`` and
answers 404 for records outside the user's township.
"""

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.validators import UniqueValidator

from api.bulk import BulkActionsMixin
from api.exceptions import Conflict, Stale, validation_error_detail
from api.permissions import EntityPermission
from bureau import permissions
from bureau.services import (
    VERSION_FIELD,
    RecordChanged,
    record_delete,
    record_save,
    record_version,
)
from bureau.text import TEXT_MAX_LENGTH
from bureau.validators import date_fields, validate_date_range
from portal.crud import CrudViewSet, ScopedFilterSetMixin, search_records


class EntityPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class EntitySerializer(serializers.ModelSerializer):
    """Validates field types here, then leaves every model rule to ``record_save``'s
    ``full_clean`` so the API and the forms refuse the same input with the same message."""

    display = serializers.CharField(source="__str__", read_only=True, label=gettext_lazy("名称"))
    admin_only = False

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # Uniqueness is left to full_clean, which carries the model's own Chinese message.
        validators = [v for v in kwargs.get("validators", []) if not isinstance(v, UniqueValidator)]
        # As on the forms: dates within a sane range, unbounded text bounded all the same.
        if model_field in date_fields(model_field.model):
            validators.append(validate_date_range)
        if issubclass(field_class, serializers.CharField) and "max_length" not in kwargs:
            kwargs["max_length"] = TEXT_MAX_LENGTH
        kwargs["validators"] = validators
        return field_class, kwargs

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        instance = self.instance if isinstance(self.instance, models.Model) else None
        for name, field in fields.items():
            # As on the forms: a liaison points only at records of their own township, and
            # what a record already points at outside it is accepted back unchanged (a GET
            # sent back as a PUT) and kept when left out (``record_save``).
            relation = getattr(field, "child_relation", field)
            queryset = getattr(relation, "queryset", None)
            if queryset is None or not permissions.is_scoped_choice(user, queryset.model):
                continue
            current = _current_pks(instance, name)
            relation.queryset = permissions.choosable(user, queryset) | queryset.filter(
                pk__in=current
            )
        return fields

    def create(self, validated_data):
        m2m = self._pop_m2m(validated_data)
        return self._save(self.Meta.model(**validated_data), m2m)

    def update(self, instance, validated_data):
        m2m = self._pop_m2m(validated_data)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._save(instance, m2m)

    def _pop_m2m(self, validated_data):
        names = [f.name for f in self.Meta.model._meta.many_to_many]
        return {name: validated_data.pop(name) for name in names if name in validated_data}

    def _save(self, instance, m2m):
        view = self.context.get("view")
        based_on, header = getattr(view, "based_on", (None, False))
        try:
            return record_save(
                instance=instance,
                user=self.context["request"].user,
                m2m=m2m,
                admin_only=self.admin_only,
                based_on=based_on,
            )
        except RecordChanged as error:
            raise Stale(error.current, precondition=header) from error
        except DjangoValidationError as error:
            raise serializers.ValidationError(validation_error_detail(error)) from error


class EntityFilterSet(ScopedFilterSetMixin, filters.FilterSet):
    """The list page's filters, scoped and bounded as on the page (the browsable API shows
    their form); rows are de-duplicated when a filter crosses a to-many path."""

    multi_valued: frozenset[str] = frozenset()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        used = {name for name, value in self.form.cleaned_data.items() if value not in (None, "")}
        if used & self.multi_valued:
            queryset = queryset.distinct()
        return queryset


class EntityViewSet(BulkActionsMixin, viewsets.ModelViewSet):
    """List, retrieve, create, update, delete one entity, with the pages' rules."""

    crud: CrudViewSet
    permission_classes = [EntityPermission]
    pagination_class = EntityPagination
    # ``search`` is a filter of the filter set (the page's own search), not DRF's SearchFilter:
    # the bulk actions then resolve ``filter`` through exactly the list's parameters.
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    lookup_value_regex = r"\d+"

    @property
    def model(self):
        return self.crud.model

    @property
    def admin_only(self) -> bool:
        return self.crud.admin_only

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no user
            return self.model._default_manager.none()
        queryset = self.crud.get_queryset(self.request.user).select_related(
            *self.crud.select_related
        )
        m2m = [f.name for f in self.model._meta.many_to_many if f.name in self.crud_fields]
        if m2m:
            queryset = queryset.prefetch_related(*m2m)
        return queryset

    @property
    def based_on(self) -> tuple[str | None, bool]:
        """The version a PUT or PATCH was based on, and whether it came as ``If-Match``: the
        header's ETag, else the ``updated_at`` the client read and sends back (a GET turned
        into a PUT carries it). Neither: the write names no version and is not checked."""
        header = self.request.headers.get("If-Match")
        if header and header.strip() != "*":
            return header.strip().removeprefix("W/").strip('"'), True
        sent = self.request.data.get(VERSION_FIELD) if hasattr(self.request.data, "get") else None
        if sent not in (None, ""):
            return str(sent), False
        return None, False

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        _etag(response, self.get_object())
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        _etag(response, self.get_object())
        return response

    @property
    def crud_fields(self) -> list[str]:
        return list(self.crud.form._meta.fields)

    def perform_destroy(self, instance):
        try:
            record_delete(instance=instance, user=self.request.user, admin_only=self.admin_only)
        except (ProtectedError, RestrictedError) as error:
            objects = getattr(error, "protected_objects", None) or error.restricted_objects
            names = "、".join(str(obj) for obj in list(objects)[:5])
            raise Conflict(
                _("无法删除：仍有相关记录引用它（%(names)s）。") % {"names": names}
            ) from error


def _etag(response, instance) -> None:
    """The record's version as its ETag, to send back as ``If-Match`` with the next write."""
    version = record_version(instance)
    if version:
        response["ETag"] = f'"{version}"'


def _current_pks(instance, name: str) -> list:
    if instance is None or instance.pk is None:
        return []
    model_field = instance._meta.get_field(name)
    if model_field.many_to_many:
        return list(getattr(instance, name).values_list("pk", flat=True))
    value = getattr(instance, model_field.attname, None)
    return [value] if value is not None else []


def _is_multi_valued(model, path: str) -> bool:
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def build_serializer(crud: CrudViewSet) -> type[EntitySerializer]:
    model = crud.model
    fields = list(crud.form._meta.fields)
    read_only = [
        f.name
        for f in model._meta.concrete_fields
        if not f.editable and not f.primary_key and f.name not in fields
    ]
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": ["id", "display", *fields, *read_only],
            "read_only_fields": read_only,
            # Unique-together rules and constraints are full_clean's job (see above).
            "validators": [],
        },
    )
    return type(
        f"{model.__name__}Serializer",
        (EntitySerializer,),
        {"Meta": meta, "admin_only": crud.admin_only, "__module__": __name__},
    )


def build_filterset(crud: CrudViewSet) -> type[EntityFilterSet]:
    model = crud.model
    # The page's own declaration, lookups included (``date: ["year", "month"]``).
    meta = type("Meta", (), {"model": model, "fields": crud.filter_fields})
    extra = {}
    if crud.search_fields:
        fields = tuple(crud.search_fields)
        extra["search"] = filters.CharFilter(
            method=lambda queryset, _name, value: search_records(queryset, fields, value),
            label=gettext_lazy("搜索"),
        )
    filterset = type(
        f"{model.__name__}ApiFilterSet",
        (EntityFilterSet,),
        {"Meta": meta, "__module__": __name__, **extra},
    )
    filterset.multi_valued = frozenset(
        name for name in filterset.base_filters if _is_multi_valued(model, name)
    )
    return filterset


def build_viewset(crud: CrudViewSet) -> type[EntityViewSet]:
    """The API viewset of one entity, documented in the schema with its Chinese names."""
    model = crud.model
    meta = model._meta
    ordering_fields = [f.name for f in meta.concrete_fields]
    viewset = type(
        f"{model.__name__}ApiViewSet",
        (EntityViewSet,),
        {
            "crud": crud,
            "serializer_class": build_serializer(crud),
            "filterset_class": build_filterset(crud),
            "search_fields": list(crud.search_fields),
            "ordering_fields": ordering_fields,
            "queryset": model._default_manager.none(),  # for the router and the schema only
            "__module__": __name__,
            "__doc__": str(meta.verbose_name_plural),
        },
    )
    name, plural = meta.verbose_name, meta.verbose_name_plural
    summaries = {
        "list": _("%(p)s列表") % {"p": plural},
        "retrieve": _("查看%(n)s") % {"n": name},
        "create": _("新建%(n)s") % {"n": name},
        "update": _("修改%(n)s") % {"n": name},
        "partial_update": _("部分修改%(n)s") % {"n": name},
        "destroy": _("删除%(n)s") % {"n": name},
        "bulk_update": _("批量修改%(p)s") % {"p": plural},
        "bulk_delete": _("批量删除%(p)s") % {"p": plural},
    }
    tag = str(meta.app_config.verbose_name) if meta.app_config.verbose_name else meta.app_label
    return extend_schema_view(
        **{
            action: extend_schema(summary=summary, tags=[tag])
            for action, summary in summaries.items()
        }
    )(viewset)
