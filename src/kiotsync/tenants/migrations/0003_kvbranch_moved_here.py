"""KvBranch moves from the catalogue app to tenants: the model's state only (the table
``catalog_kvbranch`` stays where it is, created by catalog 0003)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_webhook_health"),
        ("catalog", "0003_kvbranch"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="KvBranch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("branch_id", models.BigIntegerField()),
                        ("name", models.CharField(max_length=255)),
                        ("is_active", models.BooleanField(default=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="kv_branches",
                                to="tenants.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_kvbranch",
                        "constraints": [
                            models.UniqueConstraint(fields=("tenant", "branch_id"), name="kvbranch_unique")
                        ],
                    },
                ),
            ],
            database_operations=[],
        )
    ]
