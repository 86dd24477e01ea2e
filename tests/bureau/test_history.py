"""A detail page and its change log cost the same queries whatever the log holds: the related
records the changes name are read with one query per model, not two per change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bureau.services import record_save
from portal.history import history_entries
from tests.crud_cases import CASES, CASES_BY_MODEL

pytestmark = pytest.mark.django_db


def _relations(model) -> list:
    """Foreign keys and tracked many-to-many fields whose targets a test case can make."""
    tracked_m2m = {f.name for f in getattr(model.history.model, "_history_m2m_fields", ())}
    return [
        f
        for f in model._meta.get_fields()
        if f.concrete
        and f.editable
        and f.related_model in CASES_BY_MODEL
        and (f.many_to_one or f.name in tracked_m2m)
    ]


def _edit(obj, rounds: int, township) -> None:
    """``rounds`` times: point every relation at a record of its own (a fresh one each time),
    then back, each edit a history row. Saved without the model's rules, which tie relations
    together (a village within the enterprise's township): the log is what is measured."""
    fields = _relations(type(obj))
    originals = {f.name: getattr(obj, f.name) for f in fields if f.many_to_one}
    for _ in range(rounds):
        for back in (False, True):
            for f in fields:
                if f.many_to_one:
                    target = (
                        originals[f.name]
                        if back
                        else CASES_BY_MODEL[f.related_model].make(township)
                    )
                    setattr(obj, f.name, target)
                    record_save(instance=obj, validate=False)
                else:
                    members = [] if back else [CASES_BY_MODEL[f.related_model].make(township)]
                    record_save(instance=obj, validate=False, m2m={f.name: members})


def _detail_queries(client, obj) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(obj.get_absolute_url()).status_code == 200
    return len(queries)


EDITABLE = [case for case in CASES if _relations(case.model)]


@pytest.mark.parametrize("case", EDITABLE, ids=str)
def test_a_detail_page_costs_the_same_queries_after_one_edit_or_many(case, admin_client_, township):
    obj = case.make(township)
    _edit(obj, 1, township)
    admin_client_.get(obj.get_absolute_url())  # the header's cached reads, once
    few = _detail_queries(admin_client_, obj)
    _edit(obj, 5, township)
    assert obj.history.count() > 10
    assert _detail_queries(admin_client_, obj) == few


def test_the_log_names_related_records_and_members_before_and_after(township):
    from tests import factories as f

    enterprise = f.EnterpriseFactory(township=township, name="甲公司")
    community = f.InnovationCommunityFactory(lead_enterprise=enterprise)
    other = f.EnterpriseFactory(township=township, name="乙公司")
    member = f.EnterpriseFactory(township=township, name="丙公司")
    community.lead_enterprise = other
    record_save(instance=community, m2m={"member_enterprises": [member]})
    with CaptureQueriesContext(connection) as queries:
        entries = history_entries(community)
    changes = {str(label): (old, new) for entry in entries for label, old, new in entry["changes"]}
    lead = str(community._meta.get_field("lead_enterprise").verbose_name)
    members = str(community._meta.get_field("member_enterprises").verbose_name)
    assert changes[lead] == ("甲公司", "乙公司")
    assert changes[members] == ("—", "丙公司")
    # the log, the members of each tracked many-to-many field, one query per related model
    assert len(queries) == 3
