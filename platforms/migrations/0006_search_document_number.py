from django.db import migrations

from bureau.trigram import short_text_indexes, trigram_indexes


class Migration(migrations.Migration):
    # the last of the header search's columns here: without it every search read 22,500
    # platforms whole at province scale (22 ms); and the name's short-text index in its second
    # form (bureau/trigram.py)
    dependencies = [("platforms", "0005_search_short_text")]

    operations = [
        *trigram_indexes("platforms_platform", ("document_number",)),
        *short_text_indexes("platforms_platform", ("name",), replace=True),
        *short_text_indexes("platforms_platform", ("document_number",)),
    ]
