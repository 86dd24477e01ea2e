from django.db import migrations

from bureau.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("bureau", "0007_saved_view")]

    operations = trigram_indexes("bureau_village", ("name", "code"))
