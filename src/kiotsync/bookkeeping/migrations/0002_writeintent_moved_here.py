"""WriteIntent moves from the catalogue app to sync bookkeeping (the model's state only: the
table ``catalog_writeintent`` stays where it is, created by catalog 0002)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0001_initial"),
        ("catalog", "0002_writeintent"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WriteIntent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=120)),
                        ("payload", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="write_intents",
                                to="tenants.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_writeintent",
                        "constraints": [
                            models.UniqueConstraint(fields=("tenant", "key"), name="writeintent_unique")
                        ],
                    },
                ),
            ],
            database_operations=[],
        )
    ]
