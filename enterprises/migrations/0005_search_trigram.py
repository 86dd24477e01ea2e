from django.db import migrations

from bureau.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0004_list_order_indexes")]

    operations = trigram_indexes(
        "enterprises_enterprise", ("name", "credit_code", "legal_representative")
    )
