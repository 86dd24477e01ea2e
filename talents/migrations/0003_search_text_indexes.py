from django.db import migrations

from bureau.trigram import short_text_indexes, trigram_indexes

# The header search's columns (``portal.search``): read whole at province scale, 5-10 ms a kind.
COLUMNS = {
    "talents_talentproject": ("candidate", "title"),
    "talents_foreignexpert": ("name", "passport_number"),
    "talents_introproject": ("title", "expert_names"),
}


class Migration(migrations.Migration):
    dependencies = [("talents", "0002_list_order_indexes")]

    operations = [
        operation
        for table, columns in COLUMNS.items()
        for operation in (*trigram_indexes(table, columns), *short_text_indexes(table, columns))
    ]
