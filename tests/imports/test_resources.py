"""The column mapping of every entity: the fields its pages edit plus a few spreadsheet-only
columns, in an order and under headers that users' files depend on."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from enterprises.entities import HITECH_APPLICATION
from imports.engine import widgets as w
from imports.engine.registry import entities, get_entity
from imports.engine.resources import form_columns
from portal import registry
from portal.entities import Extra

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
    columns = form_columns(HITECH_APPLICATION)
    assert columns[:3] == ("enterprise", "enterprise_name", "year")
    assert columns[-2:] == ("issued_on", "expires_on")


def test_a_declaration_naming_what_its_form_does_not_have_is_refused():
    sheet = replace(
        HITECH_APPLICATION.sheet,
        extra=[Extra("seller_name", "seller__name", "卖方企业", after="seller")],
    )
    with pytest.raises(ImproperlyConfigured, match="seller"):
        registry.check(replace(HITECH_APPLICATION, sheet=sheet))
    with pytest.raises(ImproperlyConfigured, match="no field seller"):
        form_columns(replace(HITECH_APPLICATION, sheet=sheet))
    with pytest.raises(ImproperlyConfigured, match="natural_key names certificate"):
        registry.check(
            replace(HITECH_APPLICATION, sheet=replace(sheet, natural_key=("certificate",)))
        )


def test_cells_declared_by_kind_become_the_engine_s_widgets():
    resource = get_entity("innovationcommunity").resource()
    members = resource.fields["member_enterprises"].widget  # a many-to-many field
    assert isinstance(members, w.ManyLookupWidget)
    assert members.keys == ("credit_code", "name") and members.render_key == "name"
    assert isinstance(resource.fields["lead_enterprise"].widget, w.LookupWidget)
    permit = get_entity("workpermit").resource()
    assert isinstance(permit.fields["permit_number"].widget, w.CodeWidget)
    assert permit.fields["expert"].column_name == "护照号码"
