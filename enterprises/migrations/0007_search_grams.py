from django.db import migrations

from bureau.trigram import short_text_indexes


class Migration(migrations.Migration):
    # the short-text indexes in their second form: two-character keys, a third of the import's
    # cost of the first (bureau/trigram.py)
    dependencies = [("enterprises", "0006_search_short_text")]

    operations = short_text_indexes(
        "enterprises_enterprise", ("name", "legal_representative"), replace=True
    )
