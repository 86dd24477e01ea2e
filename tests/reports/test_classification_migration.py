"""The migration that carried today's classification into the existing years (enterprises
0010): every yearly row gets its enterprise's current 规上 flag, township and industry, and an
enterprise 规上 today gets a classification-only row in each existing year it lacked, so the
coverage of a past year reads as it did before the migration."""

import datetime
import importlib

import pytest
from django.apps import apps

from enterprises.models import EnterpriseYearlyFigure
from reports.indicators import compute_all
from tests import factories as f

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("enterprises.migrations.0010_yearly_classification_from_today")


def test_today_s_classification_is_carried_into_the_existing_years(township, other_township):
    above = f.EnterpriseFactory(township=township, is_above_scale=True)
    missing_a_year = f.EnterpriseFactory(township=other_township, is_above_scale=True)
    founded_later = f.EnterpriseFactory(
        township=township, is_above_scale=True, founded_on=datetime.date(2025, 3, 1)
    )
    small = f.EnterpriseFactory(township=township, is_above_scale=False)
    for firm, years in ((above, (2024, 2025)), (missing_a_year, (2025,)), (small, (2024,))):
        for year in years:
            # as rows stood before the migration: no classification of their own
            EnterpriseYearlyFigure.objects.create(enterprise=firm, year=year)
    f.RdCoverageFactory(enterprise=missing_a_year, year=2024, classified=False)

    MIGRATION.forwards(apps, None)

    rows = {
        (row.enterprise_id, row.year): (row.is_above_scale, row.township_id)
        for row in EnterpriseYearlyFigure.objects.all()
    }
    assert rows == {
        (above.pk, 2024): (True, township.pk),
        (above.pk, 2025): (True, township.pk),
        (missing_a_year.pk, 2025): (True, other_township.pk),
        (missing_a_year.pk, 2024): (True, other_township.pk),  # created: 规上 today
        (founded_later.pk, 2025): (True, township.pk),  # not in 2024: founded in 2025
        (small.pk, 2024): (False, township.pk),
    }
    as_of = datetime.date(2025, 12, 31)
    assert compute_all(2024, as_of=as_of)["coverage_enterprises"].value == 2
    assert compute_all(2024, as_of=as_of)["coverage_covered"].value == 1
    assert compute_all(2025, as_of=as_of)["coverage_enterprises"].value == 3
