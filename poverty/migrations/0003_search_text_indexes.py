from django.db import migrations

from bureau.trigram import short_text_indexes, trigram_indexes

# The header search's columns (``portal.search``): read whole at province scale, 8 ms a search.
COLUMNS = ("name", "sending_unit", "specialty")


class Migration(migrations.Migration):
    dependencies = [("poverty", "0002_list_order_indexes")]

    operations = [
        *trigram_indexes("poverty_commissioner", COLUMNS),
        *short_text_indexes("poverty_commissioner", COLUMNS),
    ]
