"""Which entities can be imported and exported: every entity declared with a ``sheet``
(``portal.registry``), with the resource class built from that declaration and the
``CrudViewSet`` that serves its list page (filters, scoping, admin-only flag)."""

from dataclasses import dataclass
from functools import cache

from django.http import Http404

from imports.engine.resources import resource_class
from portal import registry


@dataclass(frozen=True)
class Entity:
    name: str  # the model_name, as in the URLs: ``enterprise``
    resource_class: type
    viewset: object

    @property
    def model(self):
        return self.resource_class._meta.model

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def admin_only(self) -> bool:
        return bool(getattr(self.viewset, "admin_only", False))

    def resource(self):
        return self.resource_class()


@cache
def entities() -> dict[str, Entity]:
    found = {}
    for viewset in registry.viewsets():
        declaration = viewset.declaration
        if declaration.sheet is None:
            continue
        found[declaration.name] = Entity(declaration.name, resource_class(declaration), viewset)
    return found


def get_entity(name: str) -> Entity:
    """The entity called ``name`` or ``LookupError`` (``Http404`` in views via ``entity_or_404``)."""
    try:
        return entities()[name]
    except KeyError:
        raise LookupError(name) from None


def entity_or_404(name: str) -> Entity:
    try:
        return get_entity(name)
    except LookupError:
        raise Http404 from None
