"""A key village's page lists its service visits with who came, what they did and how many
farmers were trained, read in a fixed number of queries however many visits it has."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f

pytestmark = pytest.mark.django_db


def visit(key_village, names, trained, day):
    v = f.ServiceVisitFactory(
        village=key_village,
        date=datetime.date(2025, 3, day),
        mode="training",
        content="苹果栽培技术",
        farmers_trained=trained,
    )
    v.commissioners.set([f.CommissionerFactory(name=n) for n in names])
    return v


def test_a_villages_visits_say_who_what_and_how_many(staff_client, township):
    key_village = f.KeyVillageFactory(village=f.VillageFactory(township=township))
    visit(key_village, ["王建国", "李秀英"], 45, 2)
    html = staff_client.get(key_village.get_absolute_url()).content.decode()
    # the commissioners in pinyin order (lǐ, wáng)
    assert "2025-03-02 李秀英、王建国 技术培训：苹果栽培技术，培训农民45人次" in html


def test_the_visits_block_reads_commissioners_in_one_query(staff_client, township):
    key_village = f.KeyVillageFactory(village=f.VillageFactory(township=township))
    visit(key_village, ["王建国"], 10, 2)
    staff_client.get(key_village.get_absolute_url())  # the session and caches, once
    with CaptureQueriesContext(connection) as few:
        staff_client.get(key_village.get_absolute_url())
    for day in range(3, 9):
        visit(key_village, [f"特派员{day}"], day, day)
    with CaptureQueriesContext(connection) as many:
        staff_client.get(key_village.get_absolute_url())
    assert len(many) == len(few)
