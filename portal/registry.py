"""Where the entities are declared: every installed app whose ``entities`` module (or, for the
bureau's own records, ``pages.entities``) lists ``ENTITIES`` (``portal.entities.Entity``).

The URLs, the sidebar, the API router, the import/export engine and the generic tests read the
declarations through this module; no list of apps or entities is typed out anywhere else.
"""

from collections.abc import Mapping
from functools import cache
from importlib import import_module

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

from portal.crud import CrudViewSet
from portal.entities import Entity


def _module(app_name: str, leaf: str):
    for candidate in (f"{app_name}.pages.{leaf}", f"{app_name}.{leaf}"):
        try:
            return import_module(candidate)
        except ModuleNotFoundError as error:
            # Only a missing module of that name means "not here"; an import error inside it
            # is a bug to surface.
            if error.name not in (candidate, candidate.rpartition(".")[0]):
                raise
    return None


@cache
def declarations() -> tuple[Entity, ...]:
    """Every declared entity, app by app in the order of ``INSTALLED_APPS``, each app's in the
    order of its ``ENTITIES``."""
    found = []
    for config in apps.get_app_configs():
        module = _module(config.name, "entities")
        for entity in getattr(module, "ENTITIES", ()):
            check(entity)
            found.append(entity)
    models = [entity.model for entity in found]
    twice = sorted({model.__name__ for model in models if models.count(model) > 1})
    if twice:
        raise ImproperlyConfigured(f"Entities declared more than once: {', '.join(twice)}.")
    return tuple(found)


@cache
def viewsets() -> tuple[CrudViewSet, ...]:
    """The pages of every declared entity, in the same order."""
    return tuple(CrudViewSet(entity) for entity in declarations())


def viewsets_of(app_label: str) -> list[CrudViewSet]:
    """The pages of one app's entities, for its ``urls.py``."""
    return [viewset for viewset in viewsets() if viewset.model._meta.app_label == app_label]


def api_viewsets() -> list[CrudViewSet]:
    """The pages of the entities the API serves."""
    return [viewset for viewset in viewsets() if viewset.declaration.api]


def viewset_for(model) -> CrudViewSet:
    """The pages of ``model`` (``LookupError`` if it is not declared)."""
    for viewset in viewsets():
        if viewset.model is model:
            return viewset
    raise LookupError(model)


def declaration_for(model) -> Entity:
    return viewset_for(model).declaration


def entity_apps() -> list[str]:
    """Labels of the apps that declare entities."""
    return list(dict.fromkeys(entity.model._meta.app_label for entity in declarations()))


def check(entity: Entity) -> None:
    """Refuse a declaration that names what its model or its own form does not have, with a
    message that says where (``ImproperlyConfigured`` when the registry is first read)."""
    model = entity.model
    where = f"{model._meta.app_label}.entities: {model.__name__}"

    def fail(problem: str):
        raise ImproperlyConfigured(f"{where}: {problem}")

    for name in entity.fields:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            fail(f"fields names {name!r}, which the model does not have.")
    filters = entity.filter_fields
    if isinstance(filters, Mapping):
        filters = list(filters)
    if isinstance(entity.fields, str) or isinstance(filters, str):
        fail("fields and filter_fields are lists of names, not one string.")
    own = set(entity.fields)
    for name in entity.choices:
        if name not in own:
            fail(f"choices names {name!r}, which is not one of its fields.")
    for name in entity.bulk_fields:
        if name not in own:
            fail(f"bulk_fields names {name!r}, which is not one of its fields.")
        if model._meta.get_field(name).many_to_many:
            fail(f"bulk_fields names {name!r}, a many-to-many field: one value cannot replace it.")
    sheet = entity.sheet
    if sheet is None:
        return
    for label, names in (
        ("natural_key", sheet.natural_key),
        ("columns", list(sheet.columns)),
        ("an extra column's 'after'", [extra.after for extra in sheet.extra]),
        (
            "an extra column's 'fallback_for'",
            [e.fallback_for for e in sheet.extra if e.fallback_for],
        ),
    ):
        unknown = [name for name in names if name not in own]
        if unknown:
            fail(f"{label} names {', '.join(unknown)}, not among its fields.")
    columns = [*entity.fields, *(extra.name for extra in sheet.extra)]
    if len(set(columns)) < len(columns):
        fail("an extra column has the name of a field or of another extra column.")
    unknown = sorted(set(sheet.example) - set(columns))
    if unknown:
        fail(f"the example row names {', '.join(unknown)}, which are not its columns.")
