"""WriteIntent moved to sync bookkeeping (state only: its table stays)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_kvbranch_moved_to_tenants"),
        ("sync", "0002_writeintent_moved_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="WriteIntent")], database_operations=[]
        )
    ]
