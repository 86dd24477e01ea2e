from django.db import migrations

from bureau.trigram import short_text_indexes


class Migration(migrations.Migration):
    dependencies = [("platforms", "0004_search_trigram")]

    operations = short_text_indexes("platforms_platform", ("name",))
