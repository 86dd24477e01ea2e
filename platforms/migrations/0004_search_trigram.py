from django.db import migrations

from bureau.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("platforms", "0003_list_order_index")]

    operations = trigram_indexes("platforms_platform", ("name",))
