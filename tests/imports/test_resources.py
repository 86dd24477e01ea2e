"""The column mapping of every entity: the fields its pages edit plus a few spreadsheet-only
columns, in an order and under headers that users' files depend on."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from enterprises.views import HiTechApplicationViewSet
from imports.engine.registry import entities, get_entity
from imports.engine.resources import form_columns

# Headers in file order and natural keys as released; a change here changes users' files.
RELEASED = json.loads((Path(__file__).parent / "columns.json").read_text(encoding="utf-8"))


def test_every_entity_has_released_columns():
    assert sorted(RELEASED) == sorted(entities())


@pytest.mark.parametrize("name", sorted(entities()))
def test_columns_and_natural_key_are_as_released(name):
    resource = get_entity(name).resource()
    headers = [column.column_name for column in resource.get_export_fields()]
    assert headers == RELEASED[name]["columns"]
    assert list(resource.natural_key()) == RELEASED[name]["natural_key"]


@pytest.mark.parametrize("name", sorted(entities()))
def test_columns_beyond_the_form_fields_are_never_written_by_an_import(name):
    entity = get_entity(name)
    resource = entity.resource()
    columns = list(entity.resource_class._meta.fields)
    form_fields = list(entity.viewset.fields)
    assert [c for c in columns if c in form_fields] == form_fields
    extra = [c for c in columns if c not in form_fields]
    assert all(resource.fields[c].readonly for c in extra), extra
    assert set(resource.natural_key()) <= set(form_fields)


def test_form_columns_places_extra_columns_after_their_field():
    columns = form_columns(
        HiTechApplicationViewSet,
        after={"enterprise": ("enterprise_name",), "issued_on": ("expires_on",)},
    )
    assert columns[:3] == ("enterprise", "enterprise_name", "year")
    assert columns[-2:] == ("issued_on", "expires_on")


def test_form_columns_refuses_a_field_the_pages_do_not_have():
    with pytest.raises(ImproperlyConfigured, match="no seller"):
        form_columns(HiTechApplicationViewSet, after={"seller": ("seller_name",)})
