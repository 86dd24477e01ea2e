from django.db import migrations

from bureau.trigram import short_text_indexes


def drop_first_form(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS search_short_grams(text)")


class Migration(migrations.Migration):
    # the short-text indexes in their second form (bureau/trigram.py); once every index of the
    # first is gone, so is its function
    dependencies = [
        ("bureau", "0009_search_short_text"),
        ("enterprises", "0007_search_grams"),
        ("platforms", "0006_search_document_number"),
    ]

    operations = [
        *short_text_indexes("bureau_village", ("name", "code"), replace=True),
        migrations.RunPython(drop_first_form, migrations.RunPython.noop, elidable=False),
    ]
