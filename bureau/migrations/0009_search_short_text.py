from django.db import migrations

from bureau.trigram import short_text_indexes


class Migration(migrations.Migration):
    dependencies = [("bureau", "0008_search_trigram")]

    operations = short_text_indexes("bureau_village", ("name", "code"))
