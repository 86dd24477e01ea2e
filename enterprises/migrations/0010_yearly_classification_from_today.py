"""Carry today's classification into the existing years.

Until this migration 规上工业企业, the township and the industry were kept on the enterprise
only, and every year's indicators read today's values. From now on each year keeps its own,
with the yearly figures (``EnterpriseYearlyFigure.is_above_scale``, ``township``,
``industry``). The past is not recorded anywhere, so this migration writes TODAY's values into
every existing year:

1. every yearly-figures row gets its enterprise's current 规上 flag, township and industry;
2. every enterprise marked 规上 today gets a row (classification only, no figures) for each
   existing year it lacks, if it was founded by that year's end (or its founding date is not
   known): before this migration such an enterprise counted as 规上 in every year (the coverage
   rate's denominator), and it keeps counting there.

"Existing years" are the years that have yearly figures. So the figures of every year read
exactly as they did before the migration; they stop moving only from now on. Rows created in
step 2 have no history entry (they are written here, not by a user). Reversing keeps the rows
and clears nothing: the fields are dropped by the schema migration before this one.
"""

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone


def forwards(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Figure = apps.get_model("enterprises", "EnterpriseYearlyFigure")
    years = sorted(set(Figure.objects.values_list("year", flat=True).distinct()))
    now = timezone.now()
    for year in years:
        present = Figure.objects.filter(year=year).values("enterprise_id")
        missing = (
            Enterprise.objects.filter(is_above_scale=True)
            .filter(Q(founded_on__isnull=True) | Q(founded_on__year__lte=year))
            .exclude(pk__in=present)
            .values_list("pk", "township_id", "industry_id")
        )
        Figure.objects.bulk_create(
            (
                Figure(
                    enterprise_id=pk,
                    year=year,
                    is_above_scale=True,
                    township_id=township,
                    industry_id=industry,
                    created_at=now,
                    updated_at=now,
                )
                for pk, township, industry in missing.iterator()
            ),
            batch_size=2000,
        )
    own = Enterprise.objects.filter(pk=OuterRef("enterprise_id"))
    Figure.objects.filter(is_above_scale__isnull=True).update(
        is_above_scale=Subquery(own.values("is_above_scale")[:1])
    )
    Figure.objects.filter(township__isnull=True).update(
        township=Subquery(own.values("township_id")[:1])
    )
    Figure.objects.filter(industry__isnull=True).update(
        industry=Subquery(own.values("industry_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0009_yearly_classification"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
