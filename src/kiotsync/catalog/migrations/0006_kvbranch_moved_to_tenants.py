"""KvBranch moved to the tenants app (state only: its table stays)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_job_worker"),
        ("tenants", "0003_kvbranch_moved_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="KvBranch")], database_operations=[]
        )
    ]
