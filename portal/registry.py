"""Where the entities' pages are declared: every installed app whose ``views`` module (or, for the
bureau's own records, ``pages.views``) lists ``VIEWSETS``, and whose ``resources`` module lists
the import/export ``RESOURCES``. The URLs, the API router, the import registry and the generic
tests read these lists; no list of apps is typed out anywhere else."""

from functools import cache
from importlib import import_module

from django.apps import apps


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
def viewsets() -> tuple:
    """Every ``CrudViewSet``, app by app in the order of ``INSTALLED_APPS``."""
    found = []
    for config in apps.get_app_configs():
        module = _module(config.name, "views")
        found += list(getattr(module, "VIEWSETS", ()))
    return tuple(found)


@cache
def resources() -> tuple:
    """Every import/export resource class, in the same order."""
    found = []
    for config in apps.get_app_configs():
        module = _module(config.name, "resources")
        found += list(getattr(module, "RESOURCES", ()))
    return tuple(found)


def entity_apps() -> list[str]:
    """Labels of the apps that declare entities."""
    return list(dict.fromkeys(viewset.model._meta.app_label for viewset in viewsets()))
