from django.db import migrations

from bureau.trigram import short_text_indexes


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0005_search_trigram")]

    operations = short_text_indexes("enterprises_enterprise", ("name", "legal_representative"))
